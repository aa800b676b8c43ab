"""DINOSAUR on synthetic sprite images, small enough to train on a CPU.

Make the data first (64 px images, 1 to 6 objects):
    python convert.py synth --dst data/synth_image64 --kind image --resolution 64

Changed from the real-data configs (``config-base/synth_patches.py``): no pretrained weights exist
for this data, so the backbone is raw 8x8 patches (8 x 8 = 64 tokens of 3*8*8 = 192 values, frozen
by construction) and the model reconstructs those; slot dim 128, decoder hidden 512 x 3, 7 slots
(6 objects + background), 5k steps. Kept: Adam 2e-4, 5% warm-up then cosine, clip 1.0, batch 32,
bf16 where native (``amp``).
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.presets.common import masks_to_segment
from object_centric_bench.presets.image import patch_front, slot_attention

_base_ = "../config-base/synth_patches.py"

num_tokens = (ref("size") // ref("patch")) ** 2

model = dict(
    type=DINOSAUR,
    **patch_front(slot_attention()),
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), hidden_dims=(512, 512, 512)),
)
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")))
