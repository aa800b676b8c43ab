"""The validation picture: frames, ground-truth masks and predicted masks side by side, labelled."""

import cv2
import numpy as np
import pytest
import torch

from object_centric_bench.config import load_config
from object_centric_bench.engine import Engine
from object_centric_bench.learn.visualize import GAP, LABEL_WIDTH, LINE_HEIGHT, SaveMaskGrid


class RecordingGrid(SaveMaskGrid):
    """SaveMaskGrid that keeps the arguments of every call, to see what the engine passes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return super().__call__(**kwargs)


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def scene(b=2, t=3, size=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    gt = torch.randint(0, 4, (b, t, size, size), generator=generator)
    video = torch.randn(b, t, 3, size, size, generator=generator)  # normalised: negative values too
    return video, gt


def sample_height(cell):
    """One sample: its heading line, three rows of cells, the gap below."""
    return LINE_HEIGHT + 3 * (cell + GAP) + 3 * GAP


def cell_box(picture, cell, sample=0, row=0, column=0, title_lines=1):
    """The pixels of one cell (row 0 frames, 1 ground truth, 2 prediction)."""
    top = title_lines * LINE_HEIGHT + sample * sample_height(cell) + LINE_HEIGHT + row * (cell + GAP)
    left = LABEL_WIDTH + column * (cell + GAP)
    return picture[top : top + cell, left : left + cell]


def label_box(picture, cell, sample=0, row=0, title_lines=1):
    top = title_lines * LINE_HEIGHT + sample * sample_height(cell) + LINE_HEIGHT + row * (cell + GAP)
    return picture[top : top + cell, :LABEL_WIDTH]


def inked(pixels):
    """True when some pixel is dark (text was drawn there)."""
    return bool((pixels.min(axis=-1) < 128).any())


def test_grid_has_a_title_and_per_sample_a_heading_and_three_labelled_rows(tmp_path):
    video, gt = scene(b=2, t=3)
    path = SaveMaskGrid(cell_size=16)(image=video, pred=gt, gt=gt, path=tmp_path / "viz" / "grid.png")
    picture = read_rgb(path)
    assert picture.shape[0] == LINE_HEIGHT + 2 * sample_height(16)
    assert picture.shape[1] >= LABEL_WIDTH + 3 * (16 + GAP) and picture.shape[2] == 3
    assert inked(picture[:LINE_HEIGHT])  # the title
    for sample in range(2):
        labels = [label_box(picture, 16, sample, row) for row in range(3)]
        assert all(inked(label) for label in labels)
        assert not np.array_equal(labels[0], labels[1]) and not np.array_equal(labels[1], labels[2])


def test_permuted_prediction_is_drawn_in_the_ground_truth_colours(tmp_path):
    video, gt = scene(b=1, t=2)
    permuted = torch.tensor([3, 0, 1, 2])[gt]  # the same partition under other slot ids
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video, pred=permuted, gt=gt, path=tmp_path / "a.png"))
    for column in range(2):
        truth, guess = cell_box(picture, 8, row=1, column=column), cell_box(picture, 8, row=2, column=column)
        np.testing.assert_array_equal(truth, guess)
    assert len(np.unique(cell_box(picture, 8, row=1).reshape(-1, 3), axis=0)) >= 4  # distinct colours per segment


def test_wrong_prediction_looks_different(tmp_path):
    video, gt = scene(b=1, t=2)
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video, pred=torch.zeros_like(gt), gt=gt, path=tmp_path / "b.png"))
    assert not np.array_equal(cell_box(picture, 8, row=1), cell_box(picture, 8, row=2))


def test_normalised_frames_are_stretched_to_the_visible_range(tmp_path):
    video, gt = scene(b=1, t=1)
    picture = read_rgb(SaveMaskGrid(cell_size=8)(image=video * 3 - 5, pred=gt, gt=gt, path=tmp_path / "c.png"))
    frame = cell_box(picture, 8)
    assert frame.min() == 0 and frame.max() == 255


def test_images_without_time_axis_are_accepted(tmp_path):
    video, gt = scene(b=3, t=1)
    path = SaveMaskGrid(cell_size=8, max_samples=2)(image=video[:, 0], pred=gt[:, 0], gt=gt[:, 0], path=tmp_path / "d.png")
    picture = read_rgb(path)
    assert picture.shape[0] == LINE_HEIGHT + 2 * sample_height(8)
    assert picture.shape[1] >= LABEL_WIDTH + 8 + GAP


def test_mismatched_shapes_are_refused_with_advice(tmp_path):
    video, gt = scene()
    with pytest.raises(ValueError, match="config map"):
        SaveMaskGrid()(image=video, pred=gt[:, :1], gt=gt, path=tmp_path / "e.png")


def test_step_and_per_sample_scores_are_written_into_the_picture(tmp_path):
    video, gt = scene(b=2, t=2, size=16)
    grid = SaveMaskGrid(cell_size=16)

    def draw(name, step, scores):
        return read_rgb(grid(image=video, pred=gt, gt=gt, path=tmp_path / name, step=step, metric=dict(ari_fg=scores)))

    picture = draw("e.png", 10, torch.tensor([0.25, 0.75]))
    assert picture.shape[0] == 2 * LINE_HEIGHT + 2 * sample_height(16)  # a second title line names the scores
    assert not np.array_equal(picture[:LINE_HEIGHT], draw("f.png", 20, torch.tensor([0.25, 0.75]))[:LINE_HEIGHT])
    other = draw("g.png", 10, torch.tensor([0.25, 0.5]))
    heading = slice(2 * LINE_HEIGHT + sample_height(16), 3 * LINE_HEIGHT + sample_height(16))  # sample 2
    assert np.array_equal(picture[: 3 * LINE_HEIGHT], other[: 3 * LINE_HEIGHT])  # sample 1 scores the same
    assert not np.array_equal(picture[heading], other[heading])
    with pytest.raises(ValueError, match="'ari_fg' has 3 values for a batch of 2"):
        grid(image=video, pred=gt, gt=gt, path=tmp_path / "h.png", metric=dict(ari_fg=torch.zeros(3)))


def test_engine_passes_the_step_and_the_first_batch_scores_and_writes_the_picture(tmp_path):
    cfg = load_config("tests/configs/toy.py")
    cfg.update(total_steps=10, val_interval=10, visualize=dict(
        fn=dict(type=RecordingGrid, cell_size=16),
        map=dict(image="batch.image", pred="output.segment", gt="batch.segment"),
    ))
    engine = Engine(cfg, run_dir=str(tmp_path))
    engine.fit()
    (call,) = engine.visualize.fn.calls
    assert call["step"] == 10 and set(call["metric"]) == set(engine.metrics_v)
    assert call["metric"]["index"].tolist() == [0, 1, 2, 3, 4]  # per sample, of the first validation batch
    picture = read_rgb(tmp_path / "viz" / "step_000010.png")
    assert picture.shape[0] == 2 * LINE_HEIGHT + 4 * sample_height(16)
    assert inked(label_box(picture, 16, title_lines=2))
