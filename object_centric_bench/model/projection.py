"""Encoder projection (backbone features -> slot attention inputs) and positional embeddings."""

import torch
from torch import nn

from .mlp import MLP, zero_biases


def coordinate_grid(height: int, width: int, low: float, high: float, device=None) -> torch.Tensor:
    """(height, width, 2) float32 grid of (x, y), each running evenly from `low` to `high`."""
    y, x = torch.meshgrid(
        torch.linspace(low, high, height, device=device),
        torch.linspace(low, high, width, device=device),
        indexing="ij",
    )
    return torch.stack([x, y], dim=-1)


class EncoderProjection(nn.Module):
    """LayerNorm then an MLP (GELU, or `activation`: SAVi's is ReLU) from the backbone width to the
    slot attention input width; its biases start at zero with `zero_bias=True`."""

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, zero_bias: bool = False,
                 activation: str = "gelu"):
        super().__init__()
        self.norm = nn.LayerNorm(in_dim)
        self.mlp = MLP(in_dim, [hidden_dim], out_dim, activation)
        if zero_bias:
            zero_biases(self.mlp)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.norm(features))


class LearnedPositionEmbedding(nn.Module):
    """A learned vector per token position, added to tokens (b, N, C); initialised from a normal
    distribution of standard deviation `std` truncated at two of them."""

    def __init__(self, num_tokens: int, dim: int, std: float = 0.02):
        super().__init__()
        self.embedding = nn.Parameter(nn.init.trunc_normal_(torch.empty(1, num_tokens, dim), std=std, a=-2 * std, b=2 * std))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.shape[1] != self.embedding.shape[1]:
            raise ValueError(
                f"got {tokens.shape[1]} tokens but the position embedding was built for "
                f"{self.embedding.shape[1]}: set num_tokens to match the feature map"
            )
        return tokens + self.embedding


class GridPositionEmbedding(nn.Module):
    """SAVi's position embedding: a linear map of the grid (x, y, 1-x, 1-y), added to (b, C, h, w).

    The grid is built from the input's own size, so one module serves any resolution; `encode`
    embeds other coordinates the same way (positions relative to a slot's frame, say).
    """

    def __init__(self, dim: int):
        super().__init__()
        self.linear = nn.Linear(4, dim)

    def encode(self, coordinates: torch.Tensor) -> torch.Tensor:
        """(..., 2) coordinates (x, y) -> (..., dim)."""
        return self.linear(torch.cat([coordinates, 1 - coordinates], dim=-1))  # of x, y, 1-x, 1-y

    def forward(self, feature_map: torch.Tensor) -> torch.Tensor:
        grid = coordinate_grid(*feature_map.shape[-2:], 0.0, 1.0, feature_map.device)  # (h, w, 2)
        return feature_map + self.encode(grid).permute(2, 0, 1)  # plus (C, h, w)
