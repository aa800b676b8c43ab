"""Fragment for the slot models on synthetic sprite images (after ``synth_image.py``; not a
config on its own): no pretrained weights exist for this data, so the features are raw 8x8
patches (8 x 8 = 64 tokens of 3*8*8 = 192 values); slot dim 128, 7 slots (6 objects +
background), the four segmentation metrics.
"""

from object_centric_bench.config import ref
from object_centric_bench.presets.common import segmentation_metrics

_base_ = "synth_image.py"

patch = 8
num_slots = 7
slot_dim = 128
feature_dim = 3 * ref("patch") ** 2
metric_fn_v = segmentation_metrics()
