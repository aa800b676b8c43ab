"""``slotdiffusion_sa_r_vqvae-coco.py`` on PASCAL VOC (``config-base/voc.py``), 6 slots, after
``vqvae-voc-c4.py``: ``--ckpt_file save/config-metaslot/vqvae-voc-c4/0/ckpt/last.pth@=vqvae.``."""

_base_ = ["slotdiffusion_sa_r_vqvae-coco.py", "../config-base/voc.py"]

num_slots = 6
