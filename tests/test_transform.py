"""Joint transforms keep frames, masks, flow and boxes aligned."""

import numpy as np
import pytest
import torch

from object_centric_bench.datum.transform import (
    CenterCrop,
    Compose,
    FlowToRGB,
    MergeStuffIntoBackground,
    Normalize,
    PadObjects,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RecomputeBoxes,
    Resize,
    boxes_from_segment,
    crop_and_resize,
    horizontal_flip,
    train_transforms,
)


def _sample(t=3, h=24, w=32):
    """A video whose red channel is 1 exactly on object 1 (an off-centre block), plus flow."""
    segment = torch.zeros(t, h, w, dtype=torch.long)
    segment[:, 3:11, 4:14] = 1
    segment[:, 15:22, 20:30] = 2
    video = torch.rand(1, 3, h, w).repeat(t, 1, 1, 1) * 0.4  # the same picture in every frame
    video[:, 0] = (segment == 1).float()
    flow = torch.randn(t, 2, h, w)
    return {"video": video, "segment": segment, "flow": flow, "bbox": torch.zeros(t, 2, 4)}


def test_boxes_from_segment_are_pixel_edge_ltrb():
    segment = torch.zeros(10, 20, dtype=torch.long)
    segment[2:5, 3:8] = 2
    boxes = boxes_from_segment(segment, 3)
    torch.testing.assert_close(boxes[0], torch.zeros(4))
    torch.testing.assert_close(boxes[1], torch.tensor([3 / 20, 2 / 10, 8 / 20, 5 / 10]))
    torch.testing.assert_close(boxes[2], torch.zeros(4))


def test_inclusive_boxes_put_right_and_bottom_at_the_last_pixels_index():
    segment = torch.zeros(10, 20, dtype=torch.long)
    segment[2:5, 3:8] = 2  # rows 2..4, columns 3..7
    segment[9, 19] = 1  # one pixel in the bottom-right corner
    boxes = boxes_from_segment(segment, 3, edges="inclusive")
    torch.testing.assert_close(boxes[1], torch.tensor([3 / 20, 2 / 10, 7 / 20, 4 / 10]))
    torch.testing.assert_close(boxes[0], torch.tensor([19 / 20, 9 / 10, 19 / 20, 9 / 10]))
    torch.testing.assert_close(boxes[2], torch.zeros(4))
    full = boxes_from_segment(torch.ones(10, 20, dtype=torch.long), 1, edges="inclusive")
    torch.testing.assert_close(full[0], torch.tensor([0.0, 0.0, 19 / 20, 9 / 10]))
    with pytest.raises(ValueError, match="edges must be one of"):
        boxes_from_segment(segment, 3, edges="outer")


