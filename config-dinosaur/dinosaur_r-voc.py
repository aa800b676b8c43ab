"""DINOSAUR on VOC (train VOC2012 SegmentationObject, val VOC2007 SegmentationObject), 6 slots: the COCO config with this
dataset and slot count (``config-base/voc.py``)."""

_base_ = ["dinosaur_r-coco.py", "../config-base/voc.py"]

num_slots = 6
