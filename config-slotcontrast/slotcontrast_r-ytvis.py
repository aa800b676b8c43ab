"""SlotContrast on YTVIS (HQ), 7 learned slots."""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import common, video_models

_base_ = "../config-videosaur/videosaur_r-ytvis.py"

slot_dim = 64
model = video_models.slotcontrast(
    common.dinov2(registers=False, final_norm=True),
    video_models.initializer(ref("num_slots"), ref("slot_dim"), per_slot=True),
    feature_dim=ref("feature_dim"), num_tokens=ref("num_tokens"), slot_dim=ref("slot_dim"))
loss_fn = replace(dict(recon=video_models.feature_loss(), contrast=video_models.contrast_loss()))
