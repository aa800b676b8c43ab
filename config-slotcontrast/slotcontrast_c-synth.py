"""SlotContrast on synthetic sprite videos at CPU scale, with slots conditioned on the first
frame's boxes (as on MOVi): ``slotcontrast_r-synth.py`` (``config-base/synth_video.py`` has the
data command) with a box initializer.
"""

_base_ = ["slotcontrast_r-synth.py", "../config-base/boxes.py"]

model = dict(initializer=dict(hidden_dim=256, activation="relu", empty_value=-1.0))  # as videosaur_c-synth.py: it binds sooner here
