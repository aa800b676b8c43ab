"""Fragment that moves a COCO image config to PASCAL VOC (named after it in ``_base_``; the
config sets the slot count): train VOC2012 SegmentationObject, val VOC2007 SegmentationObject.

Data: voc/train.lmdb and voc/val.lmdb under data_dir (convert.py voc, or the released LMDB files;
``docs/datasets.md`` has the two splits).
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import VOC

dataset_t = replace(dict(type=VOC, data_file="voc/train.lmdb", split="train", size=ref("size")))
dataset_v = replace(dict(type=VOC, data_file="voc/val.lmdb", split="val", size=ref("size")))
