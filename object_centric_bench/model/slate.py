"""SLATE (Singh et al. 2022) with DINO features as the slots' input: slots from slot attention on
frozen backbone features; an autoregressive Transformer decodes the image's VQ-VAE code tokens
from them. Segmentation comes from the slot attention."""

import torch

from .dinosaur import ImageSlotModel, slot_outputs


class SLATE(ImageSlotModel):
    """Image -> frozen backbone -> projection -> slot attention (or MetaSlot) -> slots; the frozen
    ``vqvae`` (load it with ``--ckpt_file VQVAE_CKPT@=vqvae.`` and freeze ``vqvae``) gives the
    code tokens, and ``decoder`` (``ARTransformerDecoder``) predicts each from the earlier ones and
    the slots. Returns ``logits`` (b, K, L) and ``code`` (b, L) for the cross-entropy, and the slot
    outputs."""

    def __init__(self, backbone, projection, initializer, aggregator, vqvae, decoder):
        super().__init__(backbone, projection, initializer, aggregator)
        self.vqvae = vqvae
        self.decoder = decoder

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        _, slots, attent, slot_mask = self.attend(image)
        with torch.no_grad():
            tokens = self.vqvae.encode(image)
        quant = tokens["quant"].flatten(2).transpose(1, 2)  # (b, L, D) in raster order
        logits = self.decoder(quant, slots, *slot_mask)  # (b, L, K)
        return dict(slot_outputs(slots, attent, slot_mask), logits=logits.transpose(1, 2), code=tokens["code"].flatten(1))
