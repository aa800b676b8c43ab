"""Tiny experiment used by the engine tests: in-memory scenes, a small CNN, all metrics and the
sample index (the LMDB toy experiment on generated data)."""

from tests.toy import SampleIndex, ToyScenes

_base_ = "toy_lmdb.py"

dataset_t = dict(type=ToyScenes, num_samples=64)
dataset_v = dict(type=ToyScenes, num_samples=23)
metric_fn_v = dict(index=dict(fn=dict(type=SampleIndex), map=dict(index="batch.index")))
