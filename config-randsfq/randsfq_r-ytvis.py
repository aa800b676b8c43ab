"""RandSF.Q on YTVIS (HQ), 7 learned slots."""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import common, video_models

_base_ = "../config-videosaur/videosaur_r-ytvis.py"

slot_dim = 256
lr = 5e-5
model = video_models.randsfq(
    common.dinov2(registers=True, final_norm=False), video_models.initializer(ref("num_slots"), ref("slot_dim")),
    window=ref("chunk_len"), feature_dim=ref("feature_dim"), num_tokens=ref("num_tokens"),
    slot_dim=ref("slot_dim"), in_dim=ref("feature_dim"))
loss_fn = replace(dict(recon=video_models.feature_loss(), contrast=video_models.contrast_loss()))
