"""VideoSAUR on MOVi-C, 11 slots conditioned on first-frame boxes (up to 10 objects + background):
the YTVIS config on these clips, SlotMixer decoder and temperature 1 included."""

_base_ = ["videosaur_r-ytvis.py", "../config-base/movi_c.py", "../config-base/boxes.py"]
