"""VideoSAUR on synthetic sprite videos at CPU scale, with slots conditioned on the first frame's
boxes (as on MOVi): ``videosaur_r-synth.py`` (``config-base/synth_video.py`` has the data
command) with a box initializer. Scenes with 2 sprites leave one box empty, which gets the
initializer's fixed 'empty' query (-1 coordinates).

Its box MLP is 256 wide with ReLU, not the MOVi configs' (``config-base/boxes.py``: as wide as a
slot, GELU): with that one VideoSAUR did not bind within the learning test's 1,000 steps here
(FG-ARI 0.08 against 0.42 at seed 0; ``docs/benchmarks.md``).
"""

_base_ = ["videosaur_r-synth.py", "../config-base/boxes.py"]

model = dict(initializer=dict(hidden_dim=256, activation="relu", empty_value=-1.0))
