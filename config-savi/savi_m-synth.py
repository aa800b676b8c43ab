"""SAVi conditioned on the objects' first-frame masks, on synthetic sprite videos (CPU scale):
``savi_c-synth.py`` with the paper's mask initializer (a CNN over each binary mask; an all-zero
mask for the slots of absent objects). Each slot's position prior starts at its mask's centroid
and spread. Same data: see the command in ``savi_c-synth.py``.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.model.initializer import MaskInitializer

_base_ = "savi_c-synth.py"

model = dict(initializer=dict(type=MaskInitializer, slot_dim=ref("slot_dim"), mlp_hidden_dim=128))
model_imap = replace(dict(video="batch.video", first_mask="batch.first_mask"))
