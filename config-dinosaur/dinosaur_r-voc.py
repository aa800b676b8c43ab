"""DINOSAUR on VOC (train VOC2012 SegmentationObject, val VOC2007 SegmentationObject), 6 slots: the COCO config with this dataset and slot count.

Data: voc/train.lmdb and voc/val.lmdb under data_dir (convert.py voc, or the released LMDB files).
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets.image_data import voc

globals().update(inherit(__file__, "dinosaur_r-coco.py"))

dataset_t = voc("train", size=256)
dataset_v = voc("val", size=256)
model["initializer"]["num_slots"] = 6
