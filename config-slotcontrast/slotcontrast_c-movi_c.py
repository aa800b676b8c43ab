"""SlotContrast on MOVi-C, 11 slots conditioned on first-frame boxes (up to 10 objects + background)."""

_base_ = ["slotcontrast_r-ytvis.py", "../config-base/movi_c.py", "../config-base/boxes.py"]
