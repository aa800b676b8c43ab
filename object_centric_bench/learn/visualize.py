"""Pictures of predicted slot masks next to the ground truth, written during validation."""

from pathlib import Path

import cv2
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

GAP = 2  # white pixels between cells


def palette(num_colours: int) -> np.ndarray:
    """uint8 (n, 3) RGB: black for id 0, then well-separated hues by the golden angle."""
    colours = [(0, 0, 0)]
    for i in range(1, num_colours):
        hue = int((i * 0.618034 % 1.0) * 180)
        value = 255 if i % 2 else 190
        hsv = np.array([[[hue, 220, value]]], np.uint8)
        colours.append(tuple(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]))
    return np.array(colours, np.uint8)


def match_to_ground_truth(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Renumber predicted ids so that each takes the id of the ground-truth segment it overlaps
    most (one-to-one, Hungarian); unmatched predictions get ids after the largest ground-truth id.
    Only the colours change, so the picture is comparable by eye."""
    pred_ids, pred_index = np.unique(pred, return_inverse=True)
    num_gt = int(gt.max()) + 1
    overlap = np.zeros((len(pred_ids), num_gt), np.int64)
    np.add.at(overlap, (pred_index.ravel(), gt.ravel()), 1)
    rows, cols = linear_sum_assignment(-overlap)
    new_ids = np.zeros(len(pred_ids), np.int64)
    new_ids[rows] = cols
    unmatched = np.setdiff1d(np.arange(len(pred_ids)), rows)
    new_ids[unmatched] = num_gt + np.arange(len(unmatched))
    return new_ids[pred_index].reshape(pred.shape)


def to_display(image: torch.Tensor) -> np.ndarray:
    """(t, 3, H, W) float, normalised or not -> uint8 (t, H, W, 3), each clip stretched to [0, 255]."""
    image = image.detach().float().cpu()
    low, high = image.min(), image.max()
    scaled = (image - low) / (high - low).clamp(min=1e-6)
    return (scaled.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)


class SaveMaskGrid:
    """Write a PNG grid: per sample, a row of frames, a row of ground-truth masks and a row of
    predicted masks (colours matched to the ground truth), one column per frame.

    Accepts images (b, 3, H, W) with index maps (b, H, W), or videos (b, t, 3, H, W) with (b, t, H, W).
    """

    def __init__(self, max_samples: int = 4, max_frames: int = 8, cell_size: int = 96):
        self.max_samples = max_samples
        self.max_frames = max_frames
        self.cell_size = cell_size

    def __call__(self, image: torch.Tensor, pred: torch.Tensor, gt: torch.Tensor, path) -> Path:
        if image.dim() == 4:
            image, pred, gt = image[:, None], pred[:, None], gt[:, None]  # one-frame videos
        if image.dim() != 5 or pred.shape != gt.shape or pred.shape[:2] != image.shape[:2]:
            raise ValueError(
                f"SaveMaskGrid needs image (b[, t], 3, H, W) with pred and gt (b[, t], H, W); got "
                f"{tuple(image.shape)}, {tuple(pred.shape)}, {tuple(gt.shape)}: check its config map"
            )
        blocks = []
        for i in range(min(self.max_samples, image.shape[0])):
            frames = to_display(image[i, : self.max_frames])  # (t, H, W, 3)
            truth = gt[i, : self.max_frames].cpu().numpy().astype(np.int64)
            guess = match_to_ground_truth(pred[i, : self.max_frames].cpu().numpy().astype(np.int64), truth)
            colours = palette(max(truth.max(), guess.max()) + 1)
            rows = [frames, colours[truth], colours[guess]]
            blocks.append(np.concatenate([self._row(row) for row in rows], axis=0))
        grid = np.concatenate([self._pad(block, bottom=3 * GAP) for block in blocks], axis=0)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {path}; check that the folder is writable")
        return path

    def _row(self, cells: np.ndarray) -> np.ndarray:
        """(t, H, W, 3) -> one row image of enlarged cells with gaps."""
        size = (self.cell_size, self.cell_size)
        enlarged = [cv2.resize(cell, size, interpolation=cv2.INTER_NEAREST) for cell in cells]
        return np.concatenate([self._pad(cell, right=GAP, bottom=GAP) for cell in enlarged], axis=1)

    @staticmethod
    def _pad(image: np.ndarray, right: int = 0, bottom: int = 0) -> np.ndarray:
        return np.pad(image, ((0, bottom), (0, right), (0, 0)), constant_values=255)
