"""Metrics agree with scikit-learn and with brute-force references, and the protocol knobs work."""

import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score

from object_centric_bench.learn.metric import ARI, MBO, MIoU, ari, masks_to_index, mbo, miou
from object_centric_bench.presets.common import segmentation_metrics


def random_labelings(seed, count, batch=3, max_pixels=40, max_labels=5):
    """Small random (pred, gt) index-map batches of varying size and number of labels."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(count):
        pixels = int(torch.randint(1, max_pixels + 1, (1,), generator=generator))
        num_pred, num_gt = torch.randint(1, max_labels + 1, (2,), generator=generator).tolist()
        pred = torch.randint(0, num_pred, (batch, pixels), generator=generator)
        gt = torch.randint(0, num_gt, (batch, pixels), generator=generator)
        yield pred, gt


def iou_reference(pred, gt, i, j):
    both = np.sum((pred == i) & (gt == j))
    either = np.sum((pred == i) | (gt == j))
    return both / either


def scored_segments(gt, include_background):
    return [j for j in np.unique(gt) if include_background or j != 0]


def mbo_reference(pred, gt, include_background):
    """Every pair of (gt segment, pred segment) tried; mean of each gt segment's best IoU."""
    segments = scored_segments(gt, include_background)
    if not segments:
        return math.nan
    best = [max(iou_reference(pred, gt, i, j) for i in np.unique(pred)) for j in segments]
    return sum(best) / len(segments)


def miou_reference(pred, gt, include_background):
    """Every one-to-one assignment of predicted segments (or none) to gt segments tried."""
    segments = scored_segments(gt, include_background)
    if not segments:
        return math.nan
    choices = list(np.unique(pred)) + [None] * len(segments)
    best = 0.0
    for assignment in itertools.permutations(choices, len(segments)):
        total = sum(
            iou_reference(pred, gt, i, j) for i, j in zip(assignment, segments) if i is not None
        )
        best = max(best, total)
    return best / len(segments)


def test_ari_equals_sklearn():
    for pred, gt in random_labelings(seed=0, count=150):
        scores = ari(pred, gt)
        assert scores.dtype == torch.float64 and scores.shape == (pred.shape[0],)
        for b in range(pred.shape[0]):
            expected = adjusted_rand_score(gt[b].numpy(), pred[b].numpy())
            assert scores[b].item() == pytest.approx(expected, abs=1e-9)


def test_ari_equals_sklearn_on_large_images():
    """Pair counts of a 24x64x64 clip exceed float32 precision; float64 / int64 keep them exact."""
    generator = torch.Generator().manual_seed(1)
    gt = torch.randint(0, 8, (2, 24, 64, 64), generator=generator)
    pred = torch.where(torch.rand(gt.shape, generator=generator) < 0.7, gt, 3)
    scores = ari(pred, gt)
    for b in range(2):
        expected = adjusted_rand_score(gt[b].flatten().numpy(), pred[b].flatten().numpy())
        assert scores[b].item() == pytest.approx(expected, abs=1e-9)


def test_fg_ari_equals_sklearn_on_foreground_pixels():
    checked = 0
    for pred, gt in random_labelings(seed=2, count=150):
        scores = ari(pred, gt, foreground_only=True)
        for b in range(pred.shape[0]):
            foreground = gt[b] != 0
            if not foreground.any():
                assert math.isnan(scores[b])
                continue
            expected = adjusted_rand_score(gt[b][foreground].numpy(), pred[b][foreground].numpy())
            assert scores[b].item() == pytest.approx(expected, abs=1e-9)
            checked += 1
    assert checked > 200


