"""Unconditional SAVi (learned Gaussian slot initialisation) on synthetic sprite videos (CPU scale).

The conditional config (`savi_c-synth.py`) with what changes without boxes: one learned Gaussian
shared by all slots, two corrector iterations, the model reads no boxes, and every frame is
scored (no frame is conditioned). Same data: see the command in `savi_c-synth.py`.
"""

from object_centric_bench.config import inherit
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.presets.common import segmentation_metrics

globals().update(inherit(__file__, "savi_c-synth.py"))

model["initializer"] = dict(type=GaussianInitializer, num_slots=dataset_t["transform"]["num_objects"],
                            slot_dim=model["initializer"]["slot_dim"])
model["corrector"]["num_iterations"] = 2
model_imap = dict(video="batch.video")
metric_fn_v = segmentation_metrics(temporal="video")
