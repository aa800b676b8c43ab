"""Released LMDB files, written here exactly as they ship, read back by the dataset classes.

Records are pickled with protocol 4 by the standard pickler (or with numpy 1's module names),
their dict keys and the file's insertion order shuffled, and no lock file kept. Lossless values
(AVI streams, PNG, WebP) must come back bit-exact, JPEGs as OpenCV decodes them, and the 16-bit
MOVi flow / depth within half a quantisation step.
"""

import io
import pickle

import cv2
import lmdb
import numpy as np
import pytest
import torch

from object_centric_bench.datum import codec
from object_centric_bench.datum.catalog import COCO, VOC, YTVIS, ClevrTex, MOVi
from object_centric_bench.datum.lmdb_io import UnsafeRecordError
from object_centric_bench.datum.transform import boxes_from_segment, horizontal_flip

T, H, W = 24, 32, 32
MOVI_CHUNK_STARTS = {0, 6, 12, 18}
MULTIARRAY_NAMES = ("numpy._core.multiarray", "numpy.core.multiarray")  # numpy 2, numpy 1


def _multiarray_functions():
    try:
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    return multiarray._reconstruct, multiarray.scalar


class _NamedMultiarrayPickler(pickle._Pickler):
    """The standard protocol-4 pickle, with numpy's array globals under a chosen module name."""

    def __init__(self, file, module: str):
        super().__init__(file, protocol=4)
        self.module = module

    def save_global(self, obj, name=None):
        if any(obj is function for function in _multiarray_functions()):
            self.save(self.module)
            self.save(name or obj.__name__)
            self.write(pickle.STACK_GLOBAL)
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _dumps(value, module: str | None) -> bytes:
    if module is None:
        return pickle.dumps(value, protocol=4)
    buffer = io.BytesIO()
    _NamedMultiarrayPickler(buffer, module).dump(value)
    return buffer.getvalue()


def write_released(path, records, seed=0, module=None, keys_order=None):
    """An LMDB file as released: zero-padded keys, pickled dicts, ``__keys__``, no lock file."""
    rng = np.random.default_rng(seed)
    keys = [f"{i:06d}".encode("ascii") for i in range(len(records))]
    env = lmdb.open(str(path), subdir=False, map_size=1 << 26, lock=False)
    with env.begin(write=True) as txn:
        for i in rng.permutation(len(records)):
            names = list(records[i])
            rng.shuffle(names)
            txn.put(keys[i], _dumps({name: records[i][name] for name in names}, module))
        listed = keys if keys_order is None else [keys[i] for i in keys_order]
        txn.put(b"__keys__", _dumps(listed, module))
    env.close()
    return path


def _uint8_frames(sample_key_tensor: torch.Tensor) -> np.ndarray:
    """float (..., 3, H, W) in [0, 1] -> uint8 (..., H, W, 3), exact for values decoded from uint8."""
    return (sample_key_tensor.movedim(-3, -1) * 255).round().to(torch.uint8).numpy()


def _jpeg(rgb: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", rgb[..., ::-1] if rgb.ndim == 3 else rgb)[1].tobytes()


def _opencv_rgb(jpeg: bytes) -> np.ndarray:
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    code = cv2.COLOR_GRAY2RGB if decoded.ndim == 2 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(decoded, code)


def _segments(rng, num_frames, num_objects):
    """uint8 (t, H, W) index maps: objects as rectangles that move, plus a band of noise ids."""
    segment = np.zeros((num_frames, H, W), np.uint8)
    for k in range(num_objects):
        top, left = rng.integers(0, H - 8), rng.integers(0, W - 8)
        for t in range(num_frames):
            segment[t, top : top + 6, (left + t) % (W - 6) : (left + t) % (W - 6) + 6] = k + 1
    segment[:, -3:] = rng.integers(0, num_objects + 1, (num_frames, 3, W))
    return segment


def movi_arrays(seed):
    rng = np.random.default_rng(seed)
    video = rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8)
    segment = _segments(rng, T, 3)
    bbox = boxes_from_segment(torch.from_numpy(segment), 4).numpy()  # a 4th object never visible
    flow = rng.uniform(-3.0, 5.0, (T, H, W, 2)).astype(np.float32)
    depth = rng.uniform(2.0, 40.0, (T, H, W)).astype(np.float32)
    return dict(video=video, segment=segment, bbox=bbox, flow=flow, depth=depth)