def int64_reference_ari(pred, gt):
    """The RandSF.Q v3 reference's ARI arithmetic, written out on numpy arrays of one sample.

    Ordered pair counts n (n - 1), the product of the two marginal sums wrapped to a signed 64-bit
    integer by hand, the rest in float32; a zero denominator scores 1.
    """
    joint = np.bincount(pred * (gt.max() + 1) + gt)  # empty cells add no pairs
    pred_sizes, gt_sizes = np.bincount(pred), np.bincount(gt)
    num = pred.size
    index, pred_pairs, gt_pairs = (int(np.sum(n * (n - 1))) for n in (joint, pred_sizes, gt_sizes))
    product = (gt_pairs * pred_pairs + 2**63) % 2**64 - 2**63  # Python ints: wrapped explicitly

    def to_float32(value):  # one rounding, int64 -> float32, as torch casts
        return np.int64(value).astype(np.float32)

    expected = to_float32(product) / to_float32(max(num * (num - 1), 1))
    denominator = to_float32(gt_pairs + pred_pairs) / np.float32(2) - expected
    if denominator == 0:
        return 1.0
    return float((to_float32(index) - expected) / denominator)


def rectangles_clip(seed, frames=24, size=256, objects=10, keep=0.7):
    """A clip of `objects` static rectangles on a background; the prediction keeps a pixel's
    label with probability `keep` and otherwise takes a random one. (1, T, H, W) each."""
    generator = torch.Generator().manual_seed(seed)
    gt = torch.zeros(frames, size, size, dtype=torch.long)
    for label in range(1, objects + 1):
        top, left = torch.randint(0, size - 64, (2,), generator=generator).tolist()
        height, width = torch.randint(32, 96, (2,), generator=generator).tolist()
        gt[:, top:top + height, left:left + width] = label
    noise = torch.randint(0, objects + 1, gt.shape, generator=generator)
    pred = torch.where(torch.rand(gt.shape, generator=generator) < keep, gt, noise)
    return pred[None], gt[None]


def test_int64_arithmetic_reproduces_the_reference_overflow_on_a_24x256x256_clip():
    pred, gt = rectangles_clip(seed=0)
    flat_pred, flat_gt = pred.flatten().numpy(), gt.flatten().numpy()
    exact = ari(pred, gt).item()
    assert exact == pytest.approx(adjusted_rand_score(flat_gt, flat_pred), abs=1e-12)
    wrapped = ari(pred, gt, arithmetic="int64").item()
    assert wrapped == int64_reference_ari(flat_pred, flat_gt)
    assert wrapped > exact + 0.1  # the chance term collapses: the score inflates
    foreground = flat_gt != 0
    assert foreground.sum() > 300_000  # past the point where FG-ARI wraps too
    exact_fg = ari(pred, gt, foreground_only=True).item()
    assert exact_fg == pytest.approx(
        adjusted_rand_score(flat_gt[foreground], flat_pred[foreground]), abs=1e-12
    )
    wrapped_fg = ari(pred, gt, foreground_only=True, arithmetic="int64").item()
    assert wrapped_fg == int64_reference_ari(flat_pred[foreground], flat_gt[foreground])
    assert wrapped_fg > exact_fg + 0.03
    metric = ARI(arithmetic="int64", temporal="frame")  # one frame's pair counts do not wrap here
    torch.testing.assert_close(metric(pred, gt), ARI(temporal="frame")(pred, gt), rtol=0, atol=1e-5)


def test_int64_arithmetic_agrees_with_the_exact_score_to_float32_below_the_overflow():
    for pred, gt in random_labelings(seed=9, count=50):
        for foreground_only in (False, True):
            scores = ari(pred, gt, foreground_only, arithmetic="int64")
            exact = ari(pred, gt, foreground_only)
            torch.testing.assert_close(scores, exact, rtol=0, atol=1e-5, equal_nan=True)
            for b in range(pred.shape[0]):
                keep = gt[b] != 0 if foreground_only else torch.ones_like(gt[b], dtype=torch.bool)
                if keep.any():
                    assert scores[b].item() == int64_reference_ari(pred[b][keep].numpy(), gt[b][keep].numpy())


