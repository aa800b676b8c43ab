"""SLATE with plain Slot Attention on COCO 2017, for comparison with ``slate_r_vqvae-coco.py``
(MetaSlot): the same data, VQ-VAE and decoder; the Slot Attention and the schedule (cosine to
lr/1000) of ``config-dinosaur/dinosaur_r-coco.py``, as the VQ-VFM-OCL SLATE config has them."""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets.common import adam_warmup_cosine, segmentation_metrics
from object_centric_bench.presets.image import vfm_slot_attention

_base_ = "slate_r_vqvae-coco.py"

model = dict(aggregator=replace(vfm_slot_attention()))
metric_fn_v = replace(segmentation_metrics())
optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20)
