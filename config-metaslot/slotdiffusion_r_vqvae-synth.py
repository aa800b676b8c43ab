"""SlotDiffusion + MetaSlot on synthetic sprite images (CPU scale), denoising the latents of a
VQ-VAE trained first with ``vqvae-synth-c4.py``:

    python train.py --cfg_file config-metaslot/vqvae-synth-c4.py
    python train.py --cfg_file config-metaslot/slotdiffusion_r_vqvae-synth.py \\
        --ckpt_file save/config-metaslot/vqvae-synth-c4/0/ckpt/last.pth@=vqvae.

The slots come from MetaSlot on raw 8x8 patches (``dinosaur_r-synth.py``'s front); the frozen
VQ-VAE's quantised 8 x 8 x 4 map is the latent; DDPM training (1,000 steps, scaled-linear betas
0.0015-0.0195, epsilon prediction) noises it and diffusers' ``UNet2DConditionModel`` predicts
the noise with the slots as its cross-attention context: two blocks of 64 and 128 channels,
the first without attention, one layer each, dropout 0.1 (the reference: four blocks of
128-512, two layers each). The loss is the MSE on the noise; the segmentation is the slot
attention's. ``slotdiffusion_sa_r_vqvae-synth.py`` is the same host with plain Slot Attention.
"""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.model.slotdiffusion import SlotDiffusion, SlotUNet
from object_centric_bench.presets.common import masks_to_segment, segmentation_metrics
from object_centric_bench.presets.image import patch_front, synth_metaslot, token_vqvae

_base_ = "../config-base/synth_patches.py"

num_codes = 4096
code_dim = 4

model = dict(
    type=SlotDiffusion,
    **patch_front(synth_metaslot()),
    vqvae=token_vqvae(ref("size")),
    denoiser=dict(type=SlotUNet, num_tokens=(ref("size") // 8) ** 2, slot_dim=ref("slot_dim"), channels=ref("code_dim"),
                  widths=(64, 128), layers_per_block=1, heads=8),
)
metric_fn_v = replace(segmentation_metrics(active_slots=True))
freeze = [r"vqvae\..*"]
postprocess_v = masks_to_segment("output.attention")
loss_fn = replace(dict(noise=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.pred", target="output.noise"))))
