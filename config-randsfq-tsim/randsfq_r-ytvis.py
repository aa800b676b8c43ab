"""RandSF.Q-tsim (temporal similarity instead of slot contrast) on YTVIS (HQ), 7 learned slots."""

from object_centric_bench.presets import common, video_data, video_models

_num_slots = 7
_slot_dim = 256
total_steps = 50000
val_interval = 5000
batch_size_train = 8
batch_size_val = 4
num_workers = 4
precision = "bf16"

dataset_t, dataset_v = video_data.ytvis()
_backbone = common.dinov2(registers=True, final_norm=False)
_initializer = video_models.initializer(_num_slots, _slot_dim)
model = video_models.randsfq(_backbone, _initializer, window=5, slot_dim=_slot_dim,
                             predict_similarity=True)
model_imap = dict(video="batch.video")
loss_fn = dict(recon=video_models.feature_loss(),
               similarity=video_models.similarity_loss(temperature=0.15, weight=0.1))
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(5e-5, total_steps, 2500)
clip_grad_norm = 0.05
