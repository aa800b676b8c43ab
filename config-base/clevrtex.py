"""Fragment that moves a COCO image config to ClevrTex (named after it in ``_base_``; the
config sets the slot count): train clevrtex_full, val clevrtex_outd.

Data: clevrtex/train.lmdb and clevrtex/val.lmdb under data_dir (convert.py clevrtex, or the
released LMDB files).
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import ClevrTex

dataset_t = replace(dict(type=ClevrTex, data_file="clevrtex/train.lmdb", split="train", size=ref("size")))
dataset_v = replace(dict(type=ClevrTex, data_file="clevrtex/val.lmdb", split="val", size=ref("size")))
