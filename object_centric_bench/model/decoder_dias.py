"""RandSF.Q's decoder: a random-order, partially visible Transformer over feature tokens (DIAS).

Token queries see the slots through cross-attention; a random subset of tokens also shows its own
frozen feature, the rest a learned mask token, so the slots must carry what the hidden tokens need.
Which tokens are shown is a random permutation per sample and no causal mask is used, so the
order is irrelevant to the result; at evaluation every token is visible. The last layer's
cross-attention (token -> slot, averaged over heads) is the segmentation.
"""

import torch
from torch import nn

from .mlp import MLP
from .projection import LearnedPositionEmbedding


class PreNormDecoderBlock(nn.Module):
    """Pre-norm Transformer decoder layer without biases: self-attention over the queries,
    cross-attention to the memory (its head-averaged weights are returned), then a GELU MLP."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4):
        super().__init__()
        self.norm_self = nn.LayerNorm(dim, bias=False)
        self.self_attention = nn.MultiheadAttention(dim, num_heads, bias=False, batch_first=True)
        self.norm_cross = nn.LayerNorm(dim, bias=False)
        self.cross_attention = nn.MultiheadAttention(dim, num_heads, bias=False, batch_first=True)
        self.norm_mlp = nn.LayerNorm(dim, bias=False)
        self.mlp = MLP(dim, [mlp_ratio * dim], dim, nn.GELU, bias=False)

    def forward(
        self, queries: torch.Tensor, memory: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """queries (b, N, d), memory (b, S, d) -> queries (b, N, d), cross-attention (b, N, S)."""
        x = self.norm_self(queries)
        queries = queries + self.self_attention(x, x, x, need_weights=False)[0]
        attended, attention = self.cross_attention(
            self.norm_cross(queries), memory, memory, need_weights=True, average_attn_weights=True
        )
        queries = queries + attended
        return queries + self.mlp(self.norm_mlp(queries)), attention


class PartiallyVisibleDecoder(nn.Module):
    """Slots (b, S, D) and the frozen target features (b, N, C) -> reconstruction (b, N, out_dim)
    and segmentation attention (b, S, N).

    Training shows `sample_visible` tokens; `out_dim` defaults to `feature_dim` (set it to C + N
    when the model also predicts temporal similarity logits).
    """

    def __init__(
        self,
        slot_dim: int,
        feature_dim: int,
        num_tokens: int,
        dim: int = 384,
        num_layers: int = 4,
        num_heads: int = 4,
        out_dim: int | None = None,
        small_visible_ratio: float = 0.1,
    ):
        super().__init__()
        self.num_tokens = num_tokens
        self.small_visible_ratio = small_visible_ratio
        self.feature_projection = nn.Linear(feature_dim, dim, bias=False)
        self.slot_projection = nn.Linear(slot_dim, dim, bias=False)
        self.mask_token = nn.Parameter(torch.randn(dim) * 0.02)
        self.position_embedding = LearnedPositionEmbedding(num_tokens, dim)
        self.blocks = nn.ModuleList(PreNormDecoderBlock(dim, num_heads) for _ in range(num_layers))
        self.norm_out = nn.LayerNorm(dim, bias=False)
        self.head = nn.Linear(dim, out_dim or feature_dim, bias=False)

    def sample_visible(
        self, batch_size: int, device=None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Which tokens show their feature (b, N) bool: a random permutation per sample, of which
        the first k are visible; k is uniform in [0, N-2] with probability 0.5, else about
        `small_visible_ratio` of N."""
        n = self.num_tokens
        uniform = torch.randint(0, n - 1, (batch_size,), generator=generator)
        small = torch.full((batch_size,), round(self.small_visible_ratio * n))
        pick_uniform = torch.rand(batch_size, generator=generator) < 0.5
        counts = torch.where(pick_uniform, uniform, small)  # (b,)
        order = torch.rand(batch_size, n, generator=generator).argsort(dim=1)  # permutation
        rank = order.argsort(dim=1)  # rank of each token in its sample's permutation
        return (rank < counts[:, None]).to(device)

    def forward(
        self, slots: torch.Tensor, feature: torch.Tensor, visible: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`visible` (b, N) bool overrides the sampled subset; by default training samples one
        and evaluation shows every token."""
        b, n, _ = feature.shape
        if visible is None:
            if self.training:
                visible = self.sample_visible(b, feature.device)
            else:
                visible = torch.ones(b, n, dtype=torch.bool, device=feature.device)
        shown = self.feature_projection(feature.detach())  # (b, N, d)
        queries = torch.where(visible[..., None], shown, self.mask_token.to(shown.dtype))
        queries = self.position_embedding(queries)
        memory = self.slot_projection(slots)  # (b, S, d)
        for block in self.blocks:
            queries, attention = block(queries, memory)
        recon = self.head(self.norm_out(queries))
        return recon, attention.float().transpose(1, 2)  # (b, N, out), (b, S, N)
