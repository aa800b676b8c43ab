"""Fragment: box conditioning (the ``_c`` configs). Both datasets also deliver the first frame's
boxes, padded to ``num_slots`` (absent objects get -1 coordinates); the initializer maps them to
the slots' first queries, and the model reads ``batch.bbox``."""

from object_centric_bench.config import ref
from object_centric_bench.model.initializer import BoxInitializer

dataset_t = dict(keys=("video", "segment", "bbox"), num_objects=ref("num_slots"))
dataset_v = dict(keys=("video", "segment", "bbox"), num_objects=ref("num_slots"))
model = dict(initializer=dict(type=BoxInitializer, slot_dim=ref("slot_dim")))
model_imap = dict(bbox="batch.bbox")
