"""SlotContrast on synthetic sprite videos at CPU scale: the VideoSAUR synthetic config (same data,
features, slots and schedule; see its docstring for the data command) with SlotContrast's model
(per-slot learned Gaussian init, bi-level slot attention, broadcast MLP decoder) and the slot-slot
contrastive loss in place of the temporal similarity.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

globals().update(inherit(__file__, "../config-videosaur/videosaur_r-synth.py"))

_num_slots, _slot_dim = 7, 64
model = video_models.slotcontrast(
    model["backbone"], video_models.initializer(_num_slots, _slot_dim, per_slot=True),
    feature_dim=48, num_tokens=64, slot_dim=_slot_dim, decoder_hidden=(256, 256))
loss_fn = dict(recon=loss_fn["recon"], contrast=video_models.contrast_loss())