def _packed(values: np.ndarray) -> dict:
    """A released 16-bit entry: one x264 stream per channel (R high byte, G low byte) and min / max."""
    lo, hi = np.float32(values.min()), np.float32(values.max())
    codes = codec.quantize_uint16(values, lo, hi)
    streams = [codec.encode_avi_rgb(codec.pack_uint16(codes[..., c])) for c in range(codes.shape[-1])]
    return {"data": streams if len(streams) > 1 else streams[0], "min": lo, "max": hi}


def movi_record(arrays: dict) -> dict:
    return {
        "video": codec.encode_avi_rgb(arrays["video"]),
        "segment": codec.encode_avi_gray(arrays["segment"]),
        "bbox": arrays["bbox"],
        "flow": _packed(arrays["flow"][..., ::-1]),  # the release stores (dy, dx), as the source does
        "depth": _packed(arrays["depth"][..., None]),
    }


def _dequantised(values: np.ndarray, entry: dict) -> np.ndarray:
    """The documented de-quantisation ``v / 65535 * (max - min) + min`` in float32."""
    lo, hi = entry["min"], entry["max"]
    return codec.quantize_uint16(values, lo, hi).astype(np.float32) / np.float32(65535) * (hi - lo) + lo


def _half_step(entry: dict) -> float:
    """Half the quantisation step of a packed entry, plus float32 rounding at its magnitude."""
    lo, hi = entry["min"], entry["max"]
    return (hi - lo) / 65535 / 2 + 4 * np.spacing(max(abs(lo), abs(hi)))


@pytest.fixture(scope="module")
def movi_file(tmp_path_factory):
    arrays = [movi_arrays(seed) for seed in range(2)]
    records = [movi_record(a) for a in arrays]
    path = write_released(tmp_path_factory.mktemp("movi") / "validation.lmdb", records)
    return path, arrays, records


def _assert_movi_clip(sample, arrays, record, frames):
    np.testing.assert_array_equal(_uint8_frames(sample["video"]), arrays["video"][frames])
    np.testing.assert_array_equal(sample["segment"].numpy(), arrays["segment"][frames])
    assert sample["segment"].dtype == torch.int64
    np.testing.assert_array_equal(sample["bbox"].numpy(), arrays["bbox"][frames])
    flow = sample["flow"].permute(0, 2, 3, 1).numpy()  # (t, h, w, 2)
    assert np.abs(flow - arrays["flow"][frames]).max() <= _half_step(record["flow"])
    np.testing.assert_array_equal(flow, _dequantised(arrays["flow"], record["flow"])[frames])
    depth = sample["depth"].numpy()
    assert np.abs(depth - arrays["depth"][frames]).max() <= _half_step(record["depth"])
    np.testing.assert_array_equal(depth, _dequantised(arrays["depth"], record["depth"])[frames])


MOVI_KEYS = ("video", "segment", "bbox", "flow", "depth")


def test_movi_val_reads_the_whole_video_bit_exact_via_the_validation_alias(movi_file):
    path, arrays, records = movi_file
    dataset = MOVi(path.with_name("val.lmdb"), split="val", size=None, keys=MOVI_KEYS)
    assert len(dataset) == 2
    for index in range(2):
        sample = dataset[index]
        assert sample["video"].shape == (T, 3, H, W)
        _assert_movi_clip(sample, arrays[index], records[index], slice(0, T))


def test_movi_train_draws_each_of_the_four_aligned_chunks(movi_file):
    path, arrays, records = movi_file
    dataset = MOVi(path, split="train", size=None, keys=MOVI_KEYS)
    starts = set()
    for seed in range(12):
        sample = dataset[(1, seed)]
        assert sample["video"].shape == (6, 3, H, W)
        matches = [s for s in range(T - 5) if np.array_equal(_uint8_frames(sample["video"]), arrays[1]["video"][s : s + 6])]
        assert len(matches) == 1 and matches[0] in MOVI_CHUNK_STARTS
        _assert_movi_clip(sample, arrays[1], records[1], slice(matches[0], matches[0] + 6))
        starts.add(matches[0])
    assert starts == MOVI_CHUNK_STARTS


