"""SAVi conditioned on first-frame segmentation masks on MOVi-A: ``savi_c-movi_a.py`` with the
paper's mask initializer (its Table A.7: a CNN over each binary mask, spatial average, LayerNorm
and an MLP to 128; an all-zero mask for the slots of absent objects)."""

from object_centric_bench.config import ref, replace
from object_centric_bench.model.initializer import MaskInitializer

_base_ = "savi_c-movi_a.py"

model = dict(initializer=dict(type=MaskInitializer, slot_dim=ref("slot_dim")))
model_imap = replace(dict(video="batch.video", first_mask="batch.first_mask"))
