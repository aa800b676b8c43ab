"""RandSF.Q-tsim (temporal similarity instead of slot contrast) on MOVi-D, 24 slots conditioned on
first-frame boxes (up to 23 objects + background).

The MOVi-C config with MOVi-D data: only the dataset and the box padding (slot count) differ.
"""

_base_ = ["randsfq_c-movi_c.py", "../config-base/movi_d.py"]
