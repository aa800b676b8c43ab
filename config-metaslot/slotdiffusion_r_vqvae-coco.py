"""SlotDiffusion + MetaSlot on COCO 2017, 7 slots, denoising the latents of a VQ-VAE trained
first with ``vqvae-coco-c4.py``:

    python train.py --cfg_file config-metaslot/vqvae-coco-c4.py
    python train.py --cfg_file config-metaslot/slotdiffusion_r_vqvae-coco.py \\
        --ckpt_file save/config-metaslot/vqvae-coco-c4/0/ckpt/last.pth@=vqvae.

The slots come from ``dinosaur_r-coco.py``'s front (frozen DINOv2 ViT-S/14, projection, per-slot
queries, MetaSlot); the frozen VQ-VAE's quantised 16 x 16 x 4 map (of the image resized to 128
px) is the latent; DDPM training (1,000 steps, scaled-linear betas 0.0015-0.0195, epsilon
prediction) noises it and diffusers' ``UNet2DConditionModel`` predicts the noise with the slots
as its cross-attention context: blocks of 128, 256, 384 and 512 channels (the first without
attention), two layers each, dropout 0.1. The loss is the MSE on the noise, the segmentation the
slot attention's. Schedule and metrics as ``dinosaur_r-coco.py`` (cosine to 0,
``active_slots``). ``slotdiffusion_sa_r_vqvae-coco.py`` is the same host with plain Slot
Attention.
"""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.model.slotdiffusion import SlotDiffusion, SlotUNet
from object_centric_bench.presets.common import masks_to_segment
from object_centric_bench.presets.image import token_vqvae, vfm_front, vfm_metaslot

_base_ = "dinosaur_r-coco.py"

num_codes = 4096
code_dim = 4

model = replace(dict(
    type=SlotDiffusion,
    **vfm_front(vfm_metaslot()),
    vqvae=token_vqvae(ref("size") // 2),
    # the VQ-VAE's 16 x 16 codes: the same grid as DINOv2's tokens (num_tokens), as in the reference
    denoiser=dict(type=SlotUNet, num_tokens=ref("num_tokens"), slot_dim=ref("slot_dim"), channels=ref("code_dim"),
                  widths=(128, 256, 384, 512), layers_per_block=2),
))
freeze = [r"backbone\..*", r"vqvae\..*"]
postprocess_v = masks_to_segment("output.attention")
loss_fn = replace(dict(noise=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.pred", target="output.noise"))))
