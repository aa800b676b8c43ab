"""VQ-VAE pretraining on COCO 2017, the tokens of ``slate_r_vqvae-coco.py``: ``vqvae-synth-c256.py``'s
model and loss at the reference's settings. 256 px images resized to 128 (bicubic), TAESD
encoder layers (8x down: 16 x 16 codes), 4096 codes of 256 dims, the reconstruction at 128 px;
MSE plus the codebook term and 0.25 x the commitment term. Adam 2e-3, batch 64, 30k steps, 5%
warm-up then cosine to lr/1000, clip 1.0, validation every 750 steps. As shipped it trains from
scratch; the reference starts from the pretrained TAESD (``madebyollin/taesd``) with its first
11 encoder layers frozen: ``--cfg-options model.weights_file=/path/to/diffusion_pytorch_model.safetensors
model.freeze_encoder_layers=11`` (a local file; nothing is downloaded).

Then: ``python train.py --cfg_file config-metaslot/slate_r_vqvae-coco.py --ckpt_file
save/config-metaslot/vqvae-coco-c256/0/ckpt/last.pth@=vqvae.``. Data: ``config-base/coco.py``.
"""

from object_centric_bench.config import ref

_base_ = ["vqvae-synth-c256.py", "../config-base/coco.py"]

total_steps = 30_000
val_interval = 750
batch_size_train = 64
batch_size_val = 64
precision = "bf16"

dataset_t = dict(keys=("image",))
dataset_v = dict(keys=("image",))
model = dict(input_size=ref("size") // 2)
