"""DINOSAUR on COCO 2017 (object discovery: stuff merged into background), 7 slots.

Frozen DINOv2 ViT-S/14 features (256 px input, resized to 224 inside the backbone: 16x16 tokens)
-> projection -> slot attention (3 iterations, D = 256) -> broadcast MLP decoder (2048 x 3) that
reconstructs the features; segmentation from the decoder alphas at the ground-truth resolution.
Data: coco/train.lmdb and coco/val.lmdb under data_dir (convert.py coco, or the released LMDB files).
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import COCO
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.projection import EncoderProjection
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.presets.common import adam_warmup_cosine, dinov2, masks_to_segment, segmentation_metrics

num_slots = 7
slot_dim = 256
feature_dim = 384  # ViT-S/14 channels
num_tokens = 256  # 16 x 16 patches at 224 px
size = 256
lr = 2e-4

total_steps = 50_000
val_interval = 5_000
batch_size_train = 32
batch_size_val = 32
num_workers = 4
precision = "bf16"
data_dir = "data"

dataset_t = dict(type=COCO, data_file="coco/train.lmdb", split="train", size=ref("size"))
dataset_v = dict(type=COCO, data_file="coco/val.lmdb", split="val", size=ref("size"))

model = dict(
    type=DINOSAUR,
    backbone=dinov2(),
    projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=1024, out_dim=ref("slot_dim")),
    initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
    aggregator=dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=3),
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), hidden_dims=(2048, 2048, 2048)),
)
model_imap = dict(image="batch.image")
freeze = [r"backbone\..*"]  # the whole DINOv2 (full-match regex over parameter names)
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")))
metric_fn_v = segmentation_metrics()

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20)
clip_grad_norm = 1.0
