"""SlotContrast on synthetic sprite videos at CPU scale, with slots conditioned on the first
frame's boxes (as on MOVi): ``slotcontrast_r-synth.py`` (see the VideoSAUR synthetic config for the
data command) with a box initializer.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

globals().update(video_models.condition_on_boxes(inherit(__file__, "slotcontrast_r-synth.py")))
