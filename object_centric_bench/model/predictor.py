"""Predictors for video models: next frame's queries from the current slots.

For no prediction at all use `torch.nn.Identity` in the config.
"""

import torch
from torch import nn

from .mlp import MLP


class TransformerPredictor(nn.Module):
    """One post-norm Transformer encoder block over the slots of a frame (SAVi, VideoSAUR):
    slots interact through self-attention, then a ReLU MLP; LayerNorm after each residual."""

    def __init__(self, slot_dim: int, num_heads: int = 4, mlp_hidden_dim: int = 256):
        super().__init__()
        self.attention = nn.MultiheadAttention(slot_dim, num_heads, batch_first=True)
        self.norm_attention = nn.LayerNorm(slot_dim)
        self.mlp = MLP(slot_dim, [mlp_hidden_dim], slot_dim, nn.ReLU)
        self.norm_mlp = nn.LayerNorm(slot_dim)

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        """slots (b, S, D) -> predicted queries (b, S, D)."""
        attended, _ = self.attention(slots, slots, slots, need_weights=False)
        slots = self.norm_attention(slots + attended)
        return self.norm_mlp(slots + self.mlp(slots))


class MLPPredictor(nn.Module):
    """Each slot predicted on its own: slots + MLP(LayerNorm(slots))."""

    def __init__(self, slot_dim: int, mlp_hidden_dim: int = 256):
        super().__init__()
        self.norm = nn.LayerNorm(slot_dim)
        self.mlp = MLP(slot_dim, [mlp_hidden_dim], slot_dim, nn.ReLU)

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        return slots + self.mlp(self.norm(slots))
