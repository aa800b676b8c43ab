"""MOVi converter on tiny TFDS-style shards written here with the feature layout of movi_a..e 1.0.0.

The fixture follows the TFDS builder: PNG frames for ``video`` / ``segmentations`` / ``depth``, the
uint16 ``backward_flow`` tensor (delta_row, delta_col) as one int64 list, and the ragged
``instances/bboxes`` / ``instances/bbox_frames`` as ``ragged_flat_values`` and
``ragged_row_lengths_0``.
"""

import argparse

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import convert_movi
from object_centric_bench.datum.codec import decode_flow16, decode_index, decode_rgb
from object_centric_bench.datum.lmdb_io import LMDBReader
from tests.test_tfrecord import encode_example, write_tfrecord

T, H, W = 3, 8, 8
FLOW_RANGE = (-3.0, 5.0)
CATEGORY = {"instances/category": np.array([4, 0])}  # movi_c / d / e
MOVI_A_LABELS = {
    "instances/shape_label": np.array([2, 0]),
    "instances/size_label": np.array([1, 0]),
    "instances/color_label": np.array([7, 3]),
    "instances/material_label": np.array([0, 1]),
    "instances/color": np.array([0.1, 0.2, 0.3, 0.9, 0.8, 0.7], np.float32),
}


def _png(arr: np.ndarray) -> bytes:
    return cv2.imencode(".png", arr)[1].tobytes()


def _example(seed: int, labels: dict) -> tuple[dict, dict]:
    """One Example and what the converter should make of it."""
    rng = np.random.default_rng(seed)
    video = rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8)
    segment = np.zeros((T, H, W), np.uint8)
    segment[:, 1:3, 1:4] = 1
    segment[2, 5:7, 5:7] = 2  # instance 1 (id 2) is only visible in frame 2
    codes = rng.integers(0, 65536, (T, H, W, 2)).astype(np.uint16)  # (dy, dx) codes
    depth = rng.integers(0, 65536, (T, H, W), dtype=np.uint16)
    boxes = [
        np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.5], [0.0, 0.2, 0.3, 0.5]], np.float32),
        np.array([[0.6, 0.62, 0.9, 0.92]], np.float32),  # ymin, xmin, ymax, xmax
    ]
    frames = [np.array([0, 1, 2]), np.array([2])]
    example = {
        "video": [_png(frame[..., ::-1]) for frame in video],
        "segmentations": [_png(frame) for frame in segment],
        "depth": [_png(frame) for frame in depth],
        "backward_flow": codes.reshape(-1),
        "forward_flow": np.zeros(T * H * W * 2, np.int64),
        "normal": [_png(frame) for frame in video],
        "metadata/backward_flow_range": np.array(FLOW_RANGE, np.float32),
        "metadata/depth_range": np.array([0.5, 20.0], np.float32),
        "metadata/num_instances": np.array([2]),
        "metadata/height": np.array([H]),
        "metadata/width": np.array([W]),
        "metadata/video_name": [b"%d" % seed],
        **labels,
        "instances/bboxes/ragged_flat_values": np.concatenate(boxes).reshape(-1),
        "instances/bboxes/ragged_row_lengths_0": np.array([3, 1]),
        "instances/bbox_frames/ragged_flat_values": np.concatenate(frames),
        "instances/bbox_frames/ragged_row_lengths_0": np.array([3, 1]),
    }
    step = (FLOW_RANGE[1] - FLOW_RANGE[0]) / 65535
    expected = {
        "video": video,
        "segment": segment,
        "depth": depth,
        "flow": codes[..., ::-1] * step + FLOW_RANGE[0],  # (t, h, w, [dx, dy]) in pixels
        "bbox": np.zeros((T, 2, 4), np.float32),
    }
    expected["bbox"][:, 0] = boxes[0][:, [1, 0, 3, 2]]
    expected["bbox"][2, 1] = boxes[1][0, [1, 0, 3, 2]]
    return example, expected


def _write_tfds(root, variant="movi_c", resolution=256, labels=CATEGORY):
    """<variant>/<res>x<res>/1.0.0 with two train shards (2 + 1 videos) and one validation shard."""
    folder = root / variant / f"{resolution}x{resolution}" / "1.0.0"
    folder.mkdir(parents=True)
    expected = {"train": [], "val": []}
    layout = [("train", 0, [0, 1]), ("train", 1, [2]), ("validation", 0, [3])]
    for split, shard, seeds in layout:
        pairs = [_example(seed, labels) for seed in seeds]
        name = f"{variant}-{split}.tfrecord-{shard:05d}-of-{2 if split == 'train' else 1:05d}"
        write_tfrecord(folder / name, [encode_example(example) for example, _ in pairs])
        expected["train" if split == "train" else "val"] += [want for _, want in pairs]
    return expected


@pytest.fixture
def tfds_dir(tmp_path):
    return tmp_path / "tfds", _write_tfds(tmp_path / "tfds")


