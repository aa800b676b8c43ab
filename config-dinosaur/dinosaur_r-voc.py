"""DINOSAUR on VOC (train VOC2012 SegmentationObject, val VOC2007 SegmentationObject), 6 slots: the COCO config with this dataset and slot count.

Data: voc/train.lmdb and voc/val.lmdb under data_dir (convert.py voc, or the released LMDB files).
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets.image_data import voc

_base_ = "dinosaur_r-coco.py"

num_slots = 6
dataset_t = replace(voc("train", size=ref("size")))
dataset_v = replace(voc("val", size=ref("size")))
