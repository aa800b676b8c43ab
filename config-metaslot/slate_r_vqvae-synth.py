"""SLATE + MetaSlot on synthetic sprite images (CPU scale), decoding the tokens of a VQ-VAE
trained first with ``vqvae-synth-c256.py``:

    python train.py --cfg_file config-metaslot/vqvae-synth-c256.py
    python train.py --cfg_file config-metaslot/slate_r_vqvae-synth.py \\
        --ckpt_file save/config-metaslot/vqvae-synth-c256/0/ckpt/last.pth@=vqvae.

The slots come from MetaSlot on raw 8x8 patches (``dinosaur_r-synth.py``'s front: no pretrained
weights exist for these scenes); the frozen VQ-VAE gives 8 x 8 code tokens, which a 2-layer
autoregressive Transformer (d 128, 4 heads, BOS token, causal mask) predicts in raster order from
the earlier ones and the slots; the loss is the cross-entropy on the code indices. The
segmentation is the slot attention's. ``slate_sa_r_vqvae-synth.py`` is the same host with plain
Slot Attention.
"""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.model.decoder_ar import ARTransformerDecoder
from object_centric_bench.model.slate import SLATE
from object_centric_bench.presets.common import masks_to_segment, segmentation_metrics
from object_centric_bench.presets.image import patch_front, synth_metaslot, token_vqvae

_base_ = "../config-base/synth_patches.py"

num_codes = 4096
code_dim = 256
num_tokens = (ref("size") // ref("patch")) ** 2  # the VQ-VAE's codes: 8x down, as the patches

model = dict(
    type=SLATE,
    **patch_front(synth_metaslot()),
    vqvae=token_vqvae(ref("size")),
    decoder=dict(type=ARTransformerDecoder, slot_dim=ref("slot_dim"), token_dim=ref("code_dim"),
                 num_tokens=ref("num_tokens"), num_codes=ref("num_codes"), dim=128, num_layers=2, num_heads=4),
)
metric_fn_v = replace(segmentation_metrics(active_slots=True))
freeze = [r"vqvae\..*"]
postprocess_v = masks_to_segment("output.attention")
loss_fn = replace(dict(ce=dict(fn=dict(type=torch.nn.CrossEntropyLoss), map=dict(input="output.logits", target="output.code"))))
