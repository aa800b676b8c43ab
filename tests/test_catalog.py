"""The per-dataset classes: project-written depth de-quantised, and the split rules and pipelines."""

import numpy as np
import pytest
import torch

from object_centric_bench.datum import codec
from object_centric_bench.datum.catalog import COCO, YTVIS, ClevrTex, MOVi
from object_centric_bench.datum.collate import PadObjectsCollate
from object_centric_bench.datum.lmdb_io import LMDBWriter
from object_centric_bench.datum.transform import boxes_from_segment
from tests.test_released_files import coco_record, write_released, ytvis_record

T, H, W = 24, 24, 32
DEPTH_RANGE = np.array([0.5, 60.0], np.float32)


def _project_movi_record(seed=0):
    """A record as ``convert_movi`` writes it with ``--extras flow depth``: per-frame PNGs."""
    rng = np.random.default_rng(seed)
    video = rng.integers(0, 256, (T, H, W, 3), dtype=np.uint8)
    segment = np.zeros((T, H, W), np.uint8)
    for t in range(T):
        segment[t, 2:10, t : t + 6] = 1
        segment[t, 12:20, 20:30] = 2
    flow = np.zeros((T, H, W, 2), np.float32)
    flow[:, 12:20, 20:30] = (1.5, -0.5)
    depth_codes = rng.integers(0, 65536, (T, H, W), dtype=np.uint16)
    record = {
        "video": [codec.encode_png(frame) for frame in video],
        "segment": [codec.encode_png(frame) for frame in segment],
        "bbox": boxes_from_segment(torch.from_numpy(segment), 2).numpy(),
        "flow": [codec.encode_flow16(frame, -2.0, 2.0) for frame in flow],
        "flow_range": np.array([-2.0, 2.0], np.float32),
        "depth": [codec.encode_png(frame) for frame in depth_codes],
        "depth_range": DEPTH_RANGE,
    }
    return record, dict(video=video, segment=segment, flow=flow, depth_codes=depth_codes)


@pytest.fixture(scope="module")
def movi_file(tmp_path_factory):
    record, arrays = _project_movi_record()
    path = tmp_path_factory.mktemp("movi") / "train.lmdb"
    with LMDBWriter(path) as writer:
        writer.write(record)
    return path, arrays


def test_project_movi_depth_is_dequantised_with_the_records_range(movi_file):
    path, arrays = movi_file
    sample = MOVi(path, split="val", size=None, keys=("video", "depth"))[0]
    lo, hi = DEPTH_RANGE
    expected = arrays["depth_codes"].astype(np.float32) / np.float32(65535) * (hi - lo) + lo
    np.testing.assert_array_equal(sample["depth"].numpy(), expected)
    assert sample["depth"].min() >= lo and sample["depth"].max() <= hi
    np.testing.assert_array_equal((sample["video"].permute(0, 2, 3, 1) * 255).round().byte().numpy(), arrays["video"])


def test_movi_standard_pipelines_crop_pad_and_recompute_boxes(movi_file):
    path, _ = movi_file
    boxes = ("video", "segment", "bbox")
    train = MOVi(path, split="train", size=16, keys=boxes, num_objects=6)[(0, 3)]
    assert train["video"].shape == (6, 3, 16, 16) and train["segment"].shape == (6, 16, 16)
    assert train["video"].min() < 0  # ImageNet-normalised
    assert train["bbox"].shape == (6, 6, 4)
    torch.testing.assert_close(train["bbox"], boxes_from_segment(train["segment"], 6))
    val = MOVi(path, split="val", size=16, keys=boxes)[0]
    assert val["video"].shape == (T, 3, 16, 16) and val["bbox"].shape == (T, 2, 4)


def _movi_boxes_file(path):
    """Two 4-frame videos. The first: id 1 still, id 2 never visible, id 3 from frame 2 on at the
    right edge of the centre square (columns 4..27), id 4 only left of it; the second: id 1 filling
    the centre square."""
    first = np.zeros((4, H, W), np.uint8)
    first[:, 2:6, 6:12] = 1
    first[2:, 10:20, 26:31] = 3
    first[:, 0:5, 0:3] = 4
    second = np.zeros((4, H, W), np.uint8)
    second[:, :, 4:28] = 1
    with LMDBWriter(path) as writer:
        for segment in (first, second):
            writer.write({
                "video": [codec.encode_png(np.zeros((H, W, 3), np.uint8)) for _ in segment],
                "segment": [codec.encode_png(frame) for frame in segment],
                "bbox": boxes_from_segment(torch.from_numpy(segment), 4).numpy(),
            })
    return path


