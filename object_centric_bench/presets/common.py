"""Config pieces every experiment shares: metrics, mask post-processing, optimiser and schedule,
the frozen DINOv2 backbone. Each function returns config nodes that a config adjusts."""

import torch

from ..learn.metric import ARI, MBO, ActiveSlots, MIoU
from ..learn.optim import WarmupCosine
from ..learn.postprocess import SoftMaskToSegment
from ..model.backbone import DINOv2


def segmentation_metrics(pred="output.segment", gt="batch.segment", temporal="video",
                         include_background=True, skip_first=False, ari_arithmetic="exact",
                         empty_foreground="exclude", aligned_miou=False, active_slots=False):
    """``metric_fn_v`` with the four reported metrics: ``ari``, ``ari_fg``, ``mbo``, ``miou``.

    ``ari_arithmetic="int64"`` scores both ARIs in the RandSF.Q v3 reference's arithmetic, overflow
    included; ``empty_foreground="one"`` counts a sample without foreground as FG-ARI 1 (see ``ARI``).
    ``aligned_miou=True`` (conditional models) adds ``miou_aligned``, SAVi's mIoU: the slot
    conditioned on object k against object k alone, next to the Hungarian-matched ``miou``.
    ``active_slots=True`` (MetaSlot) adds ``active_slots``, the mean number of slots kept per image
    (from ``output.slot_mask``).
    """
    paths = dict(pred=pred, gt=gt)
    unit = dict(temporal=temporal, skip_first=skip_first)
    metrics = dict(
        ari=dict(fn=dict(type=ARI, foreground_only=False, arithmetic=ari_arithmetic, **unit), map=paths),
        ari_fg=dict(fn=dict(type=ARI, foreground_only=True, arithmetic=ari_arithmetic,
                            empty_foreground=empty_foreground, **unit), map=paths),
        mbo=dict(fn=dict(type=MBO, include_background=include_background, **unit), map=paths),
        miou=dict(fn=dict(type=MIoU, include_background=include_background, **unit), map=paths),
    )
    if aligned_miou:
        metrics["miou_aligned"] = dict(fn=dict(type=MIoU, include_background=False, matching="aligned", **unit), map=paths)
    if active_slots:
        metrics["active_slots"] = dict(fn=dict(type=ActiveSlots), map=dict(slot_mask="output.slot_mask"))
    return metrics


def masks_to_segment(src, dst="output.segment", like="batch.segment", tokens=False):
    """``postprocess_v``: soft masks at ``src`` -> index map at the ground-truth resolution."""
    return [dict(type=SoftMaskToSegment, src=src, dst=dst, like=like, tokens=tokens)]


def adam_warmup_cosine(lr, total_steps, warmup_steps, final_ratio=1e-3, optimizer=torch.optim.Adam, **options):
    """``(optimizer, schedules)``: linear warm-up to ``lr`` then cosine decay to ``lr * final_ratio``."""
    schedule = dict(type=WarmupCosine, base=lr, total_steps=total_steps, warmup_steps=warmup_steps,
                    final=lr * final_ratio)
    return dict(type=optimizer, lr=lr, **options), [dict(target="optimizer.lr", fn=schedule)]


def dinov2(registers=False, final_norm=True, pretrained=True, weights_file=None):
    """The frozen DINOv2 ViT-S/14 backbone at 224 px: 256 patch tokens of 384 channels."""
    name = "vit_small_patch14_reg4_dinov2" if registers else "vit_small_patch14_dinov2"
    return dict(type=DINOv2, name=name, pretrained=pretrained, weights_file=weights_file,
                final_norm=final_norm, input_size=224)
