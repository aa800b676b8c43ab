"""Unconditional SAVi (learned Gaussian slot initialisation) on synthetic sprite videos (CPU scale).

The conditional config (`savi_c-synth.py`) with what changes without boxes: one learned Gaussian
shared by all slots, two corrector (aggregator) iterations, the model reads no boxes, and mIoU is
Hungarian-matched only (the aligned mIoU needs each slot bound to an object by its conditioning).
Same data: see the command in `savi_c-synth.py`.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.presets.common import segmentation_metrics

_base_ = "savi_c-synth.py"

model = dict(initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
             aggregator=dict(num_iterations=2))
model_imap = replace(dict(video="batch.video"))
metric_fn_v = replace(segmentation_metrics(temporal="video"))