def test_movi_present_boxes_are_one_row_per_object_of_the_clip_padded_per_batch(tmp_path):
    path = _movi_boxes_file(tmp_path / "val.lmdb")
    keys = ("video", "segment", "bbox")
    dataset = MOVi(path, split="val", size=H, keys=keys, num_objects=11, box_rows="present", box_edges="inclusive")
    first, second = dataset[0], dataset[1]
    # the centre square is columns 4..27, kept at 24 px: ids 2 (never seen) and 4 (cropped away)
    # have no row, and there is no background row
    assert first["bbox"].shape == (4, 2, 4) and second["bbox"].shape == (4, 1, 4)
    torch.testing.assert_close(first["bbox"][:, 0], torch.tensor([2, 2, 7, 5]).expand(4, 4) / 24)
    torch.testing.assert_close(first["bbox"][:2, 1], torch.zeros(2, 4))  # id 3 not yet visible
    torch.testing.assert_close(first["bbox"][2:, 1], torch.tensor([22, 10, 23, 19]).expand(2, 4) / 24)
    torch.testing.assert_close(second["bbox"][:, 0], torch.tensor([0, 0, 23, 23]).expand(4, 4) / 24)
    batch = PadObjectsCollate()([first, second])  # the engine's default collate
    assert batch["bbox"].shape == (2, 4, 2, 4)  # the batch's largest count
    torch.testing.assert_close(batch["bbox"][1, :, 0], second["bbox"][:, 0])
    assert batch["bbox"][1, :, 1].abs().sum() == 0  # a zero row pads the smaller sample
    steps = dataset.protocol()["transform"]
    assert {"RecomputeBoxes": {"rows": "present", "edges": "inclusive", "max_objects": 11}} in steps
    assert not any("PadObjects" in step for step in steps)
    with pytest.raises(ValueError, match="more than max_objects=1"):
        MOVi(path, split="val", size=H, keys=keys, num_objects=1, box_rows="present")[0]
    with pytest.raises(ValueError, match="give a size"):
        MOVi(path, split="val", size=None, keys=keys, box_rows="present")
    numbered = MOVi(path, split="val", size=H, keys=keys, num_objects=11)[0]["bbox"]  # the fixed padding
    assert numbered.shape == (4, 11, 4) and numbered[:, [1, 3]].abs().sum() == 0


def test_ytvis_adds_a_last_clip_aligned_to_the_video_end_or_drops_the_tail(tmp_path):
    made = [ytvis_record(np.random.default_rng(3), n) for n in (45, 15, 20)]
    path = write_released(tmp_path / "val.lmdb", [record for record, _ in made])
    aligned = YTVIS(path, split="val", size=None, keys=("segment",))
    assert aligned.clips == [(0, 0), (0, 20), (0, 25), (2, 0)]  # ceil(45 / 20) clips; 15 frames: none
    np.testing.assert_array_equal(aligned[2]["segment"].numpy(), made[0][1][25:45])
    assert aligned.protocol()["tail"] == "aligned"
    dropped = YTVIS(path, split="val", size=None, keys=("segment",), tail="drop")
    assert dropped.clips == [(0, 0), (0, 20), (2, 0)] and dropped.protocol()["tail"] == "drop"


def test_movi_flow_rgb_target_is_white_where_nothing_moves(movi_file):
    path, arrays = movi_file
    sample = MOVi(path, split="val", size=None, keys=("video", "flow"), flow_rgb=5.0)[0]
    assert sample["flow_rgb"].shape == (T, 3, H, W)
    still = torch.from_numpy(np.all(arrays["flow"] == 0, axis=-1))  # (t, h, w)
    assert torch.allclose(sample["flow_rgb"].permute(0, 2, 3, 1)[still], torch.tensor(1.0), atol=1e-3)
    assert sample["flow_rgb"].permute(0, 2, 3, 1)[~still].min() < 0.9
    with pytest.raises(ValueError, match="add 'flow' to keys"):
        MOVi(path, keys=("video",), flow_rgb=5.0)


def test_an_unknown_split_is_refused_with_the_choices(movi_file):
    path, _ = movi_file
    with pytest.raises(ValueError, match=r"\('train', 'val'\)"):
        MOVi(path, split="validation")
    with pytest.raises(ValueError, match="split"):
        YTVIS(path, split="test")


def test_coco_merges_stuff_before_the_crop_and_pads_to_a_fixed_count(tmp_path):
    record, _ = coco_record(np.random.default_rng(0))
    path = write_released(tmp_path / "train.lmdb", [record])
    sample = COCO(path, split="train", size=16, keys=("image", "segment", "bbox", "clazz"), num_objects=5)[(0, 1)]
    assert sample["image"].shape == (3, 16, 16)
    assert set(sample["segment"].unique().tolist()) <= {0, 1, 2}
    assert sample["bbox"].shape == (5, 4) and sample["clazz"].tolist() == [1, 7, 0, 0, 0]
    torch.testing.assert_close(sample["bbox"][:2], boxes_from_segment(sample["segment"], 2))
    assert sample["bbox"][2:].abs().sum() == 0


