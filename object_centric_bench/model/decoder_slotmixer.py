"""SlotMixer decoder (VideoSAUR on YTVIS): each token mixes the slots, then one MLP renders it."""

import math
from collections.abc import Sequence

import torch
from torch import nn

from .mlp import MLP
from .projection import LearnedPositionEmbedding


class CrossAttentionBlock(nn.Module):
    """Pre-norm cross-attention (queries attend to a memory) then a residual GELU MLP; no
    self-attention, so every query is decoded independently of the others."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4):
        super().__init__()
        self.norm_query = nn.LayerNorm(dim)
        self.norm_memory = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim)
        self.mlp = MLP(dim, [mlp_ratio * dim], dim, nn.GELU)

    def forward(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        memory = self.norm_memory(memory)
        attended, _ = self.attention(self.norm_query(queries), memory, memory, need_weights=False)
        queries = queries + attended
        return queries + self.mlp(self.norm_mlp(queries))


class SlotMixerDecoder(nn.Module):
    """An allocator transformer turns position embeddings (queries) into per-token summaries of the
    slots (memory, cross-attention only); each token's dot product with the slots gives its
    softmax-over-slots mixing weights (the masks); the mixed slot plus the position embedding is
    rendered to `out_dim` channels by an MLP."""

    def __init__(
        self,
        slot_dim: int,
        out_dim: int,
        num_tokens: int,
        num_layers: int = 2,
        num_heads: int = 4,
        hidden_dims: Sequence[int] = (1024, 1024, 1024),
    ):
        super().__init__()
        self.position_embedding = LearnedPositionEmbedding(num_tokens, slot_dim)
        self.allocator = nn.ModuleList(
            CrossAttentionBlock(slot_dim, num_heads) for _ in range(num_layers)
        )
        self.norm_allocation = nn.LayerNorm(slot_dim)
        self.to_query = nn.Linear(slot_dim, slot_dim, bias=False)
        self.to_key = nn.Linear(slot_dim, slot_dim, bias=False)
        self.render = MLP(slot_dim, hidden_dims, out_dim, nn.ReLU)

    def forward(self, slots: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """slots (b, S, D) -> reconstruction (b, N, C) and mixing masks (b, S, N)."""
        b, _, d = slots.shape
        positions = self.position_embedding.embedding.expand(b, -1, -1)  # (b, N, D)
        allocation = positions
        for block in self.allocator:
            allocation = block(allocation, slots)
        query = self.to_query(self.norm_allocation(allocation))  # (b, N, D)
        key = self.to_key(slots)  # (b, S, D)
        logits = torch.einsum("bnd,bsd->bsn", query, key).float() / math.sqrt(d)
        alpha = logits.softmax(dim=1)  # (b, S, N)
        mixed = torch.einsum("bsn,bsd->bnd", alpha.to(slots.dtype), slots)  # (b, N, D)
        recon = self.render(mixed + positions)
        return recon, alpha
