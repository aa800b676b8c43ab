"""Slot Attention auto-encoder (Locatello et al. 2020): slots that reconstruct the image."""

import torch
from torch import nn


class SlotAttentionAE(nn.Module):
    """Image -> CNN encoder tokens -> slot attention -> spatial broadcast decoder.

    Every slot decodes to an image and an alpha mask; the masks compete (softmax over slots), so
    reconstructing the image forces the slots to split the scene into parts.
    """

    def __init__(
        self,
        encoder: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        decoder: nn.Module,
    ):
        super().__init__()
        self.encoder = encoder
        self.initializer = initializer
        self.aggregator = aggregator
        self.decoder = decoder

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """image (b, 3, H, W) -> recon (b, 3, H', W'), mask (b, S, H', W') (the decoder's alpha),
        slots (b, S, D), attention (b, S, h, w) (slot attention over the encoder grid)."""
        tokens, grid = self.encoder(image)  # (b, h*w, Cin)
        queries = self.initializer(image.shape[0])
        slots, attent = self.aggregator(tokens, queries)
        recon, alpha = self.decoder(slots)
        return dict(recon=recon, mask=alpha, slots=slots, attention=attent.unflatten(-1, grid))
