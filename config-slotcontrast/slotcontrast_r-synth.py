"""SlotContrast on synthetic sprite videos at CPU scale.

Make the data first (64 px, 24-frame videos, 1 to 6 objects):
    python convert.py synth --dst data/synth_video64 --kind video --resolution 64 --frames 24

Features are raw 4x4 patches of the frames resized to 32 px (8x8 tokens of 48 channels; no
pretrained weights), 7 learned slots (6 objects + background), small decoder, 3k steps.
"""

from object_centric_bench.presets import common, video_models
from object_centric_bench.presets.synth_data import synth_videos

_num_slots = 7
_slot_dim = 64
total_steps = 3000
val_interval = 500
batch_size_train = 16
batch_size_val = 16
num_workers = 0
precision = "fp32"

data_dir = "data/synth_video64"
dataset_t = synth_videos("train", size=32)
dataset_v = synth_videos("val", size=32)
_backbone = video_models.synth_backbone()
_initializer = video_models.initializer(_num_slots, _slot_dim, per_slot=True)
model = video_models.slotcontrast(_backbone, _initializer, feature_dim=48, num_tokens=64,
                                  slot_dim=_slot_dim, decoder_hidden=(256, 256))
model_imap = dict(video="batch.video")
loss_fn = dict(recon=video_models.feature_loss(), contrast=video_models.contrast_loss())
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(4e-4, total_steps, 100)
clip_grad_norm = 1.0