def test_coco_reads_images_alone_without_segments_to_merge(tmp_path):
    record, _ = coco_record(np.random.default_rng(0))
    path = write_released(tmp_path / "train.lmdb", [record])
    sample = COCO(path, split="val", size=16, keys=("image",))[0]
    assert set(sample) == {"image"} and sample["image"].shape == (3, 16, 16)


def test_clevrtex_validation_takes_the_centre_square(tmp_path):
    image = np.zeros((H, W, 3), np.uint8)
    image[:, (W - H) // 2 : (W + H) // 2] = 200  # the centre square is bright, the sides black
    segment = np.zeros((H, W), np.uint8)
    record = {"image": codec.encode_png(image), "segment": codec.encode_webp_lossless(segment)}
    sample = ClevrTex(write_released(tmp_path / "val.lmdb", [record]), split="val", size=12)[0]
    assert sample["image"].shape == (3, 12, 12)
    assert torch.unique(sample["image"][0]).numel() == 1  # only the bright square remains


def test_protocol_records_how_samples_are_cut_and_transformed(movi_file):
    path, _ = movi_file
    val = MOVi(path, split="val", size=16).protocol()
    assert (val["clip_len"], val["chunk_len"]) == (None, None)  # whole videos are scored
    assert val["transform"][1] == {"Resize": {"size": 16}} and "CenterCrop" in val["transform"][0]
    train = MOVi(path, split="train", size=16).protocol()
    assert train["chunk_len"] == 6 and train["num_samples"] == val["num_samples"]


def _centre_reference(mask: np.ndarray) -> np.ndarray:
    """(x, y) of a boolean (H, W) mask's centre of mass in [0, 1], by a plain loop over pixels."""
    xs, ys = [], []
    for i in range(mask.shape[0]):
        for j in range(mask.shape[1]):
            if mask[i, j]:
                xs.append((j + 0.5) / mask.shape[1])
                ys.append((i + 0.5) / mask.shape[0])
    return np.array([np.mean(xs), np.mean(ys)], np.float32)


def test_movi_conditions_are_first_frame_centres_and_masks_padded_to_the_slot_count(movi_file):
    path, arrays = movi_file
    sample = MOVi(path, split="val", size=None, keys=("video", "segment", "bbox"), num_objects=5,
                  conditions=("centre", "first_mask"))[0]
    assert sample["centre"].shape == (T, 5, 2) and sample["first_mask"].shape == (5, H, W)
    assert sample["bbox"].shape == (T, 5, 4)
    for k in (1, 2):
        for t in (0, 7):
            np.testing.assert_allclose(sample["centre"][t, k - 1].numpy(), _centre_reference(arrays["segment"][t] == k), atol=1e-6)
        np.testing.assert_array_equal(sample["first_mask"][k - 1].numpy(), arrays["segment"][0] == k)
    assert (sample["centre"][:, 2:] == -1).all()  # padded slots: SAVi's fixed (-1, -1)
    assert (sample["first_mask"][2:] == 0).all()
    batch = PadObjectsCollate(num_objects=7)([sample, sample])
    assert batch["centre"].shape == (2, T, 7, 2) and (batch["centre"][:, :, 2:] == -1).all()
    assert batch["first_mask"].shape == (2, 7, H, W)


def test_movi_conditions_follow_the_training_crop_and_flip(movi_file):
    path, _ = movi_file
    data = MOVi(path, split="train", size=16, keys=("video", "segment", "bbox"), num_objects=4,
                conditions=("centre", "first_mask"))
    for seed in range(4):
        sample = data[(0, seed)]
        segment = sample["segment"]
        for k in (1, 2):
            visible = (segment == k).flatten(1).any(1)
            expected = torch.tensor(np.stack([_centre_reference(frame.numpy() == k) if v else np.full(2, -1, np.float32)
                                              for frame, v in zip(segment, visible)]))
            torch.testing.assert_close(sample["centre"][:, k - 1], expected)
            assert torch.equal(sample["first_mask"][k - 1], (segment[0] == k).to(torch.uint8))


def test_conditions_need_masks_in_numbered_rows(movi_file):
    path, _ = movi_file
    with pytest.raises(ValueError, match="add 'segment'"):
        MOVi(path, keys=("video", "bbox"), conditions=("centre",))
    with pytest.raises(ValueError, match="box_rows"):
        MOVi(path, keys=("video", "segment", "bbox"), conditions=("centre",), box_rows="present", num_objects=4)
    with pytest.raises(ValueError, match="condition must be one of"):
        MOVi(path, keys=("video", "segment"), conditions=("com",))
