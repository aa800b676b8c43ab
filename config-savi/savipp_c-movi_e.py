"""SAVi++ conditioned on first-frame boxes on MOVi-E: ``savi_c-movi_e.py`` with a ResNet-34
encoder and a depth target.

The encoder is SAVi's ResNet variant (the paper's appendix A.6): a ResNet-34 trained from
scratch, its root block without strides and group normalisation throughout, giving 16x16 maps of
512 channels at 128 px, then the grid position embedding and the 1x1 MLP to 64. The target is
``log(1 + depth)`` of the frame (``LogDepth``, depth in metres), one channel, in place of the flow;
the loss stays the summed squared error. Training draws the standard random resized crop and
flip (a model this large overfits the unaugmented clips sooner) and runs 1M steps, the paper's
schedule for its ResNet model; everything else is ``savi_c-movi_e.py``'s: 24 slots, batch 64,
Adam 2e-4 with warm-up and cosine decay, clip 0.05.

Make the data with depth: ``python convert.py movi_e --src RAW --dst data/movi_e --resolution
128 --extras flow depth`` (``docs/datasets.md``).
"""

from object_centric_bench.learn.loss import SumSquaredError
from object_centric_bench.learn.target import LogDepth
from object_centric_bench.model.backbone import ResNet
from object_centric_bench.presets.common import masks_to_segment

_base_ = "savi_c-movi_e.py"

channels = 512
total_steps = 1_000_000
_keys = ("video", "segment", "bbox", "depth")
dataset_t = dict(keys=_keys, flow_rgb=False, augment=True)
dataset_v = dict(keys=_keys, flow_rgb=False)
model = dict(
    encoder=dict(backbone=dict(type=ResNet, name="resnet34", groups=32)),
    decoder=dict(out_channels=1),
)
postprocess_t = [dict(type=LogDepth)]
postprocess_v = [dict(type=LogDepth)] + masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=SumSquaredError), map=dict(input="output.recon", target="batch.depth_target")))