def _run(argv, dataset="movi_c"):
    parser = argparse.ArgumentParser()
    convert_movi.add_arguments(parser)
    args = parser.parse_args(argv)
    args.dataset = dataset
    convert_movi.main(args)


def test_converts_every_split_with_ids_boxes_flow_and_depth(tfds_dir, tmp_path):
    src, expected = tfds_dir
    dst = tmp_path / "out"
    _run(["--src", str(src), "--dst", str(dst), "--extras", "flow", "depth"])

    for split, wants in expected.items():
        reader = LMDBReader(dst / f"{split}.lmdb")
        assert len(reader) == len(wants)
        for index, want in enumerate(wants):
            got = reader[index]
            assert len(got["video"]) == T and len(got["segment"]) == T
            for t in range(T):
                np.testing.assert_array_equal(decode_rgb(got["video"][t]), want["video"][t])
                np.testing.assert_array_equal(decode_index(got["segment"][t]), want["segment"][t])
                depth = cv2.imdecode(np.frombuffer(got["depth"][t], np.uint8), cv2.IMREAD_UNCHANGED)
                np.testing.assert_array_equal(depth, want["depth"][t])
                lo, hi = got["flow_range"]
                flow = decode_flow16(got["flow"][t], lo, hi)
                np.testing.assert_allclose(flow, want["flow"][t], atol=(hi - lo) / 65535)
            assert got["bbox"].dtype == np.float32
            np.testing.assert_allclose(got["bbox"], want["bbox"])
            np.testing.assert_array_equal(got["clazz"], np.tile([5, 1], (T, 1)))
            np.testing.assert_allclose(got["flow_range"], FLOW_RANGE)
            np.testing.assert_allclose(got["depth_range"], [0.5, 20.0])


def test_default_keeps_flow_but_not_depth_and_reads_shards_given_directly(tfds_dir, tmp_path):
    src, _ = tfds_dir
    dst = tmp_path / "out"
    _run(["--src", str(src / "movi_c" / "256x256" / "1.0.0"), "--dst", str(dst), "--split", "val"])
    sample = LMDBReader(dst / "val.lmdb")[0]
    assert "flow" in sample and "depth" not in sample
    assert not (dst / "train.lmdb").exists()


def test_refuses_to_overwrite_unless_asked(tfds_dir, tmp_path):
    src, _ = tfds_dir
    dst = tmp_path / "out"
    argv = ["--src", str(src), "--dst", str(dst), "--split", "val"]
    _run(argv)
    with pytest.raises(FileExistsError, match="val.lmdb"):
        _run(argv)
    _run(argv + ["--overwrite"])
    assert len(LMDBReader(dst / "val.lmdb")) == 1


def test_missing_shards_name_the_places_searched(tmp_path):
    with pytest.raises(FileNotFoundError, match="movi_d-train.tfrecord"):
        _run(["--src", str(tmp_path), "--dst", str(tmp_path / "out")], dataset="movi_d")


def test_movi_a_takes_the_shape_as_class_and_keeps_its_other_labels(tmp_path):
    _write_tfds(tmp_path / "tfds", "movi_a", labels=MOVI_A_LABELS)
    _run(["--src", str(tmp_path / "tfds"), "--dst", str(tmp_path / "out"), "--split", "val"], "movi_a")
    sample = LMDBReader(tmp_path / "out" / "val.lmdb")[0]
    np.testing.assert_array_equal(sample["clazz"], np.tile([3, 1], (T, 1)))
    for key, want in {"size": [1, 0], "color": [7, 3], "material": [0, 1]}.items():
        assert sample[key].dtype == np.uint8
        np.testing.assert_array_equal(sample[key], want)


def test_movi_e_at_128_px_is_found_under_its_own_builder_config(tmp_path):
    expected = _write_tfds(tmp_path / "tfds", "movi_e", resolution=128)
    dst = tmp_path / "out"
    argv = ["--src", str(tmp_path / "tfds"), "--dst", str(dst), "--split", "val"]
    with pytest.raises(FileNotFoundError, match="movi_e/256x256/1.0.0"):
        _run(argv, "movi_e")
    _run(argv + ["--resolution", "128"], "movi_e")
    sample = LMDBReader(dst / "val.lmdb")[0]
    np.testing.assert_allclose(sample["bbox"], expected["val"][0]["bbox"])
    np.testing.assert_array_equal(sample["clazz"], np.tile([5, 1], (T, 1)))
    assert "material" not in sample


def test_a_variant_whose_labels_are_missing_names_the_feature(tmp_path):
    _write_tfds(tmp_path / "tfds", "movi_a")  # movi_c's labels under the movi_a name
    with pytest.raises(KeyError, match="instances/shape_label"):
        _run(["--src", str(tmp_path / "tfds"), "--dst", str(tmp_path / "out"), "--split", "val"], "movi_a")


def test_every_variant_is_a_subcommand():
    import convert

    assert set(convert_movi.VARIANTS) <= set(convert.CONVERTERS)
    assert set(convert_movi.LABELS) == set(convert_movi.VARIANTS)
