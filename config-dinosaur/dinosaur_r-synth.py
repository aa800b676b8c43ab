"""DINOSAUR on synthetic sprite images, small enough to train on a CPU.

Make the data first (64 px images, 1 to 6 objects):
    python convert.py synth --dst data/synth_image64 --kind image --resolution 64

Changed from the real-data configs: no pretrained weights exist for this data, so the backbone is
raw 8x8 patches (8 x 8 = 64 tokens of 3*8*8 = 192 values, frozen by construction) and the model
reconstructs those; slot dim 128, decoder hidden 512 x 3, 7 slots (6 objects + background),
5k steps. Kept: Adam 2e-4, 5% warm-up then cosine, clip 1.0, batch 32, bf16 where native (``amp``).
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import StandardImages
from object_centric_bench.model.backbone import Patchify
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.projection import EncoderProjection
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.presets.common import adam_warmup_cosine, masks_to_segment, segmentation_metrics

size = 64
patch = 8
num_slots = 7
slot_dim = 128
feature_dim = 3 * ref("patch") ** 2
num_tokens = (ref("size") // ref("patch")) ** 2
lr = 2e-4

total_steps = 5_000
val_interval = 1_000
batch_size_train = 32
batch_size_val = 32
num_workers = 0
precision = "amp"  # bf16 where the CPU computes it natively, else fp32 (fp16 on CUDA)
data_dir = "data/synth_image64"

dataset_t = dict(type=StandardImages, data_file="train.lmdb", split="train", size=ref("size"))
dataset_v = dict(type=StandardImages, data_file="val.lmdb", split="val", size=ref("size"))

model = dict(
    type=DINOSAUR,
    backbone=dict(type=Patchify, patch_size=ref("patch")),
    projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=256, out_dim=ref("slot_dim")),
    initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
    aggregator=dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=3),
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), hidden_dims=(512, 512, 512)),
)
model_imap = dict(image="batch.image")
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")))
metric_fn_v = segmentation_metrics()

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20)
clip_grad_norm = 1.0
