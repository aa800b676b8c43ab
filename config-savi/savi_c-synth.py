"""SAVi conditioned on first-frame boxes, on synthetic sprite videos (CPU scale): the embedded
default's recipe (``config-default/savi_c-synth.py``) on data made with the command below, scored
with the paper's aligned mIoU next to the Hungarian one. ``savi_com-synth.py`` and
``savi_m-synth.py`` start the slots from centres of mass and from first-frame masks instead, so
the three conditioning signals compare on the same data and budget (``docs/benchmarks.md``).

Make the data first (the default's scenes: 32 px, 12-frame videos, 1 to 4 flat sprites):
    python convert.py synth --dst data/synth_video32 --kind video --resolution 32 --frames 12 \\
        --max-objects 4 --num-train 5000 --num-val 96

The paper's settings at real shapes are the MOVi configs (``savi_c-movi_a.py``).
"""

from object_centric_bench.config import replace
from object_centric_bench.presets.common import segmentation_metrics

_base_ = "../config-default/savi_c-synth.py"

data_dir = "data/synth_video32"
metric_fn_v = replace(segmentation_metrics(temporal="video", aligned_miou=True))