def test_empty_foreground_is_excluded_or_scores_one():
    pred = torch.tensor([[0, 1, 1, 2], [0, 1, 1, 2], [0, 1, 1, 1]])
    gt = torch.tensor([[0, 0, 0, 0], [0, 1, 1, 0], [1, 1, 2, 2]])
    excluded = ari(pred, gt, foreground_only=True)
    counted = ari(pred, gt, foreground_only=True, empty_foreground="one")
    assert math.isnan(excluded[0]) and counted[0].item() == 1.0
    torch.testing.assert_close(counted[1:], excluded[1:])
    assert excluded[2].item() == pytest.approx(adjusted_rand_score([1, 1, 2, 2], [0, 1, 1, 1]))
    video_pred, video_gt = pred[None, :2, None], gt[None, :2, None]  # (b=1, t=2, h=1, w=4)
    per_frame = ARI(foreground_only=True, temporal="frame", empty_foreground="one")
    assert per_frame(video_pred, video_gt).tolist() == [1.0, 1.0]
    assert ARI(foreground_only=True, temporal="frame")(video_pred, video_gt)[0].isnan()
    with pytest.raises(ValueError, match="foreground_only=True"):
        ARI(empty_foreground="one")
    with pytest.raises(ValueError, match="empty_foreground must be one of"):
        ari(pred, gt, True, empty_foreground="zero")
    with pytest.raises(ValueError, match="arithmetic must be one of"):
        ARI(arithmetic="float32")


