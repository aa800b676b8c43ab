"""VQ-VAE pretraining on synthetic sprite images (CPU scale), the latents of
``slotdiffusion_r_vqvae-synth.py``: ``vqvae-synth-c256.py`` with 4-dimensional codes, so the
quantised map (8 x 8 x 4 at 64 px) is the diffusion latent. The hosts load the checkpoint with
``--ckpt_file save/config-metaslot/vqvae-synth-c4/0/ckpt/last.pth@=vqvae.``.
"""

_base_ = "vqvae-synth-c256.py"

code_dim = 4
