"""RandSF.Q on synthetic sprite videos at CPU scale: the VideoSAUR synthetic config (same data,
features, slots and schedule; see its docstring for the data command) with RandSF.Q's model (transit
over random slot-feature pairs in the 6-frame training window, one iteration after frame 0, a
2-layer DIAS decoder) and the slot-slot contrastive loss in place of the temporal similarity.
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import video_models

globals().update(inherit(__file__, "../config-videosaur/videosaur_r-synth.py"))

_num_slots, _slot_dim = 7, 64
model = video_models.randsfq(
    model["backbone"], video_models.initializer(_num_slots, _slot_dim), window=6,
    feature_dim=48, num_tokens=64, slot_dim=_slot_dim, in_dim=48, decoder_dim=64, decoder_layers=2)
loss_fn = dict(recon=loss_fn["recon"], contrast=video_models.contrast_loss())
