"""DINOSAUR + MetaSlot on VOC (train VOC2012 SegmentationObject, val VOC2007 SegmentationObject), 6 slots: ``dinosaur_r-coco.py`` with this dataset
and slot count; ``config-dinosaur/dinosaur_r-voc.py`` is the same host with plain Slot Attention.

Data: voc/train.lmdb and voc/val.lmdb under data_dir (convert.py voc, or the released LMDB files).
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import VOC

_base_ = "dinosaur_r-coco.py"

num_slots = 6
dataset_t = replace(dict(type=VOC, data_file="voc/train.lmdb", split="train", size=ref("size")))
dataset_v = replace(dict(type=VOC, data_file="voc/val.lmdb", split="val", size=ref("size")))
