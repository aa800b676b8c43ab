"""DINOSAUR (Seitzer et al. 2023): slots that reconstruct frozen self-supervised features."""

import torch
from torch import nn

from .token_grid import square_grid


class DINOSAUR(nn.Module):
    """Image -> frozen backbone features (also the reconstruction target) -> projection -> slot
    attention -> broadcast MLP decoder, whose alpha masks segment the image."""

    def __init__(
        self,
        backbone: nn.Module,
        projection: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        decoder: nn.Module,
    ):
        super().__init__()
        self.backbone = backbone
        self.projection = projection
        self.initializer = initializer
        self.aggregator = aggregator
        self.decoder = decoder

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """image (b, 3, H, W) -> feature and recon (b, N, C), mask (the decoder's alpha) and
        attention (b, S, h, w) with h * w = N, slots (b, S, D)."""
        feature = self.backbone(image).detach().float()  # (b, N, C)
        queries = self.initializer(image.shape[0])
        slots, attent = self.aggregator(self.projection(feature), queries)
        recon, alpha = self.decoder(slots)
        grid = square_grid(feature.shape[1])
        return dict(
            feature=feature,
            recon=recon,
            mask=alpha.unflatten(-1, grid),
            attention=attent.unflatten(-1, grid),
            slots=slots,
        )
