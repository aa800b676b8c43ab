"""Video losses against values computed by hand on tiny inputs."""

import math

import pytest
import torch

from object_centric_bench.learn.loss_video import SlotContrastLoss, TemporalSimilarityLoss


def two_frames(first, second) -> torch.Tensor:
    """(b, 2, S, D) from per-frame lists of per-video slot lists."""
    return torch.stack([torch.tensor(first), torch.tensor(second)], dim=1).float()


def test_slot_contrast_matching_slots_hand_value():
    slots = two_frames([[[1.0, 0.0], [0.0, 1.0]]], [[[2.0, 0.0], [0.0, 3.0]]])  # norms do not matter
    # each row: logits (1/0.1, 0/0.1) with the right slot first -> log(1 + e^-10)
    expected = math.log(1 + math.exp(-10))
    assert SlotContrastLoss(0.1)(slots).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_slot_contrast_swapped_slots_hand_value():
    slots = two_frames([[[1.0, 0.0], [0.0, 1.0]]], [[[0.0, 1.0], [1.0, 0.0]]])
    expected = math.log(1 + math.exp(10))
    assert SlotContrastLoss(0.1)(slots).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_slot_contrast_contrasts_across_the_batch():
    """Two identical videos: each slot's positive ties with the same slot of the other video."""
    video = [[1.0, 0.0], [0.0, 1.0]]
    slots = two_frames([video, video], [video, video])
    # row logits over 4 slots: 10, 0, 10, 0 -> -log(e^10 / (2 e^10 + 2))
    expected = math.log(2 + 2 * math.exp(-10))
    assert SlotContrastLoss(0.1)(slots).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_slot_contrast_averages_frame_pairs():
    frames = torch.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    slots = frames[None]  # (1, 3, 2, 2): pair (0, 1) matches, pair (1, 2) is swapped
    expected = (math.log(1 + math.exp(-10)) + math.log(1 + math.exp(10))) / 2
    assert SlotContrastLoss(0.1)(slots).item() == pytest.approx(expected, rel=1e-5, abs=1e-6)


def similarity_inputs(logits_first: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    feature = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).expand(1, 2, 2, 2)  # (b, t, N, C), cos = I
    logits = torch.stack([logits_first, torch.randn(2, 2)])[None]  # (b, t, N, N)
    return logits, feature


def test_temporal_similarity_uniform_logits_hand_value():
    tau = 0.5
    logits, feature = similarity_inputs(torch.zeros(2, 2))
    # target rows softmax((1, 0) / tau); uniform prediction -> cross-entropy log 2
    assert TemporalSimilarityLoss(tau)(logits, feature).item() == pytest.approx(math.log(2), rel=1e-6)


def test_temporal_similarity_exact_logits_give_target_entropy():
    tau = 0.5
    p = math.exp(1 / tau) / (math.exp(1 / tau) + 1)
    target_logits = torch.tensor([[1 / tau, 0.0], [0.0, 1 / tau]])
    logits, feature = similarity_inputs(target_logits)
    entropy = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    assert TemporalSimilarityLoss(tau)(logits, feature).item() == pytest.approx(entropy, rel=1e-5)


def test_temporal_similarity_ignores_the_last_frame_and_follows_the_next_frame():
    tau = 0.2
    logits, feature = similarity_inputs(torch.tensor([[3.0, 0.0], [0.0, 3.0]]))
    loss = TemporalSimilarityLoss(tau)
    changed_last = logits.clone()
    changed_last[:, -1] += 5 * torch.randn(2, 2)
    assert loss(changed_last, feature).item() == pytest.approx(loss(logits, feature).item())
    swapped = feature.clone()
    swapped[:, 1] = feature[:, 1].flip(1)  # frame 1's tokens swap places: the target flips
    assert loss(logits, swapped).item() > loss(logits, feature).item() + 1.0


def test_losses_refuse_single_frames():
    with pytest.raises(ValueError, match="2 frames"):
        SlotContrastLoss()(torch.randn(2, 1, 3, 4))
    with pytest.raises(ValueError, match="2 frames"):
        TemporalSimilarityLoss(0.1)(torch.randn(2, 1, 4, 4), torch.randn(2, 1, 4, 8))