@pytest.mark.parametrize("include_background", [True, False])
def test_mbo_equals_brute_force(include_background):
    for pred, gt in random_labelings(seed=3, count=60, max_pixels=25):
        scores = mbo(pred, gt, include_background)
        for b in range(pred.shape[0]):
            expected = mbo_reference(pred[b].numpy(), gt[b].numpy(), include_background)
            assert scores[b].item() == pytest.approx(expected, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("include_background", [True, False])
def test_miou_equals_brute_force(include_background):
    for pred, gt in random_labelings(seed=4, count=60, max_pixels=25, max_labels=4):
        scores = miou(pred, gt, include_background)
        for b in range(pred.shape[0]):
            expected = miou_reference(pred[b].numpy(), gt[b].numpy(), include_background)
            assert scores[b].item() == pytest.approx(expected, abs=1e-12, nan_ok=True)


def aligned_miou_reference(pred, gt):
    """The slot conditioned on object k (predicted id k - 1) against object k, for every present k."""
    objects = [k for k in np.unique(gt) if k != 0]
    if not objects:
        return math.nan
    return sum(iou_reference(pred, gt, k - 1, k) for k in objects) / len(objects)


def test_aligned_miou_equals_brute_force():
    for pred, gt in random_labelings(seed=7, count=60, max_pixels=25, max_labels=5):
        scores = miou(pred, gt, include_background=False, matching="aligned")
        for b in range(pred.shape[0]):
            expected = aligned_miou_reference(pred[b].numpy(), gt[b].numpy())
            assert scores[b].item() == pytest.approx(expected, abs=1e-12, nan_ok=True)


def test_aligned_miou_counts_swapped_slots_as_wrong_where_hungarian_does_not():
    gt = torch.tensor([[0, 1, 1, 2, 2]])
    swapped = torch.tensor([[2, 1, 1, 0, 0]])  # the slot of object 1 took object 2 and back
    assert miou(swapped, gt, include_background=False).item() == pytest.approx(1.0)
    assert miou(swapped, gt, include_background=False, matching="aligned").item() == 0.0
    assert miou(torch.tensor([[3, 0, 0, 1, 1]]), gt, include_background=False, matching="aligned").item() == 1.0
    metric = MIoU(include_background=False, matching="aligned")
    assert metric(swapped[:, None].expand(1, 2, 5), gt[:, None].expand(1, 2, 5)).item() == 0.0
    assert metric.protocol()["matching"] == "aligned" and MIoU().protocol()["matching"] == "hungarian"
    with pytest.raises(ValueError, match="include_background=False"):
        MIoU(matching="aligned")
    with pytest.raises(ValueError, match="matching must be one of"):
        miou(gt, gt, matching="greedy")


def test_mbo_lets_segments_share_a_prediction_but_miou_does_not():
    gt = torch.tensor([[1, 1, 2, 2]])
    pred = torch.tensor([[0, 0, 0, 0]])
    assert mbo(pred, gt).item() == pytest.approx(0.5)  # both objects pick the one slot
    assert miou(pred, gt).item() == pytest.approx(0.25)  # one object matched, one counts 0


def test_background_exclusion_keeps_background_pixels_in_the_iou():
    # A slot covering the object and two background pixels is penalised even without the
    # background segment: IoU 2/4, not 1.
    gt = torch.tensor([[0, 0, 0, 0, 1, 1]])
    pred = torch.tensor([[0, 0, 1, 1, 1, 1]])
    assert mbo(pred, gt, include_background=False).item() == pytest.approx(0.5)
    assert miou(pred, gt, include_background=False).item() == pytest.approx(0.5)
    assert mbo(pred, gt, include_background=True).item() == pytest.approx((0.5 + 0.5) / 2)


def test_scores_are_invariant_to_predicted_ids_and_empty_slots():
    generator = torch.Generator().manual_seed(5)
    gt = torch.randint(0, 5, (4, 6, 8, 8), generator=generator)
    pred = torch.randint(0, 6, (4, 6, 8, 8), generator=generator)
    permuted = torch.tensor([4, 0, 5, 2, 1, 3])[pred]
    with_empty_slots = pred * 3 + 2  # ids 0, 1, 3, 4, ... are never used
    for metric in (ari, lambda p, g: ari(p, g, True), mbo, miou):
        reference = metric(pred, gt)
        torch.testing.assert_close(metric(permuted, gt), reference, rtol=0, atol=1e-12)
        torch.testing.assert_close(metric(with_empty_slots, gt), reference, rtol=0, atol=1e-12)


def test_identical_partitions_score_one():
    generator = torch.Generator().manual_seed(6)
    gt = torch.randint(0, 5, (3, 10, 10), generator=generator)
    pred = torch.tensor([3, 7, 0, 1, 9])[gt]  # same partition, other ids
    for metric in (ari, lambda p, g: ari(p, g, True), mbo, miou):
        torch.testing.assert_close(metric(pred, gt), torch.ones(3, dtype=torch.float64))
    one_cluster = torch.zeros(2, 16, dtype=torch.long)
    torch.testing.assert_close(ari(one_cluster, one_cluster), torch.ones(2, dtype=torch.float64))


def test_sparse_labels_score_like_compact_ones():
    """Large ids take the relabelling path; the background must still be label 0 only."""
    generator = torch.Generator().manual_seed(7)
    gt = torch.randint(0, 4, (2, 300), generator=generator)
    pred = torch.randint(0, 5, (2, 300), generator=generator)
    sparse_gt = torch.where(gt == 0, 0, gt * 100_003)
    sparse_pred = pred * 99_991 + 17
    for metric in (ari, lambda p, g: ari(p, g, True)):
        torch.testing.assert_close(metric(sparse_pred, sparse_gt), metric(pred, gt))
    for metric in (mbo, miou):
        for include_background in (True, False):
            torch.testing.assert_close(
                metric(sparse_pred, sparse_gt, include_background),
                metric(pred, gt, include_background),
            )
    # No background pixel at all: excluding the background changes nothing, FG-ARI == ARI.
    no_background = gt + 50_000
    torch.testing.assert_close(
        mbo(sparse_pred, no_background, False), mbo(sparse_pred, no_background, True)
    )
    torch.testing.assert_close(
        ari(sparse_pred, no_background, True), ari(sparse_pred, no_background)
    )


def test_samples_without_ground_truth_to_score_are_nan():
    pred = torch.tensor([[0, 1, 1, 2], [0, 1, 1, 2]])
    gt = torch.tensor([[0, 0, 0, 0], [0, 1, 1, 0]])
    fg_ari = ari(pred, gt, foreground_only=True)
    assert math.isnan(fg_ari[0]) and fg_ari[1].item() == 1.0
    for metric in (mbo, miou):
        without = metric(pred, gt, include_background=False)
        assert math.isnan(without[0]) and not math.isnan(without[1])
        assert not metric(pred, gt, include_background=True).isnan().any()
    assert not ari(pred, gt).isnan().any()


def test_bad_inputs_raise_value_error():
    labels = torch.zeros(2, 4, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="same shape"):
        ari(labels, labels[:, :3])
    with pytest.raises(ValueError, match="integer index map"):
        mbo(labels.float(), labels)
    with pytest.raises(ValueError, match="non-negative"):
        miou(labels - 1, labels)


def identity_switch_clip():
    """Two frames, two objects that keep their gt ids; the prediction swaps its slots."""
    gt = torch.tensor([[[[1, 1, 2, 2]], [[1, 1, 2, 2]]]])  # (b=1, t=2, h=1, w=4)
    pred = torch.tensor([[[[0, 0, 1, 1]], [[1, 1, 0, 0]]]])
    return pred, gt


@pytest.mark.parametrize("metric_class", [ARI, MBO, MIoU])
def test_per_frame_scoring_ignores_identity_switches_and_per_video_does_not(metric_class):
    pred, gt = identity_switch_clip()
    per_frame = metric_class(temporal="frame")(pred, gt)
    per_video = metric_class(temporal="video")(pred, gt)
    assert per_frame.shape == (2,) and per_video.shape == (1,)
    torch.testing.assert_close(per_frame, torch.ones(2, dtype=torch.float64))
    assert per_video.item() < 0.75


@pytest.mark.parametrize("metric_class", [ARI, MBO, MIoU])
def test_skip_first_drops_the_conditioned_frame(metric_class):
    pred, gt = identity_switch_clip()
    pred = torch.cat([pred, pred[:, 1:]], 1)  # (1, 3, 1, 4): frames 1 and 2 agree
    gt = torch.cat([gt, gt[:, 1:]], 1)
    assert metric_class(skip_first=True)(pred, gt).item() == pytest.approx(1.0)
    assert metric_class(skip_first=False)(pred, gt).item() < 1.0
    assert metric_class(temporal="frame", skip_first=True)(pred, gt).shape == (2,)


def test_metric_classes_score_image_batches():
    generator = torch.Generator().manual_seed(8)
    gt = torch.randint(0, 4, (3, 8, 8), generator=generator)
    pred = torch.randint(0, 4, (3, 8, 8), generator=generator)
    torch.testing.assert_close(ARI(foreground_only=True)(pred, gt), ari(pred, gt, True))
    torch.testing.assert_close(MBO(include_background=False)(pred, gt), mbo(pred, gt, False))
    torch.testing.assert_close(MIoU()(pred, gt), miou(pred, gt))


def test_metric_classes_reject_bad_arguments():
    with pytest.raises(ValueError, match="temporal"):
        ARI(temporal="clip")
    clip = torch.zeros(2, 3, 4, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="same shape"):
        MBO()(clip, clip[:, :2])
    with pytest.raises(ValueError, match="skip_first"):
        MIoU(skip_first=True)(clip[:, 0], clip[:, 0])
    with pytest.raises(ValueError, match="at least 2 frames"):
        ARI(skip_first=True)(clip[:, :1], clip[:, :1])
    with pytest.raises(ValueError, match="expected index maps"):
        ARI()(clip[:, 0, 0], clip[:, 0, 0])


def test_protocol_describes_the_settings():
    assert ARI(foreground_only=True, temporal="frame", skip_first=True).protocol() == dict(
        name="fg_ari", temporal="frame", background="pixels excluded", skip_first=True,
        arithmetic="exact", empty_foreground="exclude",
    )
    assert ARI().protocol() == dict(
        name="ari", temporal="video", background="one cluster", skip_first=False, arithmetic="exact"
    )
    reference = ARI(foreground_only=True, arithmetic="int64", empty_foreground="one").protocol()
    assert reference["arithmetic"] == "int64" and reference["empty_foreground"] == "one"
    assert MBO().protocol() == dict(
        name="mbo", temporal="video", background="segment scored", skip_first=False
    )
    excluded = MIoU(include_background=False).protocol()
    assert excluded["name"] == "miou"
    assert excluded["background"] == "segment not scored, IoU over all pixels"


def test_segmentation_metrics_pass_the_ari_options_on():
    metrics = segmentation_metrics(ari_arithmetic="int64", empty_foreground="one")
    built = {}
    for key in ("ari", "ari_fg"):
        node = dict(metrics[key]["fn"])
        built[key] = node.pop("type")(**node).protocol()
    assert built["ari"]["arithmetic"] == built["ari_fg"]["arithmetic"] == "int64"
    assert built["ari_fg"]["empty_foreground"] == "one" and "empty_foreground" not in built["ari"]


def hand_made_masks():
    """Slot 0 peaks in the top-left cell, slot 1 is flat at 0.6; (b=1, s=2, h=2, w=2)."""
    return torch.tensor([[[[1.0, 0.0], [0.0, 0.0]], [[0.6, 0.6], [0.6, 0.6]]]])


def test_masks_to_index_upsamples_bilinearly_then_takes_the_argmax():
    # Bilinear upsampling to 4x4 gives slot 0 the values 1, .75, .75, .5625 in the top-left
    # corner, so only three pixels beat slot 1's 0.6 (nearest upsampling would give four).
    expected = torch.tensor([[[0, 0, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]])
    index = masks_to_index(hand_made_masks(), 4)
    assert index.dtype == torch.int64
    torch.testing.assert_close(index, expected)
    torch.testing.assert_close(masks_to_index(hand_made_masks().bfloat16(), (4, 4)), expected)
    tokens = hand_made_masks().flatten(-2)  # (b, s, n)
    torch.testing.assert_close(masks_to_index(tokens, 4, tokens=True), expected)


def test_masks_to_index_computes_in_float32_for_low_precision_masks():
    # Slot 1 rises from 1 to 1 + 2**-7 (both exact in bf16); upsampled in bf16, its values
    # 1 + 2**-10 and 1 + 2**-9 round back to 1 and tie with slot 0, which would win the argmax.
    masks = torch.tensor([[[[1.0, 1.0]], [[1.0, 1.0078125]]]], dtype=torch.bfloat16)
    expected = torch.tensor([[[0, 0, 1, 1, 1, 1, 1, 1]]])
    torch.testing.assert_close(masks_to_index(masks, (1, 8)), expected)


def test_masks_to_index_keeps_the_time_axis_and_rectangular_sizes():
    video = hand_made_masks()[:, None].expand(2, 3, 2, 2, 2)  # (b, t, s, h, w)
    index = masks_to_index(video, (6, 4))
    assert index.shape == (2, 3, 6, 4)
    tokens = video.flatten(-2)  # (b, t, s, n)
    torch.testing.assert_close(masks_to_index(tokens, (6, 4), tokens=True), index)


def test_masks_to_index_rejects_ambiguous_shapes():
    with pytest.raises(ValueError, match="square"):
        masks_to_index(torch.rand(1, 2, 6), 4, tokens=True)
    with pytest.raises(ValueError, match="tokens=True"):
        masks_to_index(torch.rand(1, 2, 16), 4)
