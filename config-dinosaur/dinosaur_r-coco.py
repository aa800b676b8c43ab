"""DINOSAUR on COCO 2017 (object discovery: stuff merged into background), 7 slots, as the
VQ-VFM-OCL image code trains it (the host the MetaSlot configs start from).

Frozen DINOv2 ViT-S/14 features (256 px input, resized to 224 inside the backbone: 16x16 tokens)
-> projection (LayerNorm, 384 -> 768 -> 256, GELU) -> slot attention from per-slot learned
Gaussian queries (3 iterations, D = 256, bi-level truncation, GELU MLP 256 -> 1024 -> 256 with
dropout 0.01, eps 1e-5; projection and slot-attention biases start at zero) -> broadcast MLP
decoder (2048 x 3, GELU, position embedding from a truncated normal of std 1) that reconstructs
the features; segmentation from the decoder alphas at the ground-truth resolution. Adam 2e-4,
batch 32, 50k steps, 5% warm-up then cosine to lr/1000, clip 1.0, validation every 1,250 steps.
Data: ``config-base/coco.py``.
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.presets.common import adam_warmup_cosine, masks_to_segment, segmentation_metrics
from object_centric_bench.presets.image import vfm_front, vfm_slot_attention

_base_ = "../config-base/coco.py"

num_slots = 7
slot_dim = 256
feature_dim = 384  # ViT-S/14 channels
num_tokens = 256  # 16 x 16 patches at 224 px
lr = 2e-4

total_steps = 50_000
val_interval = 1_250
batch_size_train = 32
batch_size_val = 32
precision = "bf16"

model = dict(
    type=DINOSAUR,
    **vfm_front(vfm_slot_attention()),
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), hidden_dims=(2048, 2048, 2048), activation="gelu",
                 position_std=1.0),
)
model_imap = dict(image="batch.image")
freeze = [r"backbone\..*"]  # the whole DINOv2 (full-match regex over parameter names)
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")))
metric_fn_v = segmentation_metrics()

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20)
clip_grad_norm = 1.0
