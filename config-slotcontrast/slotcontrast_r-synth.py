"""SlotContrast on synthetic sprite videos at CPU scale: the data, features, slots and schedule of
``config-base/synth_video.py`` (its docstring has the data command), with SlotContrast's model
(per-slot learned Gaussian init, bi-level slot attention, broadcast MLP decoder) and the slot-slot
contrastive loss in place of the temporal similarity. With learned slots it binds slowly on this
data (FG-ARI 0.14 after 5,000 steps, 0.17 after 10,000 on whole videos; ``docs/benchmarks.md``);
``slotcontrast_c-synth.py`` conditions them on boxes.
"""

_base_ = ["slotcontrast_r-ytvis.py", "../config-base/synth_video.py"]

model = dict(decoder=dict(hidden_dims=(256, 256)))
