"""Dataset nodes for image object discovery: COCO, VOC, ClevrTex (and any image LMDB).

Each function returns an ``ImageDataset`` node whose ``data_file`` is relative to the config's
``data_dir`` (``coco/train.lmdb`` ...), with the standard augmentation for training and the
centre-crop pipeline for validation (``docs/datasets.md``, "Dataset classes for configs").
"""

from ..datum.dataset import ImageDataset
from ..datum.transform import Compose, MergeStuffIntoBackground, train_transforms, val_transforms

SPLITS = ("train", "val")


def check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def image_dataset(data_file, split, size=256, keys=("image", "segment"), before=()):
    """An ``ImageDataset`` node; ``before`` lists transform nodes run ahead of the standard ones."""
    check_split(split)
    pipeline = train_transforms if split == "train" else val_transforms
    transform = dict(type=pipeline, size=size)
    if before:
        transform = dict(type=Compose, transforms=[*before, transform])
    return dict(type=ImageDataset, data_file=data_file, transform=transform, keys=keys)


def coco(split, size=256):
    """COCO 2017 panoptic: stuff merged into background, thing ids compacted (object discovery)."""
    return image_dataset(f"coco/{split}.lmdb", split, size, keys=("image", "segment", "isthing"),
                         before=[dict(type=MergeStuffIntoBackground)])


def voc(split, size=256):
    """VOC SegmentationObject (train VOC2012, val VOC2007 in the released files)."""
    return image_dataset(f"voc/{split}.lmdb", split, size)


def clevrtex(split, size=256):
    """ClevrTex (train clevrtex_full, val clevrtex_outd in the released files)."""
    return image_dataset(f"clevrtex/{split}.lmdb", split, size)
