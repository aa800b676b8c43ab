"""Losses that tie consecutive video frames together: temporal feature similarity (VideoSAUR,
RandSF.Q-tsim) and slot-slot contrast (SlotContrast, RandSF.Q)."""

import torch
import torch.nn.functional as F
from torch import nn


class TemporalSimilarityLoss(nn.Module):
    """Each token at frame t predicts how it relates to every token at frame t+1.

    The target for token i at frame t is the softmax over tokens j at frame t+1 of
    cos(feature[t, i], feature[t+1, j]) / temperature; the predicted logits of frame t are scored
    against it with cross-entropy. Frames 0..t-2 carry the prediction.
    """

    def __init__(self, temperature: float):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature = temperature

    def forward(self, logits: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
        """logits (b, t, N, N) predicted, feature (b, t, N, C) frozen -> scalar loss."""
        log_prob = logits[:, :-1].float().log_softmax(dim=-1)
        return -(self.target(feature) * log_prob).sum(dim=-1).mean()

    def target(self, feature: torch.Tensor) -> torch.Tensor:
        """feature (b, t, N, C) -> the target distributions (b, t-1, N, N) over next-frame tokens."""
        if feature.shape[1] < 2:
            raise ValueError("the temporal similarity loss needs clips of at least 2 frames")
        normed = F.normalize(feature.detach().float(), dim=-1)
        cosine = torch.einsum("btic,btjc->btij", normed[:, :-1], normed[:, 1:])  # (b, t-1, N, N)
        return (cosine / self.temperature).softmax(dim=-1)


class SlotContrastLoss(nn.Module):
    """Each slot at frame t+1 must pick itself at frame t among all slots of all videos in the
    batch (batch contrast): cross-entropy over cosine similarities of L2-normalised slots divided
    by a temperature, averaged over slots and frame pairs."""

    def __init__(self, temperature: float = 0.1):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.temperature = temperature

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        """slots (b, t, S, D) -> scalar loss."""
        b, t, s, _ = slots.shape
        if t < 2:
            raise ValueError("the slot contrast loss needs clips of at least 2 frames")
        normed = F.normalize(slots.float(), dim=-1).transpose(0, 1).flatten(1, 2)  # (t, b*S, D)
        logits = torch.einsum("tid,tjd->tij", normed[1:], normed[:-1]) / self.temperature
        labels = torch.arange(b * s, device=slots.device).expand(t - 1, -1)  # (t-1, b*S)
        return F.cross_entropy(logits.flatten(0, 1), labels.flatten())
