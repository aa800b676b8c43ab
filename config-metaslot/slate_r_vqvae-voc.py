"""``slate_r_vqvae-coco.py`` on PASCAL VOC (``config-base/voc.py``), 6 slots, after
``vqvae-voc-c256.py``: ``--ckpt_file save/config-metaslot/vqvae-voc-c256/0/ckpt/last.pth@=vqvae.``."""

_base_ = ["slate_r_vqvae-coco.py", "../config-base/voc.py"]

num_slots = 6
