"""The autoregressive token decoder of SLATE (and STEVE / VONet): a causal Transformer over a
VQ-VAE's code tokens in raster order that cross-attends to the slots."""

import torch
from torch import nn


class ARTransformerDecoder(nn.Module):
    """Predicts each of L code tokens from the tokens before it and the slots (teacher forcing).

    The input is a learned BOS vector followed by the first L - 1 token vectors (the VQ-VAE's
    quantised codes, (b, L, token_dim)), projected to ``dim``, plus a learned position embedding;
    ``num_layers`` pre-norm Transformer decoder layers with a causal mask self-attend and
    cross-attend to the slots (masked slots, ``slot_mask`` True, are left out of the
    cross-attention); a final LayerNorm and a linear readout give logits over ``num_codes``.
    The layers' MLPs use ``activation``; ``bias=False`` (the reference's) leaves the biases out of
    the layers and the readout.
    """

    def __init__(
        self,
        slot_dim: int,
        token_dim: int,
        num_tokens: int,
        num_codes: int,
        dim: int = 256,
        num_layers: int = 4,
        num_heads: int = 4,
        dropout: float = 0.0,
        activation: str = "gelu",
        bias: bool = False,
    ):
        super().__init__()
        self.bos = nn.Parameter(torch.randn(1, 1, token_dim) * 0.02)
        self.embed = nn.Linear(token_dim, dim)
        self.position = nn.Parameter(torch.randn(1, num_tokens, dim) * 0.02)
        self.memory = nn.Linear(slot_dim, dim)
        layer = nn.TransformerDecoderLayer(dim, num_heads, 4 * dim, dropout, activation, batch_first=True,
                                           norm_first=True, bias=bias)
        self.layers = nn.TransformerDecoder(layer, num_layers, norm=nn.LayerNorm(dim, bias=bias))
        self.readout = nn.Linear(dim, num_codes, bias=bias)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(num_tokens), persistent=False)

    def forward(
        self, tokens: torch.Tensor, slots: torch.Tensor, slot_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """tokens (b, L, token_dim) and slots (b, S, slot_dim) -> logits (b, L, num_codes), where
        position i sees tokens 0..i-1 only."""
        b, length, _ = tokens.shape
        if length != self.position.shape[1]:
            raise ValueError(f"expected {self.position.shape[1]} tokens, got {length}")
        shifted = torch.cat([self.bos.expand(b, -1, -1), tokens[:, :-1]], 1).to(self.embed.weight.dtype)
        x = self.embed(shifted) + self.position
        memory = self.memory(slots)
        x = self.layers(x, memory, tgt_mask=self.causal, tgt_is_causal=True, memory_key_padding_mask=slot_mask)
        return self.readout(x)
