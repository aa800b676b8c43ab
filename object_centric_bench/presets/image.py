"""Config pieces of the image hosts (DINOSAUR, SLATE, SlotDiffusion): the Slot Attention and
MetaSlot aggregator nodes, the slot front on frozen DINOv2 features as the VQ-VFM-OCL image code
builds it, and the slot front on raw patches of synthetic scenes (``config-base/synth_patches.py``).
"""

import math

from ..config import ref
from ..model.backbone import Patchify
from ..model.initializer import GaussianInitializer
from ..model.metaslot import MetaSlot
from ..model.projection import EncoderProjection
from ..model.slot_attention import SlotAttention
from ..model.vqvae import VQVAE
from .common import dinov2

# the slot-attention settings of the VQ-VFM-OCL image code, MetaSlot's included
VFM_SLOT_SETTINGS = dict(activation="gelu", eps=1e-5, zero_bias=True)


def slot_attention(**settings):
    """Slot Attention, three iterations, on the projected tokens."""
    return dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=3, **settings)


def metaslot(**settings):
    """MetaSlot with the paper's settings and a FIFO buffer of 4 x batch x slots vectors."""
    return dict(slot_attention(**settings), type=MetaSlot,
                buffer_size=4 * ref("batch_size_train") * ref("num_slots"))


def vfm_slot_attention():
    """The VQ-VFM-OCL hosts' Slot Attention: bi-level truncation, GELU MLP with dropout 0.01,
    eps 1e-5, biases from zero."""
    return slot_attention(truncate="bi-level", mlp_dropout=0.01, **VFM_SLOT_SETTINGS)


def vfm_metaslot():
    """MetaSlot with the same settings, less the truncation (it has its own straight-through
    path) and the dropout, as the MetaSlot configs have it."""
    return metaslot(**VFM_SLOT_SETTINGS)


def token_vqvae(input_size):
    """The frozen VQ-VAE node of the SLATE and SlotDiffusion hosts (``num_codes`` codes of
    ``code_dim``), resizing images to ``input_size``; its weights come from ``--ckpt_file
    VQVAE_CKPT@=vqvae.``."""
    return dict(type=VQVAE, num_codes=ref("num_codes"), code_dim=ref("code_dim"), input_size=input_size)


def vfm_front(aggregator):
    """``backbone``, ``projection``, ``initializer`` and ``aggregator`` of an image host on frozen
    DINOv2 ViT-S/14 features: projection LayerNorm -> C -> 2C -> D (GELU, biases from zero) and
    per-slot learned Gaussian queries whose std starts at 256^-1/2 (D^-1/2 for the D = 256 of
    these hosts)."""
    return dict(
        backbone=dinov2(),
        projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=2 * ref("feature_dim"),
                        out_dim=ref("slot_dim"), zero_bias=True),
        initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim"),
                         per_slot=True, log_std_init=math.log(256 ** -0.5)),
        aggregator=aggregator,
    )


def synth_metaslot():
    """MetaSlot for the CPU-scale synthetic configs: prototypes idle for 20 steps are revived (the
    paper's 2,340 is a tenth of its 50k-step runs and longer than these runs' warm-up, over which
    the slots drift away from every prototype but one; ``docs/metaslot.md``)."""
    return metaslot(timeout=20)


def patch_front(aggregator):
    """``backbone``, ``projection``, ``initializer`` and ``aggregator`` of a host on raw
    ``patch`` x ``patch`` patches (no pretrained weights exist for synthetic scenes)."""
    return dict(
        backbone=dict(type=Patchify, patch_size=ref("patch")),
        projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=256, out_dim=ref("slot_dim")),
        initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
        aggregator=aggregator,
    )
