"""Fragment for the image hosts on COCO 2017 object discovery (stuff merged into background; named
in ``_base_``, not a config on its own): 256 px, the train / val LMDB files, 4 loader
workers.

Data: coco/train.lmdb and coco/val.lmdb under data_dir (convert.py coco, or the released LMDB files).
"""

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import COCO

size = 256
num_workers = 4
data_dir = "data"

dataset_t = dict(type=COCO, data_file="coco/train.lmdb", split="train", size=ref("size"))
dataset_v = dict(type=COCO, data_file="coco/val.lmdb", split="val", size=ref("size"))
