"""SlotContrast on MOVi-D, 24 slots conditioned on first-frame boxes (up to 23 objects + background)."""

from object_centric_bench.presets import common, video_data, video_models

_num_slots = 24
_slot_dim = 64
total_steps = 50000
val_interval = 5000
batch_size_train = 8
batch_size_val = 4
num_workers = 4
precision = "bf16"

dataset_t, dataset_v = video_data.movi("movi_d", _num_slots)
_backbone = common.dinov2(registers=False, final_norm=True)
_initializer = video_models.initializer(_num_slots, _slot_dim, conditional=True)
model = video_models.slotcontrast(_backbone, _initializer, slot_dim=_slot_dim)
model_imap = dict(video="batch.video", bbox="batch.bbox")
loss_fn = dict(recon=video_models.feature_loss(), contrast=video_models.contrast_loss())
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(1e-4, total_steps, 2500)
clip_grad_norm = 0.05
