"""VQ-VAE pretraining on ClevrTex, the latents of ``slotdiffusion_r_vqvae-clevrtex.py``:
``vqvae-clevrtex-c256.py`` with 4-dimensional codes."""

_base_ = "vqvae-clevrtex-c256.py"

code_dim = 4
