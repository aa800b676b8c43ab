"""``slate_sa_r_vqvae-coco.py`` on ClevrTex (``config-base/clevrtex.py``), 11 slots, after
``vqvae-clevrtex-c256.py``: ``--ckpt_file save/config-metaslot/vqvae-clevrtex-c256/0/ckpt/last.pth@=vqvae.``."""

_base_ = ["slate_sa_r_vqvae-coco.py", "../config-base/clevrtex.py"]

num_slots = 11
