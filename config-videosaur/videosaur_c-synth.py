"""VideoSAUR on synthetic sprite videos at CPU scale, with slots conditioned on the first frame's
boxes (as on MOVi): ``videosaur_r-synth.py`` (``config-base/synth_video.py`` has the data
command) with a box initializer. Scenes with 2 sprites leave one box empty,
which gets the initializer's fixed 'empty' query.
"""

_base_ = ["videosaur_r-synth.py", "../config-base/boxes.py"]
