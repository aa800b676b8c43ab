"""VQ-VAE pretraining on PASCAL VOC, the tokens of ``slate_r_vqvae-voc.py``: ``vqvae-coco-c256.py`` on
this dataset (``config-base/voc.py``, images only)."""

_base_ = ["vqvae-coco-c256.py", "../config-base/voc.py"]

dataset_t = dict(keys=("image",))
dataset_v = dict(keys=("image",))
