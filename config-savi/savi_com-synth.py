"""SAVi conditioned on the objects' first-frame centres of mass, on synthetic sprite videos (CPU
scale): ``savi_c-synth.py`` with the centre initializer (an MLP of the (x, y) centre; (-1, -1) for
the slots of absent objects). A centre says nothing of an object's size, so each slot's position
prior starts as a Gaussian of spread ``centre_spread`` (0.06 of the frame, a mid-sized sprite's)
around its centre. Same data: see the command in ``savi_c-synth.py``.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.model.initializer import CentreInitializer

_base_ = "savi_c-synth.py"

model = dict(initializer=dict(type=CentreInitializer, slot_dim=ref("slot_dim"), hidden_dim=128), centre_spread=0.06)
model_imap = replace(dict(video="batch.video", centre="batch.centre"))