def test_movi_flow_points_against_the_motion_of_the_object_and_flips_with_it(tmp_path):
    """Backward flow maps a pixel to where it was one frame earlier: for a square moving right
    (+x) by 1 px per frame it is (dx, dy) = (-1, 0). The release stores the streams (dy, dx)."""
    segment = np.zeros((T, H, W), np.uint8)
    flow = np.zeros((T, H, W, 2), np.float32)
    for t in range(T):
        segment[t, 10:16, 2 + t : 8 + t] = 1
        if t > 0:
            flow[t, 10:16, 2 + t : 8 + t, 0] = -1.0
    arrays = dict(movi_arrays(0), segment=segment, bbox=boxes_from_segment(torch.from_numpy(segment), 1).numpy(), flow=flow)
    path = write_released(tmp_path / "validation.lmdb", [movi_record(arrays)])
    sample = MOVi(path, split="val", size=None, keys=("video", "segment", "flow"))[0]
    on_object = sample["segment"][1:] == 1
    centre_x = [np.argwhere(frame.numpy() == 1)[:, 1].mean() for frame in sample["segment"]]
    assert np.diff(centre_x) == pytest.approx(np.ones(T - 1))
    dx, dy = sample["flow"][1:, 0], sample["flow"][1:, 1]
    assert dx[on_object].mean().item() == pytest.approx(-1.0, abs=1e-4) and dy.abs().max().item() < 1e-4
    flipped = horizontal_flip(sample)  # now moving left: the backward flow points right
    flipped_centre_x = [np.argwhere(frame.numpy() == 1)[:, 1].mean() for frame in flipped["segment"]]
    assert np.diff(flipped_centre_x) == pytest.approx(-np.ones(T - 1))
    assert flipped["flow"][1:, 0][flipped["segment"][1:] == 1].mean().item() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("module", MULTIARRAY_NAMES)
def test_numpy_1_and_numpy_2_pickles_read_the_same(tmp_path, module):
    arrays = movi_arrays(5)
    path = write_released(tmp_path / "val.lmdb", [movi_record(arrays)], module=module)
    with lmdb.open(str(path), subdir=False, readonly=True, lock=False) as env, env.begin() as txn:
        raw = txn.get(b"000000")
    other = next(name for name in MULTIARRAY_NAMES if name != module)
    assert module.encode() in raw and other.encode() not in raw
    sample = MOVi(path, split="val", size=None, keys=MOVI_KEYS)[0]
    _assert_movi_clip(sample, arrays, movi_record(arrays), slice(0, T))


def test_sample_order_comes_from_the_keys_list_not_the_cursor(tmp_path):
    images = [np.full((H, W, 3), 40 * i, np.uint8) for i in range(3)]
    records = [{"image": codec.encode_png(image), "segment": codec.encode_webp_lossless(np.zeros((H, W), np.uint8))} for image in images]
    dataset = VOC(write_released(tmp_path / "train.lmdb", records, keys_order=[2, 0, 1]), split="val", size=None)
    assert [int(_uint8_frames(dataset[i]["image"])[0, 0, 0]) for i in range(3)] == [80, 0, 40]


def test_a_record_with_a_foreign_global_is_refused_naming_file_and_key(tmp_path):
    records = [movi_record(movi_arrays(0)), {"video": io.StringIO("not allowed")}]
    dataset = MOVi(write_released(tmp_path / "val.lmdb", records), split="val", size=None)
    assert dataset[0]["video"].shape == (T, 3, H, W)
    with pytest.raises(UnsafeRecordError, match=r"val\.lmdb.*000001.*_io\.StringIO"):
        dataset[1]


def ytvis_record(rng, num_frames):
    video = rng.integers(0, 256, (num_frames, H, W, 3), dtype=np.uint8)
    segment = _segments(rng, num_frames, 3)
    return {
        "video": [_jpeg(frame) for frame in video],
        "segment": [codec.encode_webp_lossless(frame) for frame in segment],
        "clazz": rng.integers(1, 41, (num_frames, 3)).astype(np.uint8),
    }, segment


def test_ytvis_cuts_20_frame_clips_drops_short_videos_and_trains_on_5_frame_chunks(tmp_path):
    rng = np.random.default_rng(3)
    made = [ytvis_record(rng, n) for n in (45, 15, 20)]
    path = write_released(tmp_path / "train.lmdb", [record for record, _ in made])
    val = YTVIS(path, split="val", size=None, keys=("video", "segment", "clazz"))
    assert val.clips == [(0, 0), (0, 20), (0, 25), (2, 0)]
    for index, (record_index, start) in enumerate(val.clips):
        record, segment = made[record_index]
        sample = val[index]
        frames = slice(start, start + 20)
        expected_video = np.stack([_opencv_rgb(jpeg) for jpeg in record["video"][frames]])
        np.testing.assert_array_equal(_uint8_frames(sample["video"]), expected_video)
        np.testing.assert_array_equal(sample["segment"].numpy(), segment[frames])
        np.testing.assert_array_equal(sample["clazz"].numpy(), record["clazz"][frames])
    train = YTVIS(path, split="train", size=None, keys=("segment", "clazz"))
    record, segment = made[0]
    starts = set()
    for seed in range(16):
        sample = train[(1, seed)]
        start = next(s for s in range(20, 36) if np.array_equal(sample["clazz"].numpy(), record["clazz"][s : s + 5]))
        np.testing.assert_array_equal(sample["segment"].numpy(), segment[start : start + 5])
        starts.add(start)
    assert starts == {20, 25, 30, 35}


