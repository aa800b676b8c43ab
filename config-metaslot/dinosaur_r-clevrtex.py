"""DINOSAUR + MetaSlot on ClevrTex, 11 slots: the COCO config with this dataset and slot count
(``config-base/clevrtex.py``)."""

_base_ = ["dinosaur_r-coco.py", "../config-base/clevrtex.py"]

num_slots = 11
