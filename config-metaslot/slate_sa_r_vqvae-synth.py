"""SLATE with plain Slot Attention on synthetic sprite images, for comparison with
``slate_r_vqvae-synth.py`` (MetaSlot): the same data, VQ-VAE, decoder and schedule."""

from object_centric_bench.config import replace
from object_centric_bench.presets.common import segmentation_metrics
from object_centric_bench.presets.image import slot_attention

_base_ = "slate_r_vqvae-synth.py"

model = dict(aggregator=replace(slot_attention()))
metric_fn_v = replace(segmentation_metrics())
