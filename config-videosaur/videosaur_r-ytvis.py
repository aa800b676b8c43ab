"""VideoSAUR on YTVIS (HQ), 7 learned slots. The root of the video configs: the other methods'
``_r-ytvis`` configs name this one in ``_base_`` and change the model."""

from object_centric_bench.config import ref
from object_centric_bench.presets import common, video_data, video_models

num_slots = 7
slot_dim = 128
feature_dim = 384  # DINOv2 ViT-S/14 channels
num_tokens = 256  # 16 x 16 patches at 224 px
size = 256
chunk_len = 5
lr = 1e-4
warmup_steps = 2500
total_steps = 50000
val_interval = 5000
batch_size_train = 8
batch_size_val = 4
num_workers = 4
precision = "bf16"

dataset_t, dataset_v = video_data.ytvis(size=ref("size"), chunk_len=ref("chunk_len"))
model = video_models.videosaur(
    common.dinov2(registers=False, final_norm=True), video_models.initializer(ref("num_slots"), ref("slot_dim")),
    feature_dim=ref("feature_dim"), num_tokens=ref("num_tokens"), slot_dim=ref("slot_dim"), decoder="slotmixer")
model_imap = dict(video="batch.video")
loss_fn = dict(recon=video_models.feature_loss(),
               similarity=video_models.similarity_loss(temperature=0.15, weight=0.1))
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(ref("lr"), ref("total_steps"), ref("warmup_steps"))
clip_grad_norm = 0.05
