"""The validation picture: frames, ground-truth masks and predicted masks side by side."""

import cv2
import numpy as np
import pytest
import torch

from object_centric_bench.learn.visualize import GAP, SaveMaskGrid


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def scene(b=2, t=3, size=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    gt = torch.randint(0, 4, (b, t, size, size), generator=generator)
    video = torch.randn(b, t, 3, size, size, generator=generator)  # normalised: negative values too
    return video, gt


def test_grid_has_three_rows_per_sample_and_a_column_per_frame(tmp_path):
    video, gt = scene(b=2, t=3)
    path = SaveMaskGrid(cell_size=16)(image=video, pred=gt, gt=gt, path=tmp_path / "viz" / "grid.png")
    picture = read_rgb(path)
    cell = 16 + GAP
    assert picture.shape == (2 * (3 * cell + 3 * GAP), 3 * cell, 3)


def test_permuted_prediction_is_drawn_in_the_ground_truth_colours(tmp_path):
    video, gt = scene(b=1, t=2)
    permuted = torch.tensor([3, 0, 1, 2])[gt]  # the same partition under other slot ids
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video, pred=permuted, gt=gt, path=tmp_path / "a.png"))
    row = 8 + GAP
    truth_row, pred_row = picture[row : 2 * row], picture[2 * row : 3 * row]
    np.testing.assert_array_equal(truth_row, pred_row)
    assert len(np.unique(truth_row.reshape(-1, 3), axis=0)) >= 4  # distinct colours per segment


def test_wrong_prediction_looks_different(tmp_path):
    video, gt = scene(b=1, t=2)
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video, pred=torch.zeros_like(gt), gt=gt, path=tmp_path / "b.png"))
    row = 8 + GAP
    assert not np.array_equal(picture[row : 2 * row], picture[2 * row : 3 * row])


def test_normalised_frames_are_stretched_to_the_visible_range(tmp_path):
    video, gt = scene(b=1, t=1)
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video * 3 - 5, pred=gt, gt=gt, path=tmp_path / "c.png"))
    frame = picture[:8, :8]
    assert frame.min() == 0 and frame.max() == 255


def test_images_without_time_axis_are_accepted(tmp_path):
    video, gt = scene(b=3, t=1)
    path = SaveMaskGrid(cell_size=8, max_samples=2)(image=video[:, 0], pred=gt[:, 0], gt=gt[:, 0], path=tmp_path / "d.png")
    assert read_rgb(path).shape == (2 * (3 * (8 + GAP) + 3 * GAP), 8 + GAP, 3)


def test_mismatched_shapes_are_refused_with_advice(tmp_path):
    video, gt = scene()
    with pytest.raises(ValueError, match="config map"):
        SaveMaskGrid()(image=video, pred=gt[:, :1], gt=gt, path=tmp_path / "e.png")
