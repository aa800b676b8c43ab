"""DINOSAUR on ClevrTex (train clevrtex_full, val clevrtex_outd), 11 slots: the COCO config with this dataset and slot count.

Data: clevrtex/train.lmdb and clevrtex/val.lmdb under data_dir (convert.py clevrtex, or the released LMDB files).
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets.image_data import clevrtex

globals().update(inherit(__file__, "dinosaur_r-coco.py"))

dataset_t = clevrtex("train", size=256)
dataset_v = clevrtex("val", size=256)
model["initializer"]["num_slots"] = 11
