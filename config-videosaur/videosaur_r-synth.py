"""VideoSAUR on synthetic sprite videos at CPU scale, with learned (unconditional) slots.

Make the data first (64 px, 24-frame videos, 2 or 3 large sprites):
    python convert.py synth --dst data/synth_video64_large --kind video --resolution 64 \\
        --frames 24 --max-objects 3 --min-objects 2 --radius-range 0.15 0.25

No pretrained weights exist for this data, so the features are raw 4x4 patches of the frames
resized to 32 px plus two channels giving each token's grid position (8x8 tokens of 50 channels),
which stand in for what a ViT token says about where it lies. 4 slots (3 sprites + background),
slot dim 64, a 256 x 2 decoder, batches of 8 three-frame chunks, Adam at 3e-3 with 200 warm-up
steps then cosine decay over 10,000 steps; validation scores the whole 24-frame videos.

Measured on this data (``docs/benchmarks.md``): with learned slots, VideoSAUR's slots stay nearly
identical and its decoder masks uniform for about 5,000 steps (FG-ARI 0.02 at 5,000 steps, 0.28
at 10,000 on whole videos); the box-conditioned ``videosaur_c-synth.py`` binds within 1,000 steps.
"""

from object_centric_bench.presets import common, video_models
from object_centric_bench.presets.synth_data import synth_videos

_num_slots = 4
_slot_dim = 64
_size = 32
_patch = 4
_feature_dim = 3 * _patch * _patch + 2  # the patch and its column and row
_num_tokens = (_size // _patch) ** 2
_chunk_len = 3
total_steps = 10_000
val_interval = 1_000
batch_size_train = 8
batch_size_val = 16
num_workers = 0
precision = "fp32"

data_dir = "data/synth_video64_large"
dataset_t = synth_videos("train", size=_size, chunk_len=_chunk_len)
dataset_v = synth_videos("val", size=_size)
_backbone = video_models.synth_backbone(_patch)
_initializer = video_models.initializer(_num_slots, _slot_dim)
model = video_models.videosaur(_backbone, _initializer, feature_dim=_feature_dim,
                               num_tokens=_num_tokens, slot_dim=_slot_dim, decoder_hidden=(256, 256))
model_imap = dict(video="batch.video")
loss_fn = dict(recon=video_models.feature_loss(),
               similarity=video_models.similarity_loss(temperature=0.075, weight=0.1))
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(3e-3, total_steps, 200)
clip_grad_norm = 1.0
