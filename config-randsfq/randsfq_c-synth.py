"""RandSF.Q on synthetic sprite videos at CPU scale, with slots conditioned on the first frame's
boxes (as on MOVi): ``randsfq_r-synth.py`` (``config-base/synth_video.py`` has the data
command) with a box initializer.
"""

_base_ = ["randsfq_r-synth.py", "../config-base/boxes.py"]
