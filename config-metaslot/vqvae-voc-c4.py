"""VQ-VAE pretraining on PASCAL VOC, the latents of ``slotdiffusion_r_vqvae-voc.py``:
``vqvae-voc-c256.py`` with 4-dimensional codes."""

_base_ = "vqvae-voc-c256.py"

code_dim = 4
