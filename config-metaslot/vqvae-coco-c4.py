"""VQ-VAE pretraining on COCO 2017, the latents of ``slotdiffusion_r_vqvae-coco.py``:
``vqvae-coco-c256.py`` with 4-dimensional codes, so the quantised 16 x 16 x 4 map is the
diffusion latent. The reference adds an LPIPS (AlexNet) term to this one; it is left out here
(``docs/metaslot.md``). Then: ``python train.py --cfg_file config-metaslot/slotdiffusion_r_vqvae-coco.py
--ckpt_file save/config-metaslot/vqvae-coco-c4/0/ckpt/last.pth@=vqvae.``.
"""

_base_ = "vqvae-coco-c256.py"

code_dim = 4
