"""DINOSAUR (Seitzer et al. 2023): slots that reconstruct frozen self-supervised features."""

import torch
from torch import nn

from .token_grid import square_grid


class ImageSlotModel(nn.Module):
    """The front the image hosts share: frozen backbone features -> projection -> aggregator
    (slot attention or MetaSlot) from the initializer's queries."""

    def __init__(self, backbone: nn.Module, projection: nn.Module, initializer: nn.Module, aggregator: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.projection = projection
        self.initializer = initializer
        self.aggregator = aggregator

    def attend(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list]:
        """image (b, 3, H, W) -> features (b, N, C), slots (b, S, D), attention (b, S, N) and
        ``[slot_mask]`` where the aggregator masks slots out (else ``[]``)."""
        feature = self.backbone(image).detach().float()
        queries = self.initializer(image.shape[0])
        slots, attent, *slot_mask = self.aggregator(self.projection(feature), queries)
        return feature, slots, attent, slot_mask


def slot_outputs(slots: torch.Tensor, attent: torch.Tensor, slot_mask: list) -> dict[str, torch.Tensor]:
    """``slots``, ``attention`` (b, S, h, w) and, where the aggregator masks, ``slot_mask``."""
    output = dict(slots=slots, attention=attent.unflatten(-1, square_grid(attent.shape[-1])))
    return dict(output, slot_mask=slot_mask[0]) if slot_mask else output


class DINOSAUR(ImageSlotModel):
    """Image -> frozen backbone features (also the reconstruction target) -> projection -> slot
    attention -> broadcast MLP decoder, whose alpha masks segment the image.

    An aggregator that masks slots out (``MetaSlot`` returns ``(slots, attention, slot_mask)``)
    has its mask honoured by the decoder (masked slots take no alpha) and returned as
    ``slot_mask``."""

    def __init__(
        self,
        backbone: nn.Module,
        projection: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        decoder: nn.Module,
    ):
        super().__init__(backbone, projection, initializer, aggregator)
        self.decoder = decoder

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """image (b, 3, H, W) -> feature and recon (b, N, C), mask (the decoder's alpha) and
        attention (b, S, h, w) with h * w = N, slots (b, S, D), and with a masking aggregator
        slot_mask (b, S), True where a slot is masked out."""
        feature, slots, attent, slot_mask = self.attend(image)
        recon, alpha = self.decoder(slots, *slot_mask)
        mask = alpha.unflatten(-1, square_grid(feature.shape[1]))
        return dict(slot_outputs(slots, attent, slot_mask), feature=feature, recon=recon, mask=mask)
