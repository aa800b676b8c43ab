"""SLATE + MetaSlot on COCO 2017, 7 slots, decoding the tokens of a VQ-VAE trained first with
``vqvae-coco-c256.py``:

    python train.py --cfg_file config-metaslot/vqvae-coco-c256.py
    python train.py --cfg_file config-metaslot/slate_r_vqvae-coco.py \\
        --ckpt_file save/config-metaslot/vqvae-coco-c256/0/ckpt/last.pth@=vqvae.

The slots come from ``dinosaur_r-coco.py``'s front (frozen DINOv2 ViT-S/14, projection, per-slot
queries, MetaSlot); the frozen VQ-VAE turns the image (resized to 128 px) into 16 x 16 tokens of
its 4096 codes, which a 4-layer autoregressive Transformer (d 256, 4 heads, GELU, no biases, BOS
token, causal mask) predicts in raster order from the earlier ones and the slots; the loss is the
cross-entropy on the code indices, the segmentation the slot attention's. Schedule and metrics
as ``dinosaur_r-coco.py`` (cosine to 0, ``active_slots``). ``slate_sa_r_vqvae-coco.py`` is the
same host with plain Slot Attention.
"""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.model.decoder_ar import ARTransformerDecoder
from object_centric_bench.model.slate import SLATE
from object_centric_bench.presets.common import masks_to_segment
from object_centric_bench.presets.image import token_vqvae, vfm_front, vfm_metaslot

_base_ = "dinosaur_r-coco.py"

num_codes = 4096
code_dim = 256

model = replace(dict(
    type=SLATE,
    **vfm_front(vfm_metaslot()),
    vqvae=token_vqvae(ref("size") // 2),
    decoder=dict(type=ARTransformerDecoder, slot_dim=ref("slot_dim"), token_dim=ref("code_dim"),
                 num_tokens=ref("num_tokens"), num_codes=ref("num_codes"), dim=256, num_layers=4, num_heads=4),
))
freeze = [r"backbone\..*", r"vqvae\..*"]
postprocess_v = masks_to_segment("output.attention")
loss_fn = replace(dict(ce=dict(fn=dict(type=torch.nn.CrossEntropyLoss), map=dict(input="output.logits", target="output.code"))))
