"""The toy experiment reading LMDB files (``train.lmdb``, ``val.lmdb`` under ``data_dir``): for tests
that need a run to read its data from where it was told. ``toy.py`` is the same on in-memory scenes."""

import torch

from object_centric_bench.datum.dataset import ImageDataset
from object_centric_bench.learn.metric import ARI, MBO, MIoU
from object_centric_bench.learn.optim import WarmupCosine
from object_centric_bench.learn.postprocess import SoftMaskToSegment
from tests.toy import ToyModel

total_steps = 20
val_interval = 10
ckpt_interval = 10
log_interval = 5
batch_size_train = 8
batch_size_val = 5
num_workers = 0
precision = "fp32"

dataset_t = dict(type=ImageDataset, data_file="train.lmdb")
dataset_v = dict(type=ImageDataset, data_file="val.lmdb")
model = dict(type=ToyModel, num_slots=4)
model_imap = dict(image="batch.image")
postprocess_v = [dict(type=SoftMaskToSegment, src="output.mask", dst="output.segment", like="batch.segment")]
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="batch.image")))
metric_fn_v = dict(
    ari=dict(fn=dict(type=ARI), map=dict(pred="output.segment", gt="batch.segment")),
    ari_fg=dict(fn=dict(type=ARI, foreground_only=True), map=dict(pred="output.segment", gt="batch.segment")),
    mbo=dict(fn=dict(type=MBO), map=dict(pred="output.segment", gt="batch.segment")),
    miou=dict(fn=dict(type=MIoU), map=dict(pred="output.segment", gt="batch.segment")),
)
optimizer = dict(type=torch.optim.AdamW, lr=3e-3)
schedules = [dict(target="optimizer.lr", fn=dict(type=WarmupCosine, base=3e-3, total_steps=20, warmup_steps=4))]
clip_grad_norm = 1.0
