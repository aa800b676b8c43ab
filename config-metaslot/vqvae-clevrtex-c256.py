"""VQ-VAE pretraining on ClevrTex, the tokens of ``slate_r_vqvae-clevrtex.py``: ``vqvae-coco-c256.py`` on
this dataset (``config-base/clevrtex.py``, images only)."""

_base_ = ["vqvae-coco-c256.py", "../config-base/clevrtex.py"]

dataset_t = dict(keys=("image",))
dataset_v = dict(keys=("image",))
