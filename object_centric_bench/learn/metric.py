"""Segmentation metrics for object-centric learning: ARI, FG-ARI, mBO and mIoU.

The functional core (`ari`, `mbo`, `miou`) scores integer index maps `(B, ...)`: every dimension
after the first is pooled into one point set per sample, and label 0 of the ground truth is the
background. Each returns float64 `(B,)` with NaN for a sample that has nothing to score, so that
the caller can average over valid samples only. All of them start from the same per-sample
contingency matrix, built with one `bincount` per sample. The classes at the bottom wrap the core
for configs: they add the temporal unit (per video or per frame) and the first-frame flag, and
describe their settings for the results' protocol record.
"""

import math

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

TEMPORAL_UNITS = ("video", "frame")
MATCHINGS = ("hungarian", "aligned")
ARITHMETICS = ("exact", "int64")
EMPTY_FOREGROUND = ("exclude", "one")


def _check_index_maps(pred: torch.Tensor, gt: torch.Tensor) -> None:
    if pred.shape != gt.shape:
        raise ValueError(
            f"pred and gt must have the same shape (B, ...), got {tuple(pred.shape)} and "
            f"{tuple(gt.shape)}; upsample the predicted masks to the ground-truth resolution first"
        )
    if pred.ndim < 1:
        raise ValueError("pred and gt need a batch dimension: pass index maps of shape (B, ...)")
    for name, labels in (("pred", pred), ("gt", gt)):
        if labels.is_floating_point() or labels.is_complex():
            raise ValueError(
                f"{name} must be an integer index map, got dtype {labels.dtype}; "
                "turn soft masks into an index map with masks_to_index"
            )


def _label_range(labels: torch.Tensor) -> int:
    """Number of label values 0..max in one sample; rejects negative labels."""
    if labels.numel() == 0:
        return 1
    low, high = torch.aminmax(labels)
    if low < 0:
        raise ValueError(f"labels must be non-negative integers, found {int(low)}")
    return int(high) + 1


def _compact(labels: torch.Tensor, keep_zero: bool) -> tuple[torch.Tensor, int]:
    """Relabel to 0..n-1 in sorted order; with `keep_zero`, index 0 still means label 0."""
    values, inverse = torch.unique(labels, return_inverse=True)
    if keep_zero and values[0] != 0:
        return inverse + 1, len(values) + 1
    return inverse, len(values)


