"""SlotDiffusion (Wu et al. 2023) with DINO features as the slots' input: a conditional denoising
UNet over a VQ-VAE's latents, with the slots as its cross-attention context. Segmentation comes
from the slot attention."""

import math

import torch
from torch import nn

from .dinosaur import ImageSlotModel, slot_outputs
from .vqvae import diffusers_module


class SlotUNet(nn.Module):
    """diffusers' ``UNet2DConditionModel`` over ``channels``-channel square latents of
    ``num_tokens`` positions (h * w), cross-attending to the slots: blocks of ``widths`` channels, the first without attention (the
    reference's [Down, CrossAttnDown x 3] and its mirror), ``layers_per_block`` layers each."""

    def __init__(self, num_tokens: int, slot_dim: int, channels: int = 4, widths=(128, 256, 384, 512),
                 layers_per_block: int = 2, heads: int = 8, dropout: float = 0.1):
        super().__init__()
        depth = len(widths)
        self.unet = diffusers_module("SlotDiffusion's denoiser").UNet2DConditionModel(
            sample_size=math.isqrt(num_tokens), in_channels=channels, out_channels=channels,
            block_out_channels=tuple(widths), layers_per_block=layers_per_block,
            down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (depth - 1),
            up_block_types=("CrossAttnUpBlock2D",) * (depth - 1) + ("UpBlock2D",),
            cross_attention_dim=slot_dim, attention_head_dim=heads, dropout=dropout,
            norm_num_groups=min(32, min(widths)),
        )

    def forward(self, noisy, timesteps, slots, slot_mask=None):
        """noisy (b, C, h, w), timesteps (b,), slots (b, S, D) -> the predicted noise (b, C, h, w)."""
        keep = None if slot_mask is None else (~slot_mask).to(slots.dtype)  # diffusers: 1 attends, 0 not
        return self.unet(noisy, timesteps, encoder_hidden_states=slots, encoder_attention_mask=keep).sample


class SlotDiffusion(ImageSlotModel):
    """Image -> frozen backbone -> projection -> slot attention (or MetaSlot) -> slots; the frozen
    ``vqvae`` (load it with ``--ckpt_file VQVAE_CKPT@=vqvae.`` and freeze ``vqvae``) gives the
    latent (its quantised codes, b x 4 x h x w); DDPM training noises it at a uniform timestep of
    ``num_timesteps`` (scaled-linear betas ``beta_start`` .. ``beta_end``) and ``denoiser``
    (``SlotUNet``) predicts the noise from the slots. Returns ``noise`` and ``pred`` for the MSE,
    and the slot outputs. In evaluation the timesteps and noise come from a generator seeded with
    ``eval_seed`` at every call, so validation losses are repeatable."""

    def __init__(self, backbone, projection, initializer, aggregator, vqvae, denoiser, num_timesteps: int = 1000,
                 beta_start: float = 0.0015, beta_end: float = 0.0195, eval_seed: int = 0):
        super().__init__(backbone, projection, initializer, aggregator)
        self.vqvae = vqvae
        self.denoiser = denoiser
        self.scheduler = diffusers_module("SlotDiffusion's schedule").DDPMScheduler(
            num_train_timesteps=num_timesteps, beta_schedule="scaled_linear", beta_start=beta_start,
            beta_end=beta_end, prediction_type="epsilon",
        )
        self.eval_seed = eval_seed

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        _, slots, attent, slot_mask = self.attend(image)
        with torch.no_grad():
            latent = self.vqvae.encode(image)["quant"].float()  # (b, C, h, w)
        generator = None if self.training else torch.Generator(latent.device).manual_seed(self.eval_seed)
        steps = self.scheduler.config.num_train_timesteps
        timesteps = torch.randint(0, steps, (latent.shape[0],), device=latent.device, generator=generator)
        noise = torch.randn(latent.shape, device=latent.device, generator=generator)
        noisy = self.scheduler.add_noise(latent, noise, timesteps)
        pred = self.denoiser(noisy, timesteps, slots, *slot_mask)
        return dict(slot_outputs(slots, attent, slot_mask), noise=noise, pred=pred)