def coco_record(rng):
    gray = rng.integers(0, 256, (H, W), dtype=np.uint8)
    segment = np.zeros((H, W), np.uint8)
    segment[:8] = 1  # thing
    segment[8:16] = 2  # stuff
    segment[16:24, :16] = 3  # thing
    segment[16:24, 16:] = 4  # stuff
    return {
        "image": _jpeg(gray),
        "segment": codec.encode_webp_lossless(segment),
        "bbox": boxes_from_segment(torch.from_numpy(segment), 4).numpy(),
        "clazz": np.array([1, 149, 7, 184], np.uint8),
        "isthing": np.array([True, False, True, False]),
    }, segment


def test_coco_gray_jpeg_becomes_rgb_and_stuff_merges_into_background(tmp_path):
    record, segment = coco_record(np.random.default_rng(4))
    path = write_released(tmp_path / "val.lmdb", [record])
    kept = COCO(path, split="val", size=None, merge_stuff=False, keys=("image", "segment", "bbox", "clazz", "isthing"))[0]
    np.testing.assert_array_equal(_uint8_frames(kept["image"]), _opencv_rgb(record["image"]))
    np.testing.assert_array_equal(kept["segment"].numpy(), segment)
    np.testing.assert_array_equal(kept["bbox"].numpy(), record["bbox"])
    assert kept["clazz"].tolist() == [1, 149, 7, 184]
    merged = COCO(path, split="val", size=None, keys=("image", "segment", "bbox", "clazz"))[0]
    expected = np.select([segment == 1, segment == 3], [1, 2], 0)
    np.testing.assert_array_equal(merged["segment"].numpy(), expected)
    np.testing.assert_array_equal(merged["bbox"].numpy(), record["bbox"][[0, 2]])
    assert merged["clazz"].tolist() == [1, 7]
    assert merged["isthing"].tolist() == [1, 1]


def test_voc_jpeg_and_webp_index_map(tmp_path):
    rng = np.random.default_rng(6)
    image = rng.integers(0, 256, (H, W + 8, 3), dtype=np.uint8)
    segment = rng.integers(0, 5, (H, W + 8), dtype=np.uint8)
    record = {"image": _jpeg(image), "segment": codec.encode_webp_lossless(segment)}
    sample = VOC(write_released(tmp_path / "val.lmdb", [record]), split="val", size=None, keys=("image", "segment", "bbox"))[0]
    np.testing.assert_array_equal(_uint8_frames(sample["image"]), _opencv_rgb(record["image"]))
    np.testing.assert_array_equal(sample["segment"].numpy(), segment)
    np.testing.assert_array_equal(sample["bbox"].numpy(), boxes_from_segment(torch.from_numpy(segment), 4).numpy())


def test_clevrtex_png_with_alpha_webp_map_and_raw_depth(tmp_path):
    rng = np.random.default_rng(7)
    rgba = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    segment = rng.integers(0, 7, (H, W), dtype=np.uint8)
    depth = rng.integers(0, 65536, (H, W), dtype=np.uint16)
    record = {
        "image": cv2.imencode(".png", rgba[..., [2, 1, 0, 3]])[1].tobytes(),
        "segment": codec.encode_webp_lossless(segment),
        "depth": cv2.imencode(".png", depth)[1].tobytes(),
    }
    path = write_released(tmp_path / "train.lmdb", [record])
    sample = ClevrTex(path, split="train", size=None, keys=("image", "segment", "depth"))[0]
    np.testing.assert_array_equal(_uint8_frames(sample["image"]), rgba[..., :3])
    np.testing.assert_array_equal(sample["segment"].numpy(), segment)
    assert sample["depth"].dtype == torch.float32
    np.testing.assert_array_equal(sample["depth"].numpy(), depth.astype(np.float32))
