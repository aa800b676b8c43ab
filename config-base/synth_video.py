"""Fragment for the video methods on synthetic sprite videos at CPU scale (named in ``_base_``
after a method's ``_r-ytvis`` config; not a config on its own).

Make the data first (64 px, 24-frame videos, 2 or 3 large sprites):
    python convert.py synth --dst data/synth_video64_large --kind video --resolution 64 \\
        --frames 24 --max-objects 3 --min-objects 2 --radius-range 0.15 0.25

No pretrained weights exist for this data, so the features are raw 4x4 patches of the frames
resized to 32 px plus two channels giving each token's grid position (8x8 tokens of 50 channels),
which stand in for what a ViT token says about where it lies. 4 slots (3 sprites + background),
slot dim 64, batches of 8 three-frame chunks, Adam at 3e-3 with 200 warm-up steps then cosine
decay over 10,000 steps; validation scores the whole 24-frame videos.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import StandardVideos
from object_centric_bench.model.backbone import Patchify

num_slots = 4
slot_dim = 64
size = 32
patch = 4
feature_dim = 3 * ref("patch") ** 2 + 2  # the patch and its column and row
num_tokens = (ref("size") // ref("patch")) ** 2
chunk_len = 3
lr = 3e-3
warmup_steps = 200
total_steps = 10_000
val_interval = 1_000
batch_size_train = 8
batch_size_val = 16
num_workers = 0
precision = "fp32"
clip_grad_norm = 1.0

data_dir = "data/synth_video64_large"
dataset_t = replace(dict(type=StandardVideos, data_file="train.lmdb", split="train", size=ref("size"),
                         chunk_len=ref("chunk_len")))
dataset_v = replace(dict(type=StandardVideos, data_file="val.lmdb", split="val", size=ref("size")))
model = dict(backbone=dict(type=Patchify, patch_size=ref("patch"), position_scale=0.5))
