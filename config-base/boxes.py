"""Fragment: box conditioning (the ``_c`` configs). Both datasets also deliver the boxes, padded
to ``num_slots`` (``num_objects``); the initializer maps the first frame's to the slots' first
queries, and the model reads ``batch.bbox``. MOVi (``movi_c.py``, ``box_rows="present"``) keeps
one row per object of the clip and pads per batch instead, ``num_slots`` then bounding the count."""

from object_centric_bench.config import ref
from object_centric_bench.model.initializer import BoxInitializer

dataset_t = dict(keys=("video", "segment", "bbox"), num_objects=ref("num_slots"))
dataset_v = dict(keys=("video", "segment", "bbox"), num_objects=ref("num_slots"))
model = dict(initializer=dict(type=BoxInitializer, slot_dim=ref("slot_dim"), hidden_dim=ref("slot_dim"), activation="gelu",
                              empty_value=None))  # zero boxes go in as they are
model_imap = dict(bbox="batch.bbox")
