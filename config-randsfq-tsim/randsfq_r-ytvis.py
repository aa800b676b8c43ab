"""RandSF.Q-tsim on YTVIS (HQ), 7 learned slots: the RandSF.Q config with the temporal similarity loss (x 0.1,
temperature 0.15) in place of the slot contrast. The decoder also predicts, per token, the logits
over the next frame's tokens.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

_base = inherit(__file__, "../config-randsfq/randsfq_r-ytvis.py")
globals().update(video_models.with_temporal_similarity(_base, temperature=0.15))
