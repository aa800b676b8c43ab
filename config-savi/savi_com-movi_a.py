"""SAVi conditioned on first-frame centres of mass on MOVi-A: ``savi_c-movi_a.py`` with the
paper's centre initializer (an MLP of 256 hidden units, ReLU, to 128; (-1, -1) for the slots of
absent objects)."""

from object_centric_bench.config import ref, replace
from object_centric_bench.model.initializer import CentreInitializer

_base_ = "savi_c-movi_a.py"

model = dict(initializer=dict(type=CentreInitializer, slot_dim=ref("slot_dim"), hidden_dim=256))
model_imap = replace(dict(video="batch.video", centre="batch.centre"))
