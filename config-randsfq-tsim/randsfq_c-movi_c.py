"""RandSF.Q-tsim on MOVi-C, 11 slots conditioned on first-frame boxes: the RandSF.Q config with the temporal similarity loss (x 0.1,
temperature 0.075) in place of the slot contrast. The decoder also predicts, per token, the logits
over the next frame's tokens.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

_base = inherit(__file__, "../config-randsfq/randsfq_c-movi_c.py")
globals().update(video_models.with_temporal_similarity(_base, temperature=0.075))
