"""Pictures of predicted slot masks next to the ground truth, written during validation.

Each picture says what it shows: a title with the validation step and what the numbers are, a
label at the left of every row, and each sample's own scores above it.
"""

from pathlib import Path

import cv2
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

GAP = 2  # white pixels between cells
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.45
LINE_HEIGHT = 18  # pixels per line of text
MARGIN = 6  # white pixels left of any text
ROW_LABELS = dict(image=("image", "ground truth", "prediction"), video=("frames", "ground truth", "prediction"))


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


def text_width(text: str) -> int:
    return cv2.getTextSize(text, FONT, FONT_SCALE, 1)[0][0]


LABEL_WIDTH = max(text_width(label) for labels in ROW_LABELS.values() for label in labels) + 2 * MARGIN


def write_text(canvas: np.ndarray, text: str, x: int, top: int, height: int = LINE_HEIGHT) -> None:
    """Black text on ``canvas``, vertically centred in the ``height`` pixels from ``top``."""
    (_, text_height), _ = cv2.getTextSize(text, FONT, FONT_SCALE, 1)
    baseline_y = top + (height + text_height) // 2
    cv2.putText(canvas, text, (x, baseline_y), FONT, FONT_SCALE, (0, 0, 0), 1, cv2.LINE_AA)


def text_band(lines: list[str]) -> np.ndarray:
    """A white band with one line of text per entry, as wide as its longest line."""
    band = np.full((LINE_HEIGHT * len(lines), max(map(text_width, lines)) + 2 * MARGIN, 3), 255, np.uint8)
    for i, line in enumerate(lines):
        write_text(band, line, MARGIN, i * LINE_HEIGHT)
    return band


def per_sample(metric: dict, batch_size: int) -> dict[str, np.ndarray]:
    """``{name: float64 (b,)}`` from per-sample metric values (tensors or sequences)."""
    values = {name: torch.as_tensor(v).detach().double().cpu().reshape(-1).numpy() for name, v in metric.items()}
    for name, v in values.items():
        if len(v) != batch_size:
            raise ValueError(f"SaveMaskGrid: metric {name!r} has {len(v)} values for a batch of {batch_size}; "
                             "pass one value per sample")
    return values


def score_text(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.3f}"


class SaveMaskGrid:
    """Write a PNG grid: per sample, a row of frames, a row of ground-truth masks and a row of
    predicted masks (colours matched to the ground truth), one column per frame, each row labelled.

    Accepts images (b, 3, H, W) with index maps (b, H, W), or videos (b, t, 3, H, W) with (b, t, H, W).
    ``step`` and ``metric`` (``{name: per-sample values (b,)}``, as the engine passes them) are
    optional: the title names the step, and each sample is headed by its own scores.
    """

    def __init__(self, max_samples: int = 4, max_frames: int = 8, cell_size: int = 96):
        self.max_samples = max_samples
        self.max_frames = max_frames
        self.cell_size = cell_size

    def __call__(self, image: torch.Tensor, pred: torch.Tensor, gt: torch.Tensor, path,
                 step: int | None = None, metric: dict | None = None) -> Path:
        kind = "video" if image.dim() == 5 else "image"
        if image.dim() == 4:
            image, pred, gt = image[:, None], pred[:, None], gt[:, None]  # one-frame videos
        if image.dim() != 5 or pred.shape != gt.shape or pred.shape[:2] != image.shape[:2]:
            raise ValueError(
                f"SaveMaskGrid needs image (b[, t], 3, H, W) with pred and gt (b[, t], H, W); got "
                f"{tuple(image.shape)}, {tuple(pred.shape)}, {tuple(gt.shape)}: check its config map"
            )
        scores = per_sample(metric or {}, image.shape[0])
        count = min(self.max_samples, image.shape[0])
        pieces = [text_band(self._title(kind, count, step, list(scores)))]
        for i in range(count):
            heading = f"{kind} {i + 1}" + "".join(f"  {n} {score_text(v[i])}" for n, v in scores.items())
            pieces += [text_band([heading]), self._sample(image[i], pred[i], gt[i], ROW_LABELS[kind])]
        width = max(piece.shape[1] for piece in pieces)
        grid = np.concatenate([self._pad(piece, right=width - piece.shape[1]) for piece in pieces], axis=0)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {path}; check that the folder is writable")
        return path

    @staticmethod
    def _title(kind: str, count: int, step: int | None, names: list[str]) -> list[str]:
        """What the picture shows, and what the numbers above each sample are."""
        when = f"validation at step {step}: " if step is not None else ""
        lines = [f"{when}the first {count} {kind}s of a batch; predicted colours matched to the ground truth"]
        if names:
            lines.append(f"above each {kind}: its own {', '.join(names)} (not the mean over the split)")
        return lines

    def _sample(self, image: torch.Tensor, pred: torch.Tensor, gt: torch.Tensor, labels) -> np.ndarray:
        """One sample's three labelled rows: frames, ground truth, prediction; then a wider gap."""
        frames = to_display(image[: self.max_frames])  # (t, H, W, 3)
        truth = gt[: self.max_frames].cpu().numpy().astype(np.int64)
        guess = match_to_ground_truth(pred[: self.max_frames].cpu().numpy().astype(np.int64), truth)
        colours = palette(max(truth.max(), guess.max()) + 1)
        rows = [self._labelled(label, self._row(cells)) for label, cells in zip(labels, [frames, colours[truth], colours[guess]])]
        return self._pad(np.concatenate(rows, axis=0), bottom=3 * GAP)

    def _row(self, cells: np.ndarray) -> np.ndarray:
        """(t, H, W, 3) -> one row image of enlarged cells with gaps."""
        size = (self.cell_size, self.cell_size)
        enlarged = [cv2.resize(cell, size, interpolation=cv2.INTER_NEAREST) for cell in cells]
        return np.concatenate([self._pad(cell, right=GAP, bottom=GAP) for cell in enlarged], axis=1)

    @staticmethod
    def _labelled(label: str, row: np.ndarray) -> np.ndarray:
        """``row`` with a white band at its left that names it."""
        band = np.full((row.shape[0], LABEL_WIDTH, 3), 255, np.uint8)
        write_text(band, label, MARGIN, 0, height=row.shape[0] - GAP)
        return np.concatenate([band, row], axis=1)

    @staticmethod
    def _pad(image: np.ndarray, right: int = 0, bottom: int = 0) -> np.ndarray:
        return np.pad(image, ((0, bottom), (0, right), (0, 0)), constant_values=255)
