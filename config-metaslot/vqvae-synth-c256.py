"""VQ-VAE pretraining on synthetic sprite images (CPU scale), the tokens of ``slate_r_vqvae-synth.py``:
4096 codes of 256 dims at 8x down (64 px images -> 8 x 8 codes), TAESD layout trained from scratch.

Loss: reconstruction MSE plus the codebook term and 0.25 x the commitment term
(``CodebookLoss``). Adam 2e-3 with 5% warm-up and cosine decay, clip 1.0, batch 32, 3k steps (the
reference: batch 64, 30k steps at 128 px). To start from a pretrained TAESD, set
``model.weights_file`` to its ``diffusion_pytorch_model.safetensors`` and freeze its first 11
encoder layers (``model.freeze_encoder_layers=11``), as the reference does.

Make the data first (64 px images, 1 to 6 objects):
    python convert.py synth --dst data/synth_image64 --kind image --resolution 64
Then: ``python train.py --cfg_file config-metaslot/vqvae-synth-c256.py``; the hosts load the
checkpoint with ``--ckpt_file save/config-metaslot/vqvae-synth-c256/0/ckpt/last.pth@=vqvae.``.
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.learn.loss import CodebookLoss
from object_centric_bench.model.vqvae import VQVAE

_base_ = "../config-base/synth_image.py"

num_codes = 4096
code_dim = 256
lr = 2e-3
total_steps = 3_000

dataset_t = dict(keys=("image",))
dataset_v = dict(keys=("image",))
model = dict(type=VQVAE, num_codes=ref("num_codes"), code_dim=ref("code_dim"), input_size=ref("size"))
loss_fn = dict(
    recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.target")),
    codebook=dict(fn=dict(type=CodebookLoss, commitment=0.25), map=dict(encode="output.encode", quant="output.quant")),
)
