"""Config pieces of the image hosts: the Slot Attention and MetaSlot aggregator nodes, and the
slot front on raw patches of synthetic scenes (``config-base/synth_patches.py``) that DINOSAUR,
SLATE and SlotDiffusion share there."""

from ..config import ref
from ..model.backbone import Patchify
from ..model.initializer import GaussianInitializer
from ..model.metaslot import MetaSlot
from ..model.projection import EncoderProjection
from ..model.slot_attention import SlotAttention


def slot_attention():
    """Slot Attention, three iterations, on the projected tokens."""
    return dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=3)


def metaslot():
    """MetaSlot with the paper's settings and a FIFO buffer of 4 x batch x slots vectors."""
    return dict(slot_attention(), type=MetaSlot, buffer_size=4 * ref("batch_size_train") * ref("num_slots"))


def patch_front(aggregator):
    """``backbone``, ``projection``, ``initializer`` and ``aggregator`` of a host on raw
    ``patch`` x ``patch`` patches (no pretrained weights exist for synthetic scenes)."""
    return dict(
        backbone=dict(type=Patchify, patch_size=ref("patch")),
        projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=256, out_dim=ref("slot_dim")),
        initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
        aggregator=aggregator,
    )
