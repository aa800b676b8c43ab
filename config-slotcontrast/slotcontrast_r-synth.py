"""SlotContrast on synthetic sprite videos at CPU scale: the VideoSAUR synthetic config (same data,
features, slots and schedule; see its docstring for the data command) with SlotContrast's model
(per-slot learned Gaussian init, bi-level slot attention, broadcast MLP decoder) and the slot-slot
contrastive loss in place of the temporal similarity. With learned slots it binds slowly on this
data (FG-ARI 0.14 after 5,000 steps, 0.17 after 10,000 on whole videos; ``docs/benchmarks.md``);
``slotcontrast_c-synth.py`` conditions them on boxes.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

globals().update(inherit(__file__, "../config-videosaur/videosaur_r-synth.py"))

_slots = model["initializer"]
model = video_models.slotcontrast(
    model["backbone"],
    video_models.initializer(_slots["num_slots"], _slots["slot_dim"], per_slot=True),
    feature_dim=model["projection"]["in_dim"], num_tokens=model["decoder"]["num_tokens"],
    slot_dim=_slots["slot_dim"], decoder_hidden=model["decoder"]["hidden_dims"])
loss_fn = dict(recon=loss_fn["recon"], contrast=video_models.contrast_loss())
