"""Fragment for the image models on synthetic sprite images at CPU scale (named in ``_base_``;
not a config on its own): the data and the optimiser, Adam 2e-4 with 5% warm-up then cosine
decay over 5k steps, clip 1.0, batch 32. ``synth_patches.py`` adds the slot models' features.

Make the data first (64 px images, 1 to 6 objects):
    python convert.py synth --dst data/synth_image64 --kind image --resolution 64
"""

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import StandardImages
from object_centric_bench.presets.common import adam_warmup_cosine

size = 64
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
model_imap = dict(image="batch.image")

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=ref("total_steps") // 20)
clip_grad_norm = 1.0
