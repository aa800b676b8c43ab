"""SlotMixer decoder (VideoSAUR): each token mixes the slots, then one MLP renders it.

The structure is the RandSF.Q v3 reference's; ``REFERENCE_KEYS`` maps its parameter names to ours.
"""

import math
from collections.abc import Sequence

import torch
from torch import nn

from .mlp import MLP
from .projection import LearnedPositionEmbedding


class AllocatorBlock(nn.Module):
    """A pre-norm Transformer decoder layer without biases whose self-attention returns its
    (normalised) input, as in the reference: x + LN(x), then cross-attention to the memory, then
    a GELU MLP, each on a residual. No query sees another, so every token is decoded on its own."""

    def __init__(self, dim: int, num_heads: int, mlp_hidden_dim: int):
        super().__init__()
        self.norm_self = nn.LayerNorm(dim, bias=False)
        self.norm_cross = nn.LayerNorm(dim, bias=False)
        self.cross_attention = nn.MultiheadAttention(dim, num_heads, bias=False, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim, bias=False)
        self.mlp = MLP(dim, [mlp_hidden_dim], dim, nn.GELU, bias=False)

    def forward(self, queries: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """queries (b, N, d), memory (b, S, d) -> queries (b, N, d)."""
        queries = queries + self.norm_self(queries)
        x = self.norm_cross(queries)
        queries = queries + self.cross_attention(x, memory, memory, need_weights=False)[0]
        return queries + self.mlp(self.norm_mlp(queries))


class SlotMixerDecoder(nn.Module):
    """Slots (b, S, D) -> reconstruction (b, N, out_dim) and masks (b, S, N).

    An allocator of `num_layers` ``AllocatorBlock``s turns the learned position embedding (the
    queries, initialised with standard deviation `position_std`) into one summary per token of the
    normalised slots (the memory, normalised once; `mlp_hidden_dim` is the blocks' MLP width, by
    default 4 * `slot_dim`). A `num_heads`-head attention then mixes the raw slots: its queries are
    the normalised allocator output, its keys the normalised slots, each projected without bias,
    and head i takes the weighted sum of the slots' i-th `slot_dim / num_heads` channels (no value
    or output projection). The masks are these weights averaged over heads. The mixed slot plus the
    position embedding goes through a LayerNorm and a GELU MLP of `hidden_dims` to `out_dim`.
    """

    # reference parameter name (relative to the decoder) -> ours, as (pattern, replacement) pairs
    # matched at the start of the name, in order (``reference_checkpoint.RULES``' form)
    REFERENCE_KEYS = [
        (r"posit_embed\._pe$", "position_embedding.embedding"),
        (r"norm_m\.", "norm_memory."),
        (r"allocat\.layers\.(\d+)\.multihead_attn\.", r"allocator.\1.cross_attention."),
        (r"allocat\.layers\.(\d+)\.linear1\.", r"allocator.\1.mlp.0."),
        (r"allocat\.layers\.(\d+)\.linear2\.", r"allocator.\1.mlp.2."),
        (r"allocat\.layers\.(\d+)\.norm1\.", r"allocator.\1.norm_self."),
        (r"allocat\.layers\.(\d+)\.norm2\.", r"allocator.\1.norm_cross."),
        (r"allocat\.layers\.(\d+)\.norm3\.", r"allocator.\1.norm_mlp."),
        (r"norm_q\.", "norm_query."),
        (r"norm_k\.", "norm_key."),
        (r"attent\.q_proj_weight$", "to_query.weight"),
        (r"attent\.k_proj_weight$", "to_key.weight"),
        (r"render\.", "render."),  # 0 the LayerNorm, then the MLP's layers
    ]

    def __init__(
        self,
        slot_dim: int,
        out_dim: int,
        num_tokens: int,
        num_layers: int = 3,
        num_heads: int = 4,
        hidden_dims: Sequence[int] = (1024, 1024, 1024),
        mlp_hidden_dim: int | None = None,
        position_std: float = 1.0,
    ):
        super().__init__()
        if slot_dim % num_heads:
            raise ValueError(f"slot_dim {slot_dim} is not divisible by num_heads {num_heads}")
        self.num_heads = num_heads
        self.position_embedding = LearnedPositionEmbedding(num_tokens, slot_dim, position_std)
        self.norm_memory = nn.LayerNorm(slot_dim)
        self.allocator = nn.ModuleList(
            AllocatorBlock(slot_dim, num_heads, mlp_hidden_dim or 4 * slot_dim) for _ in range(num_layers)
        )
        self.norm_query = nn.LayerNorm(slot_dim)
        self.norm_key = nn.LayerNorm(slot_dim)
        self.to_query = nn.Linear(slot_dim, slot_dim, bias=False)
        self.to_key = nn.Linear(slot_dim, slot_dim, bias=False)
        self.render = nn.Sequential(nn.LayerNorm(slot_dim), *MLP(slot_dim, hidden_dims, out_dim, nn.GELU))

    def forward(self, slots: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """slots (b, S, D) -> reconstruction (b, N, out_dim) and masks (b, S, N)."""
        b = slots.shape[0]
        positions = self.position_embedding.embedding.expand(b, -1, -1)  # (b, N, D)
        memory = self.norm_memory(slots)
        allocation = positions
        for block in self.allocator:
            allocation = block(allocation, memory)
        query = self.to_query(self.norm_query(allocation)).unflatten(-1, (self.num_heads, -1))  # (b, N, h, c)
        key = self.to_key(self.norm_key(slots)).unflatten(-1, (self.num_heads, -1))  # (b, S, h, c)
        logits = torch.einsum("bnhc,bshc->bhns", query, key).float() / math.sqrt(query.shape[-1])
        weights = logits.softmax(dim=-1)  # (b, h, N, S), over the slots
        values = slots.unflatten(-1, (self.num_heads, -1))  # (b, S, h, c)
        mixed = torch.einsum("bhns,bshc->bnhc", weights.to(slots.dtype), values).flatten(-2)  # (b, N, D)
        recon = self.render(mixed + positions)
        return recon, weights.mean(dim=1).transpose(1, 2)  # (b, N, out_dim), (b, S, N)