def contingency(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Pixel counts n[b, i, j] of predicted segment i and ground-truth segment j, int64 (B, S, K).

    Column j = 0 is always the ground-truth background (label 0), also when no pixel has it.
    Labels may be any non-negative integers: sparse ones (ids in the thousands) are relabelled
    per sample so that the matrix stays small.
    """
    _check_index_maps(pred, gt)
    batch = pred.shape[0]
    pred = pred.reshape(batch, -1)  # (b, p)
    gt = gt.reshape(batch, -1)  # (b, p)
    counts = []
    for pred_b, gt_b in zip(pred.long(), gt.long()):
        num_pred, num_gt = _label_range(pred_b), _label_range(gt_b)
        if num_pred * num_gt > max(pred_b.numel(), 1024):
            pred_b, num_pred = _compact(pred_b, keep_zero=False)
            gt_b, num_gt = _compact(gt_b, keep_zero=True)
        # One pass per sample: a sample's pixels stay in cache, which beats one batched bincount.
        joint = torch.add(gt_b, pred_b, alpha=num_gt)
        counts.append(torch.bincount(joint, minlength=num_pred * num_gt).view(num_pred, num_gt))
    num_pred = max(c.shape[0] for c in counts)
    num_gt = max(c.shape[1] for c in counts)
    padded = [F.pad(c, (0, num_gt - c.shape[1], 0, num_pred - c.shape[0])) for c in counts]
    return torch.stack(padded)  # (b, s, k)


def _pairs(n: torch.Tensor, ordered: bool) -> torch.Tensor:
    """Number of point pairs, exact in int64: unordered C(n, 2), or ordered n (n - 1)."""
    ordered_pairs = n * (n - 1)
    return ordered_pairs if ordered else ordered_pairs // 2


def _pair_counts(counts: torch.Tensor, ordered: bool) -> tuple[torch.Tensor, ...]:
    """Pairs of points within a cell, a predicted segment, a gt segment and the sample, summed.

    Returns four int64 (B,) tensors from a contingency matrix (B, S, K). Each is exact: at most
    n^2 for n points (2.5e12 for a 24 x 256^2 clip).
    """
    pred_sizes = counts.sum(2)  # (b, s)
    gt_sizes = counts.sum(1)  # (b, k)
    num_points = pred_sizes.sum(1)  # (b,)
    return (
        _pairs(counts, ordered).sum((1, 2)), _pairs(pred_sizes, ordered).sum(1),
        _pairs(gt_sizes, ordered).sum(1), _pairs(num_points, ordered),
    )


def _ari_from_counts(counts: torch.Tensor) -> torch.Tensor:
    """Hubert-Arabie ARI from pair counts of a contingency matrix (B, S, K), exact in float64."""
    index, pred_pairs, gt_pairs, all_pairs = _pair_counts(counts, ordered=False)
    expected = pred_pairs.double() * gt_pairs.double() / all_pairs.clamp(min=1).double()
    maximum = (pred_pairs + gt_pairs).double() / 2
    score = (index.double() - expected) / (maximum - expected)
    # max == expected exactly when both sides are one cluster, or both are all singletons: the
    # partitions then agree, and the score is 1. Tested on the integer counts, not on floats.
    both_one_cluster = (pred_pairs == all_pairs) & (gt_pairs == all_pairs)
    both_singletons = (pred_pairs == 0) & (gt_pairs == 0)
    return torch.where(both_one_cluster | both_singletons, 1.0, score)


def _int64_ari_from_counts(counts: torch.Tensor) -> torch.Tensor:
    """ARI in the arithmetic of the RandSF.Q v3 reference's metric, bit for bit.

    Ordered pair counts n (n - 1) in int64; the product of the two marginal sums is formed in
    int64, so it wraps modulo 2^64 once it passes 2^63 - 1 (about 9.2e18); everything after it is
    float32, as torch's true division of int64 tensors gives, and a zero float32 denominator
    scores 1. Only that product wraps: the pair sums themselves stay exact.
    """
    index, pred_pairs, gt_pairs, all_pairs = _pair_counts(counts, ordered=True)
    expected = (gt_pairs * pred_pairs).float() / all_pairs.clamp(min=1).float()
    maximum = (gt_pairs + pred_pairs).float() / 2
    denominator = maximum - expected
    score = (index.float() - expected) / denominator
    return torch.where(denominator == 0, 1.0, score).double()


def ari(
    pred: torch.Tensor, gt: torch.Tensor, foreground_only: bool = False,
    arithmetic: str = "exact", empty_foreground: str = "exclude",
) -> torch.Tensor:
    """Adjusted Rand index per sample, float64 (B,).

    With `foreground_only` (FG-ARI) pixels whose ground truth is background are dropped, and a
    sample without foreground pixels gives NaN (`empty_foreground="exclude"`) or 1 (``"one"``, as
    SAVi, VideoSAUR and OCLF count it). Otherwise the background is one more cluster. A sample
    without pixels gives NaN. `arithmetic="exact"` matches scikit-learn; ``"int64"`` reproduces
    the RandSF.Q v3 reference's numbers, overflow included (see `_int64_ari_from_counts`).
    """
    _check_ari_options(foreground_only, arithmetic, empty_foreground)
    counts = contingency(pred, gt)
    if foreground_only:
        counts = counts[:, :, 1:]  # restricting the pixels to gt != 0 drops the background column
    score = _ari_from_counts(counts) if arithmetic == "exact" else _int64_ari_from_counts(counts)
    empty = counts.sum((1, 2)) == 0
    return torch.where(empty, 1.0 if empty_foreground == "one" else math.nan, score)


def _check_ari_options(foreground_only: bool, arithmetic: str, empty_foreground: str) -> None:
    if arithmetic not in ARITHMETICS:
        raise ValueError(f"arithmetic must be one of {ARITHMETICS}, got {arithmetic!r}")
    if empty_foreground not in EMPTY_FOREGROUND:
        raise ValueError(f"empty_foreground must be one of {EMPTY_FOREGROUND}, got {empty_foreground!r}")
    if empty_foreground != "exclude" and not foreground_only:
        raise ValueError("empty_foreground applies to FG-ARI; pass foreground_only=True")


def _iou_and_scored(
    pred: torch.Tensor, gt: torch.Tensor, include_background: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU of every (predicted, ground-truth) segment pair (B, S, K), and which gt segments count.

    IoUs use all pixels, background included; leaving the background out only removes its column
    from the segments that are scored, so a slot spilling onto the background is still penalised.
    """
    counts = contingency(pred, gt)
    pred_sizes = counts.sum(2, keepdim=True)  # (b, s, 1)
    gt_sizes = counts.sum(1, keepdim=True)  # (b, 1, k)
    union = pred_sizes + gt_sizes - counts
    iou = counts.double() / union.clamp(min=1).double()
    scored = gt_sizes[:, 0] > 0  # (b, k)
    if not include_background:
        scored[:, 0] = False
    return iou, scored


def mbo(pred: torch.Tensor, gt: torch.Tensor, include_background: bool = True) -> torch.Tensor:
    """Mean best overlap per sample, float64 (B,).

    Every non-empty ground-truth segment takes its best IoU over predicted segments (several may
    pick the same one); the mean over those segments. NaN when no segment is scored.
    """
    iou, scored = _iou_and_scored(pred, gt, include_background)
    best = iou.amax(1)  # (b, k)
    return (best * scored).sum(1) / scored.sum(1)


def _check_matching(matching: str, include_background: bool) -> None:
    if matching not in MATCHINGS:
        raise ValueError(f"matching must be one of {MATCHINGS}, got {matching!r}")
    if matching == "aligned" and include_background:
        raise ValueError("aligned matching scores objects only; pass include_background=False")


def miou(
    pred: torch.Tensor, gt: torch.Tensor, include_background: bool = True, matching: str = "hungarian"
) -> torch.Tensor:
    """Mean IoU under a one-to-one matching per sample, float64 (B,).

    ``"hungarian"``: the matching maximises the total IoU between predicted and scored
    ground-truth segments; the matched IoUs are summed and divided by the number of scored
    segments, so a ground-truth segment left without a prediction counts 0. ``"aligned"`` (for
    conditional models, SAVi's evaluation): predicted segment k - 1 is the slot conditioned on
    object k, and is scored against ground-truth segment k alone; the background is not scored.
    NaN when no segment is scored.
    """
    _check_matching(matching, include_background)
    if matching == "aligned":
        return _aligned_miou(pred, gt)
    iou, scored = _iou_and_scored(pred, gt, include_background)
    scores = []
    for iou_b, scored_b in zip(iou.cpu().numpy(), scored.cpu().numpy()):
        candidates = iou_b[:, scored_b]  # (s, k_scored): small, so the matching is cheap
        if candidates.shape[1] == 0:
            scores.append(math.nan)
            continue
        rows, cols = linear_sum_assignment(candidates, maximize=True)
        scores.append(candidates[rows, cols].sum() / candidates.shape[1])
    return torch.tensor(scores, dtype=torch.float64, device=pred.device)


def _aligned_miou(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """Mean over the present objects k of IoU(pred == k - 1, gt == k), float64 (B,)."""
    _check_index_maps(pred, gt)
    pred, gt = pred.reshape(pred.shape[0], -1), gt.reshape(gt.shape[0], -1)  # (b, p)
    objects = torch.arange(1, int(gt.max()) + 1 if gt.numel() else 1, device=gt.device)  # (k,)
    in_gt = gt[:, None, :] == objects[None, :, None]  # (b, k, p)
    in_pred = pred[:, None, :] == (objects - 1)[None, :, None]
    union = (in_gt | in_pred).sum(2).double()
    iou = (in_gt & in_pred).sum(2).double() / union.clamp(min=1)
    scored = in_gt.any(2)
    return (iou * scored).sum(1) / scored.sum(1)


def masks_to_index(
    masks: torch.Tensor, size: int | tuple[int, int], tokens: bool = False
) -> torch.Tensor:
    """Soft slot masks -> index map: bilinear upsampling to `size`, then argmax over slots.

    masks: (B[, T], S, h, w), or with `tokens` (B[, T], S, N) with N = h * w and h == w.
    Returns int64 (B[, T], H, W). Computed in float32 whatever the input dtype, so that AMP
    precision does not flip the argmax; done in chunks of images to bound memory on long clips.
    """
    if tokens:
        side = math.isqrt(masks.shape[-1])
        if masks.ndim < 3 or side * side != masks.shape[-1]:
            raise ValueError(
                f"token masks must be (B[, T], S, N) with N a square number, got "
                f"{tuple(masks.shape)}; pass tokens=False for masks shaped (B[, T], S, h, w)"
            )
        masks = masks.unflatten(-1, (side, side))  # (..., s, h, w)
    if masks.ndim not in (4, 5):
        raise ValueError(
            f"masks must be (B, S, h, w) or (B, T, S, h, w), got {tuple(masks.shape)}; "
            "for masks over tokens (B[, T], S, N) pass tokens=True"
        )
    size = (size, size) if isinstance(size, int) else tuple(size)
    leading = masks.shape[:-3]
    images = masks.flatten(0, -4)  # (b*t, s, h, w)
    chunk = max(1, 2**24 // (images.shape[1] * size[0] * size[1]))
    index = [
        F.interpolate(part.float(), size=size, mode="bilinear", align_corners=False).argmax(1)
        for part in images.split(chunk)
    ]
    return torch.cat(index).reshape(*leading, *size)


class _SegmentationMetric:
    """Shared handling of the temporal unit and the first frame for index-map metrics."""

    name = ""

    def __init__(self, temporal: str = "video", skip_first: bool = False):
        if temporal not in TEMPORAL_UNITS:
            raise ValueError(f"temporal must be one of {TEMPORAL_UNITS}, got {temporal!r}")
        self.temporal = temporal
        self.skip_first = skip_first

    def __call__(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        """Per-sample scores: (B,) for images and per-video scoring, (B*T,) per frame."""
        if pred.shape != gt.shape:
            raise ValueError(
                f"pred and gt must have the same shape, got {tuple(pred.shape)} and "
                f"{tuple(gt.shape)}; upsample the predicted masks to the ground-truth resolution"
            )
        if pred.ndim == 4:
            if self.skip_first:
                if pred.shape[1] < 2:
                    raise ValueError("skip_first needs clips of at least 2 frames")
                pred, gt = pred[:, 1:], gt[:, 1:]
            if self.temporal == "frame":
                pred, gt = pred.flatten(0, 1), gt.flatten(0, 1)  # (b*t, h, w)
        elif pred.ndim == 3:
            if self.skip_first:
                raise ValueError("skip_first applies to videos (B, T, H, W); got images (B, H, W)")
        else:
            raise ValueError(
                f"expected index maps (B, H, W) or (B, T, H, W), got {tuple(pred.shape)}"
            )
        return self.score(pred, gt)

    def score(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def background(self) -> str:
        raise NotImplementedError

    def protocol(self) -> dict:
        """The settings that change the number, for the results' protocol record."""
        return dict(
            name=self.name,
            temporal=self.temporal,
            background=self.background(),
            skip_first=self.skip_first,
        )


class ARI(_SegmentationMetric):
    """ARI over all pixels (background is one cluster) or, with `foreground_only`, FG-ARI.

    `arithmetic` and `empty_foreground` are protocol options of `ari`: the defaults give the
    correct score with empty-foreground samples excluded; ``arithmetic="int64"`` gives the
    RandSF.Q v3 reference's numbers, ``empty_foreground="one"`` SAVi's and VideoSAUR's count.
    """

    def __init__(
        self, foreground_only: bool = False, temporal: str = "video", skip_first: bool = False,
        arithmetic: str = "exact", empty_foreground: str = "exclude",
    ):
        super().__init__(temporal, skip_first)
        _check_ari_options(foreground_only, arithmetic, empty_foreground)
        self.foreground_only = foreground_only
        self.arithmetic = arithmetic
        self.empty_foreground = empty_foreground
        self.name = "fg_ari" if foreground_only else "ari"

    def score(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        return ari(pred, gt, self.foreground_only, self.arithmetic, self.empty_foreground)

    def background(self) -> str:
        return "pixels excluded" if self.foreground_only else "one cluster"

    def protocol(self) -> dict:
        record = dict(super().protocol(), arithmetic=self.arithmetic)
        if self.foreground_only:
            record["empty_foreground"] = self.empty_foreground
        return record


class _OverlapMetric(_SegmentationMetric):
    """mBO / mIoU settings: whether the background segment is scored."""

    def __init__(
        self, include_background: bool = True, temporal: str = "video", skip_first: bool = False
    ):
        super().__init__(temporal, skip_first)
        self.include_background = include_background

    def background(self) -> str:
        if self.include_background:
            return "segment scored"
        return "segment not scored, IoU over all pixels"


class MBO(_OverlapMetric):
    """Mean best overlap; see `mbo`."""

    name = "mbo"

    def score(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        return mbo(pred, gt, self.include_background)


class MIoU(_OverlapMetric):
    """Mean IoU under Hungarian or, for conditional models, aligned matching; see `miou`."""

    name = "miou"

    def __init__(
        self, include_background: bool = True, temporal: str = "video", skip_first: bool = False,
        matching: str = "hungarian",
    ):
        super().__init__(include_background, temporal, skip_first)
        _check_matching(matching, include_background)
        self.matching = matching

    def score(self, pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
        return miou(pred, gt, self.include_background, self.matching)

    def protocol(self) -> dict:
        return dict(super().protocol(), matching=self.matching)


class ActiveSlots:
    """The number of slots a model kept (not masked out) per sample, float64 (B,): MetaSlot's
    effective slot count, reported next to the segmentation metrics. ``slot_mask`` (B, S) or, for
    videos, (B, T, S) with the mean over frames; True marks a masked-out slot."""

    name = "active_slots"

    def __call__(self, slot_mask: torch.Tensor) -> torch.Tensor:
        if slot_mask.dtype != torch.bool or slot_mask.ndim not in (2, 3):
            raise ValueError(f"slot_mask must be bool (B, S) or (B, T, S), got {slot_mask.dtype} {tuple(slot_mask.shape)}")
        active = (~slot_mask).sum(-1).double()  # (B,) or (B, T)
        return active.mean(1) if active.ndim == 2 else active

    def protocol(self) -> dict:
        return dict(name=self.name, counted="slots not masked out, per image (mean over frames for videos)")