def test_present_rows_keep_only_the_objects_of_the_clip_in_id_order():
    segment = torch.zeros(3, 8, 10, dtype=torch.long)
    segment[:, 1:3, 2:5] = 2  # ids 1, 3 and 4 never appear; 5 appears from frame 1 on
    segment[1:, 5:8, 6:10] = 5
    sample = {"segment": segment, "bbox": torch.ones(3, 6, 4)}  # the video's 6 numbered rows
    out = RecomputeBoxes(rows="present", edges="inclusive")(sample, np.random.default_rng(0))
    assert out["bbox"].shape == (3, 2, 4)  # ids 2 and 5, no background row
    torch.testing.assert_close(out["bbox"][:, 0], torch.tensor([2 / 10, 1 / 8, 4 / 10, 2 / 8]).expand(3, 4))
    torch.testing.assert_close(out["bbox"][0, 1], torch.zeros(4))  # invisible at frame 0
    torch.testing.assert_close(out["bbox"][1:, 1], torch.tensor([6 / 10, 5 / 8, 9 / 10, 7 / 8]).expand(2, 4))
    numbered = RecomputeBoxes()(sample, np.random.default_rng(0))["bbox"]
    assert numbered.shape == (3, 6, 4) and numbered[:, [0, 2, 3]].abs().sum() == 0
    with pytest.raises(ValueError, match="2 objects, more than max_objects=1"):
        RecomputeBoxes(rows="present", max_objects=1)(sample, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rows must be one of"):
        RecomputeBoxes(rows="visible")


def test_flip_twice_is_identity_and_negates_flow_x():
    sample = _sample()
    flipped = horizontal_flip(sample)
    torch.testing.assert_close(flipped["flow"][:, 0], -sample["flow"][:, 0].flip(-1))
    torch.testing.assert_close(flipped["flow"][:, 1], sample["flow"][:, 1].flip(-1))
    back = horizontal_flip(flipped)
    for key in ("video", "segment", "flow"):
        torch.testing.assert_close(back[key], sample[key])


def test_crop_then_recomputed_boxes_match_mask_extents():
    cropped = crop_and_resize(_sample(), top=5, left=6, height=16, width=20, size=None)
    boxed = RecomputeBoxes()(cropped, np.random.default_rng(0))
    # object 1 spans rows 3..10, cols 4..13 -> rows 0..5, cols 0..7 of the crop
    torch.testing.assert_close(boxed["bbox"][0, 0], torch.tensor([0.0, 0.0, 8 / 20, 6 / 16]))
    # object 2 spans rows 15..21, cols 20..29 -> rows 10..15, cols 14..19 (cut by the crop)
    torch.testing.assert_close(boxed["bbox"][0, 1], torch.tensor([14 / 20, 10 / 16, 1.0, 1.0]))


def test_random_resized_crop_is_reproducible_and_keeps_keys_aligned():
    sample = _sample()
    transform = Compose([RandomResizedCrop(32), RandomHorizontalFlip(), RecomputeBoxes()])
    outputs = [transform(sample, np.random.default_rng(seed)) for seed in (7, 7, 8)]
    for key in ("video", "segment", "flow", "bbox"):
        torch.testing.assert_close(outputs[0][key], outputs[1][key])
    assert not torch.equal(outputs[0]["video"], outputs[2]["video"])
    for out in outputs:
        assert out["video"].shape == (3, 3, 32, 32) and out["segment"].shape == (3, 32, 32)
        torch.testing.assert_close(out["video"][0], out["video"][2])  # same crop for every frame
        on_object = out["segment"] == 1
        disagree = (on_object != (out["video"][:, 0] > 0.5)).float().mean()
        assert disagree < 0.05  # only resampled boundary pixels may differ
        expected = boxes_from_segment(out["segment"], 2)
        torch.testing.assert_close(out["bbox"], expected)


def test_resize_keeps_ids_and_rescales_flow_vectors():
    sample = _sample()
    sample["flow"] = torch.stack([torch.full((24, 32), 1.0), torch.full((24, 32), 2.0)])[None].repeat(3, 1, 1, 1)
    out = Resize((12, 64))(sample, np.random.default_rng(0))
    assert set(out["segment"].unique().tolist()) == {0, 1, 2}
    assert out["segment"].dtype == torch.long
    torch.testing.assert_close(out["flow"][:, 0], torch.full((3, 12, 64), 2.0))
    torch.testing.assert_close(out["flow"][:, 1], torch.full((3, 12, 64), 1.0))


def test_center_crop_takes_the_largest_centred_square():
    image = torch.arange(6 * 10, dtype=torch.float32).reshape(1, 6, 10).repeat(3, 1, 1)
    out = CenterCrop()({"image": image}, np.random.default_rng(0))
    torch.testing.assert_close(out["image"], image[:, :, 2:8])


def test_normalize_uses_imagenet_statistics():
    out = Normalize()({"image": torch.full((3, 2, 2), 0.485)}, np.random.default_rng(0))
    torch.testing.assert_close(out["image"][0], torch.zeros(2, 2))
    torch.testing.assert_close(out["image"][1], torch.full((2, 2), (0.485 - 0.456) / 0.224))


def test_pad_objects_pads_to_the_slot_count_and_refuses_to_cut():
    sample = {"bbox": torch.ones(3, 2, 4), "clazz": torch.ones(3, 2, dtype=torch.long)}
    out = PadObjects(5)(sample, np.random.default_rng(0))
    assert out["bbox"].shape == (3, 5, 4) and out["clazz"].shape == (3, 5)
    assert out["bbox"][:, 2:].abs().sum() == 0
    with pytest.raises(ValueError, match="num_slots"):
        PadObjects(1)(sample, np.random.default_rng(0))


def test_flow_to_rgb_hue_is_direction_and_saturation_is_magnitude():
    flow = torch.zeros(1, 2, 1, 4)
    flow[0, 0, 0, 1] = 10.0  # +x, full magnitude -> red
    flow[0, 0, 0, 2] = 5.0  # +x, half magnitude -> pale red
    flow[0, 1, 0, 3] = 10.0  # +y, quarter turn -> (0.5, 1, 0)
    rgb = FlowToRGB(max_magnitude=10.0)({"flow": flow}, np.random.default_rng(0))["flow_rgb"]
    assert rgb.shape == (1, 3, 1, 4)
    torch.testing.assert_close(rgb[0, :, 0, 0], torch.ones(3))
    torch.testing.assert_close(rgb[0, :, 0, 1], torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(rgb[0, :, 0, 2], torch.tensor([1.0, 0.5, 0.5]))
    torch.testing.assert_close(rgb[0, :, 0, 3], torch.tensor([0.5, 1.0, 0.0]))


def test_standard_training_pipeline_pads_boxes_for_conditional_slots():
    out = train_transforms(16, num_objects=6)(_sample(), np.random.default_rng(0))
    assert out["video"].shape == (3, 3, 16, 16)
    assert out["bbox"].shape == (3, 6, 4)


def test_merging_stuff_compacts_thing_ids_and_their_rows():
    segment = torch.tensor([[1, 2, 3], [3, 0, 2]])
    sample = {
        "segment": segment,
        "isthing": torch.tensor([0, 1, 1]),
        "clazz": torch.tensor([90, 5, 7]),
        "bbox": torch.arange(12, dtype=torch.float32).reshape(3, 4),
    }
    out = MergeStuffIntoBackground()(sample, np.random.default_rng(0))
    torch.testing.assert_close(out["segment"], torch.tensor([[0, 1, 2], [2, 0, 1]]))
    assert out["clazz"].tolist() == [5, 7]
    torch.testing.assert_close(out["bbox"], sample["bbox"][1:])


def test_flow_colour_wheel_matches_colorsys_and_scales_with_the_frame_by_default():
    import colorsys

    rng = np.random.default_rng(0)
    flow = torch.from_numpy(rng.normal(0, 6, (1, 2, 3, 64)).astype(np.float32))
    rgb = FlowToRGB()({"flow": flow}, rng)["flow_rgb"]  # saturation 1 at 7 px on a 64-px-wide frame
    for i in range(3):
        for j in range(64):
            dx, dy = flow[0, :, i, j].tolist()
            hue = (np.arctan2(dy, dx) / (2 * np.pi)) % 1.0
            expected = colorsys.hsv_to_rgb(hue, min(np.hypot(dx, dy) / 7.0, 1.0), 1.0)
            np.testing.assert_allclose(rgb[0, :, i, j].numpy(), expected, atol=1e-5)
