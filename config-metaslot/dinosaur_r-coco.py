"""DINOSAUR + MetaSlot on COCO 2017 (object discovery), 7 slots: ``config-dinosaur/dinosaur_r-coco.py``
(the same host with plain Slot Attention, for comparison) with MetaSlot as the aggregator, as the
MetaSlot code's DINOSAUR configs have it: 512 prototypes, a FIFO buffer of 4 x 32 x 7 = 896
vectors, the host's slot-attention settings except its truncation (MetaSlot has its own
straight-through path) and MLP dropout (0), the cosine schedule decaying to 0, clip 1.0. The
decoder leaves masked slots out and validation reports ``active_slots``, the mean number of slots
kept per image (``docs/metaslot.md``). Data: ``config-base/coco.py``.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets.common import adam_warmup_cosine, segmentation_metrics
from object_centric_bench.presets.image import vfm_metaslot

_base_ = "../config-dinosaur/dinosaur_r-coco.py"

model = dict(aggregator=replace(vfm_metaslot()))
metric_fn_v = replace(segmentation_metrics(active_slots=True))
optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20, final_ratio=0.0)
