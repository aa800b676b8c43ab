"""Spatial broadcast CNN decoder (SAVi, Slot Attention AE): per-slot image and alpha, mixed."""

from collections.abc import Sequence

import torch
from torch import nn

from .projection import GridPositionEmbedding
from .slot_frames import log_prior, pixel_centres, relative_positions


class SpatialBroadcastDecoder(nn.Module):
    """Each slot is broadcast to a small grid, gets a position embedding and is upsampled by
    transposed convolutions to `out_channels` (RGB, or flow rendered as RGB) plus an alpha logit.
    The softmax of the alpha logits over slots gives the masks; the image is the alpha-weighted
    sum of the per-slot images.

    The output side is `broadcast_size * prod(strides)`; fewer or stride-1 layers give a lower
    resolution, which is much cheaper on a CPU.

    Given slot frames (`slot_frames`), each slot is drawn in its own coordinates: the broadcast
    grid's positions are taken relative to the slot's frame, and `position_prior` times the log of a
    Gaussian around the frame is added to its alpha logits.
    """

    def __init__(
        self,
        slot_dim: int,
        out_channels: int = 3,
        broadcast_size: int = 8,
        channels: int = 64,
        strides: Sequence[int] = (2, 2, 2, 1),
        kernel_size: int = 5,
    ):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd to keep sizes exact, got {kernel_size}")
        self.broadcast_size = broadcast_size
        self.position_embedding = GridPositionEmbedding(slot_dim)
        layers = []
        in_channels = slot_dim
        for stride in strides:
            layers.append(
                nn.ConvTranspose2d(
                    in_channels,
                    channels,
                    kernel_size,
                    stride=stride,
                    padding=kernel_size // 2,
                    output_padding=stride - 1,
                )
            )
            layers.append(nn.ReLU())
            in_channels = channels
        layers.append(nn.Conv2d(in_channels, out_channels + 1, 1))
        self.cnn = nn.Sequential(*layers)

    def forward(
        self,
        slots: torch.Tensor,
        slot_mask: torch.Tensor | None = None,
        frames: torch.Tensor | None = None,
        position_prior: float = 0.0,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode slots (b, S, D) into the image (b, out_channels, H, W) and alpha (b, S, H, W).

        `slot_mask` (b, S) bool marks slots that are masked out: they take no alpha. `frames`
        (b, S, 4) are the slots' frames, `position_prior` the weight of their Gaussian prior.
        """
        b, s, d = slots.shape
        g = self.broadcast_size
        if frames is None:
            grid = self.position_embedding(slots.reshape(b * s, d, 1, 1).expand(-1, -1, g, g))  # (b*S, D, g, g)
        else:
            relative = relative_positions(frames, pixel_centres(g, g, slots.device))  # (b, S, g*g, 2)
            grid = slots[:, :, None] + self.position_embedding.encode(relative)  # (b, S, g*g, D)
            grid = grid.reshape(b * s, g, g, d).permute(0, 3, 1, 2)  # (b*S, D, g, g)
        out = self.cnn(grid)  # (b*S, out+1, H, W)
        out = out.reshape(b, s, *out.shape[1:])  # (b, S, out+1, H, W)
        images, logits = out[:, :, :-1].float(), out[:, :, -1].float()
        if frames is not None and position_prior:
            h, w = logits.shape[-2:]
            logits = logits + position_prior * log_prior(frames, pixel_centres(h, w, slots.device)).unflatten(-1, (h, w))
        if slot_mask is not None:
            logits = logits.masked_fill(slot_mask[:, :, None, None], float("-inf"))
        alpha = logits.softmax(dim=1)  # (b, S, H, W)
        recon = (alpha[:, :, None] * images).sum(dim=1)  # (b, out, H, W)
        return recon, alpha
