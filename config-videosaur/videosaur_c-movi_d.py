"""VideoSAUR on MOVi-D, 24 slots conditioned on first-frame boxes (up to 23 objects + background):
the MOVi-C config on this dataset."""

_base_ = ["videosaur_c-movi_c.py", "../config-base/movi_d.py"]
