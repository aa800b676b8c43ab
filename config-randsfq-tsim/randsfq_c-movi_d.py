"""RandSF.Q-tsim (temporal similarity instead of slot contrast) on MOVi-D, 24 slots conditioned on first-frame boxes (up to 23 objects + background).

The MOVi-C config with MOVi-D data: only the dataset and the box padding (slot count) differ.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_data

globals().update(inherit(__file__, "randsfq_c-movi_c.py"))

dataset_t, dataset_v = video_data.movi("movi_d", 24)
