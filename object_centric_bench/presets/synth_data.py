"""Dataset nodes for the synthetic scenes written by ``python convert.py synth --dst DIR ...``.

A synthetic config sets ``data_dir`` to that DIR, which holds ``train.lmdb`` and ``val.lmdb``.
"""

from ..datum.dataset import VideoDataset
from ..datum.transform import train_transforms, val_transforms
from .image_data import check_split, image_dataset


def synth_images(split, size=64):
    """Images from ``convert.py synth --kind image``: ``image`` and ``segment``."""
    return image_dataset(f"{split}.lmdb", split, size)


def synth_videos(split, size=64, chunk_len=6, num_objects=None, keys=("video", "segment")):
    """Videos from ``convert.py synth --kind video``: training draws one ``chunk_len``-frame chunk,
    validation takes the whole video. ``num_objects`` pads ``bbox`` to a fixed slot count
    (conditional models; add ``"bbox"`` to ``keys``)."""
    check_split(split)
    train = split == "train"
    pipeline = train_transforms if train else val_transforms
    return dict(
        type=VideoDataset,
        data_file=f"{split}.lmdb",
        chunk_len=chunk_len if train else None,
        transform=dict(type=pipeline, size=size, num_objects=num_objects),
        keys=keys,
    )
