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
    cross-attention to the memory (its head-averaged weights are returned), then a GELU MLP.
    `norm_self=False` leaves out the norm before the self-attention (the decoder's first block,
    whose input the decoder has normalised already)."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: int = 4, norm_self: bool = True):
        super().__init__()
        self.norm_self = nn.LayerNorm(dim, bias=False) if norm_self else nn.Identity()
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
    """Slots (b, S, D) and the frozen target features (b, N, feature_dim) -> reconstruction
    (b, N, out_dim) and segmentation attention (b, S, N).

    The features and the slots are each projected to the width `dim` (a bias-free linear layer
    and a LayerNorm); the token queries (projected features where visible, the mask token
    elsewhere, plus a position embedding) are normalised once, and the residual stream starts
    from them (the first block has no norm of its own). No norm follows the last block: its
    output is the reconstruction when `out_dim` is `dim`, else a linear readout (with bias) maps
    it to `out_dim` (the feature width C, or C + N when the model also predicts temporal
    similarity logits; None: `feature_dim`). Training shows `sample_visible` tokens.
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
        position_std: float = 1.0,
    ):
        super().__init__()
        self.num_tokens = num_tokens
        self.small_visible_ratio = small_visible_ratio
        self.feature_projection = nn.Sequential(nn.Linear(feature_dim, dim, bias=False), nn.LayerNorm(dim))
        self.slot_projection = nn.Sequential(nn.Linear(slot_dim, dim, bias=False), nn.LayerNorm(dim))
        self.mask_token = nn.Parameter(torch.randn(dim) * dim**-0.5)
        self.position_embedding = LearnedPositionEmbedding(num_tokens, dim, position_std)
        self.norm_input = nn.LayerNorm(dim, bias=False)
        self.blocks = nn.ModuleList(
            PreNormDecoderBlock(dim, num_heads, norm_self=i > 0) for i in range(num_layers)
        )
        out_dim = out_dim or feature_dim
        self.head = nn.Identity() if out_dim == dim else nn.Linear(dim, out_dim)

    def sample_visible(
        self, batch_size: int, device=None, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Which tokens show their feature (b, N) bool: a random permutation per sample, of which
        the first k are visible; k is uniform in [0, N-2] with probability 0.5, else
        int(`small_visible_ratio` * N) - 1 (24 of 256 tokens)."""
        n = self.num_tokens
        uniform = torch.randint(0, n - 1, (batch_size,), generator=generator)
        small = torch.full((batch_size,), max(int(self.small_visible_ratio * n) - 1, 0))
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
        queries = self.norm_input(self.position_embedding(queries))
        memory = self.slot_projection(slots)  # (b, S, d)
        for block in self.blocks:
            queries, attention = block(queries, memory)
        return self.head(queries), attention.float().transpose(1, 2)  # (b, N, out), (b, S, N)
