"""RandSF.Q on synthetic sprite videos at CPU scale: the data, features, slots and schedule of
``config-base/synth_video.py`` (its docstring has the data command), with RandSF.Q's model (transit
over random slot-feature pairs in the 3-frame training window, one iteration after frame 0, a
2-layer DIAS decoder of width 64), the slot-slot contrastive loss in place of the temporal
similarity, a peak learning rate of 1e-3 (its masks oscillate at 3e-3), and initial query noise of
standard deviation 0.135 (log-std -2; the YTVIS config starts at 1, as the reference). Unlike VideoSAUR and
SlotContrast it binds soonest with learned slots: FG-ARI on whole videos 0.36 after 2,500 steps
against 0.11 for the box-conditioned ``randsfq_c-synth.py``, which ends higher at 10,000 steps
(0.28 against 0.23; ``docs/benchmarks.md``).
"""

_base_ = ["randsfq_r-ytvis.py", "../config-base/synth_video.py"]

lr = 1e-3
model = dict(initializer=dict(log_std_init=-2.0), decoder=dict(dim=64, num_layers=2))
