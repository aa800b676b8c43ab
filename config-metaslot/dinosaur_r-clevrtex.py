"""DINOSAUR + MetaSlot on ClevrTex (train clevrtex_full, val clevrtex_outd), 11 slots: ``dinosaur_r-coco.py`` with this dataset
and slot count; ``config-dinosaur/dinosaur_r-clevrtex.py`` is the same host with plain Slot Attention.

Data: clevrtex/train.lmdb and clevrtex/val.lmdb under data_dir (convert.py clevrtex, or the released LMDB files).
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import ClevrTex

_base_ = "dinosaur_r-coco.py"

num_slots = 11
dataset_t = replace(dict(type=ClevrTex, data_file="clevrtex/train.lmdb", split="train", size=ref("size")))
dataset_v = replace(dict(type=ClevrTex, data_file="clevrtex/val.lmdb", split="val", size=ref("size")))
