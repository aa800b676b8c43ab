"""Predictors for video models: next frame's queries from the current slots.

For no prediction at all use `torch.nn.Identity` in the config.
"""

import torch
from torch import nn

from .mlp import MLP


class TransformerPredictor(nn.Module):
    """One post-norm Transformer encoder block over the slots of a frame (SAVi, VideoSAUR):
    slots interact through self-attention, then an MLP (`activation`); LayerNorm after each
    residual. `bias=False` drops every bias (LayerNorms included); `dropout` applies in training
    to the attention weights, the attention output, the MLP's hidden layer and its output, as in
    ``torch.nn.TransformerEncoderLayer``."""

    def __init__(
        self,
        slot_dim: int,
        num_heads: int = 4,
        mlp_hidden_dim: int = 256,
        activation: str = "relu",
        bias: bool = True,
        dropout: float = 0.0,
    ):
        super().__init__()
        self.attention = nn.MultiheadAttention(slot_dim, num_heads, dropout=dropout, bias=bias, batch_first=True)
        self.norm_attention = nn.LayerNorm(slot_dim, bias=bias)
        self.mlp = MLP(slot_dim, [mlp_hidden_dim], slot_dim, activation, bias=bias)
        self.norm_mlp = nn.LayerNorm(slot_dim, bias=bias)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        """slots (b, S, D) -> predicted queries (b, S, D)."""
        attended, _ = self.attention(slots, slots, slots, need_weights=False)
        slots = self.norm_attention(slots + self.dropout(attended))
        first, activation, last = self.mlp
        hidden = self.dropout(activation(first(slots)))
        return self.norm_mlp(slots + self.dropout(last(hidden)))


class MLPPredictor(nn.Module):
    """Each slot predicted on its own: slots + MLP(LayerNorm(slots))."""

    def __init__(self, slot_dim: int, mlp_hidden_dim: int = 256):
        super().__init__()
        self.norm = nn.LayerNorm(slot_dim)
        self.mlp = MLP(slot_dim, [mlp_hidden_dim], slot_dim, nn.ReLU)

    def forward(self, slots: torch.Tensor) -> torch.Tensor:
        return slots + self.mlp(self.norm(slots))
