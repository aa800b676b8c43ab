"""RandSF.Q on synthetic sprite videos at CPU scale: the VideoSAUR synthetic config (same data,
features, slots and schedule; see its docstring for the data command) with RandSF.Q's model (transit
over random slot-feature pairs in the 3-frame training window, one iteration after frame 0, a
2-layer DIAS decoder of width 64), the slot-slot contrastive loss in place of the temporal
similarity, and a peak learning rate of 1e-3 (its masks oscillate at 3e-3). Unlike VideoSAUR and
SlotContrast it binds soonest with learned slots: FG-ARI on whole videos 0.36 after 2,500 steps
against 0.11 for the box-conditioned ``randsfq_c-synth.py``, which ends higher at 10,000 steps
(0.28 against 0.23; ``docs/benchmarks.md``).
"""

from object_centric_bench.config import inherit
from object_centric_bench.presets import common, video_models

globals().update(inherit(__file__, "../config-videosaur/videosaur_r-synth.py"))

_slots = model["initializer"]
_feature_dim = model["projection"]["in_dim"]
model = video_models.randsfq(
    model["backbone"], video_models.initializer(_slots["num_slots"], _slots["slot_dim"]),
    window=dataset_t["chunk_len"], feature_dim=_feature_dim, num_tokens=model["decoder"]["num_tokens"],
    slot_dim=_slots["slot_dim"], in_dim=_feature_dim, decoder_dim=64, decoder_layers=2)
loss_fn = dict(recon=loss_fn["recon"], contrast=video_models.contrast_loss())
optimizer, schedules = common.adam_warmup_cosine(1e-3, total_steps, 200)
