"""The toy experiment reading LMDB files (``train.lmdb``, ``val.lmdb`` under ``data_dir``): for tests
that need a run to read its data from where it was told."""

from object_centric_bench.config import inherit
from object_centric_bench.datum.dataset import ImageDataset

globals().update(inherit(__file__, "toy.py"))

dataset_t = dict(type=ImageDataset, data_file="train.lmdb")
dataset_v = dict(type=ImageDataset, data_file="val.lmdb")
metric_fn_v = {k: v for k, v in metric_fn_v.items() if k != "index"}  # the files hold no sample index
