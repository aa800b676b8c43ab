"""Video dataset nodes with the clip rules of the papers as config values.

MOVi: training draws one 6-frame chunk of each 24-frame video, validation scores whole videos.
YTVIS: videos are cut into 20-frame clips; training draws one of the four 5-frame chunks,
validation scores whole clips. Synthetic videos: ``presets.synth_data``.
"""

from ..datum.dataset import VideoDataset
from ..datum.transform import train_transforms, val_transforms


def video_datasets(name, size, train_clip_len=None, train_chunk_len=None, val_clip_len=None):
    """``(dataset_t, dataset_v)`` reading ``<name>/train.lmdb`` and ``<name>/val.lmdb`` (relative
    to ``data_dir``) with ``video`` and ``segment``; ``config-base/boxes.py`` adds ``bbox`` and
    the transforms' ``num_objects`` padding."""
    keys = ("video", "segment")
    dataset_t = dict(type=VideoDataset, data_file=f"{name}/train.lmdb", clip_len=train_clip_len,
                     chunk_len=train_chunk_len, keys=keys,
                     transform=dict(type=train_transforms, size=size, num_objects=None))
    dataset_v = dict(type=VideoDataset, data_file=f"{name}/val.lmdb", clip_len=val_clip_len,
                     keys=keys, transform=dict(type=val_transforms, size=size, num_objects=None))
    return dataset_t, dataset_v


def movi(name, size=256, chunk_len=6):
    """MOVi-C / MOVi-D (``name`` "movi_c" or "movi_d"); ``config-base/boxes.py`` adds the
    first-frame boxes for a box-conditioned initializer."""
    return video_datasets(name, size, train_chunk_len=chunk_len)


def ytvis(size=256, clip_len=20, chunk_len=5):
    """YouTube-VIS 2019 (HQ): 20-frame clips, 5-frame training chunks."""
    return video_datasets("ytvis", size, train_clip_len=clip_len, train_chunk_len=chunk_len,
                          val_clip_len=clip_len)

