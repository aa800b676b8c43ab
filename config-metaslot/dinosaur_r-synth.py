"""DINOSAUR + MetaSlot on synthetic sprite images (CPU scale): ``config-dinosaur/dinosaur_r-synth.py``
(the same host with plain Slot Attention, for comparison) with MetaSlot as the aggregator.

MetaSlot keeps the paper's settings (512 prototypes, three noisy iterations then three masked
ones from the prototypes, noise 0.5 -> 0, the deduplicated path ramped from 0.02 by 1.001 per step,
a FIFO buffer of 4 x batch x slots vectors) except one: prototypes idle for 20 steps, not 2,340,
are revived (``presets.image.synth_metaslot``). The decoder leaves the masked slots out, and
validation reports ``active_slots``, the mean number of slots kept per image, next to the metrics. Same data: see the command in the base config.
"""

from object_centric_bench.config import replace
from object_centric_bench.presets.common import segmentation_metrics
from object_centric_bench.presets.image import synth_metaslot

_base_ = "../config-dinosaur/dinosaur_r-synth.py"

model = dict(aggregator=replace(synth_metaslot()))
metric_fn_v = replace(segmentation_metrics(active_slots=True))
