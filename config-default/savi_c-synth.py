"""The embedded default: box-conditioned SAVi on small synthetic videos, trained on a CPU.

``python train.py`` with no arguments generates the data (``object_centric_bench/default_run.py``)
and trains this config on a CPU: 1,000 steps at about 4.2 steps/s on two idle Intel Xeon cores,
so about 240 s of training (``docs/benchmarks.md`` has the measured totals). What keeps it that
cheap: 32 px frames, slots bound to objects by their first-frame boxes, a light decoder whose
masks are the segmentation, a target of the frame's RGB stacked with its optical flow rendered as
RGB (SAVi's flow target: each moving object is one flat colour on white, which is what separates
the slots; the RGB half keeps still objects separable; saturation 1 at 2 px per frame, the
sprites' fastest motion), bf16 autocast where the CPU has native bf16 (``precision="amp"``;
fp32 elsewhere), small batches and a high learning rate. Validation scores the whole 12-frame
videos. The data pipeline also gives each sample the objects'
centres of mass and first-frame masks, SAVi's other conditioning signals
(``config-savi/savi_{com,m}-synth.py`` start their slots from them).

The decoder works at the full 32 px: at 16 px even the ground-truth masks, pooled and upsampled,
score FG-ARI 0.51, since the sprites cover 10-50 pixels. The reconstruction loss weighs pixels
unlike the background 20x more, because the objects cover only a few percent of each frame. The
weight trades mask tightness for foreground coverage: at 20x FG-ARI ends at 0.845-0.879 (seeds
0-2) with masks larger than the objects (ARI 0.40-0.49, mBO 0.49-0.54); at 10x at 0.80-0.83 with
mBO 0.52-0.58; at 4x the slots lose object edges to the background's slot, and one seed of two
did not bind (``docs/benchmarks.md``).

One departure from the paper's SAVi makes the binding independent of rounding: a position prior
(``position_prior``, see ``model/slot_frames.py``). Without it the box-conditioned slots start
nearly alike (cosine 0.98), the decoder's alpha is uniform, and training sits on a symmetric
plateau whose end depended on the CPU: FG-ARI 0.72 after 1,250 steps on one machine, 0.06 on
another. With it each slot owns the pixels around its box from the first step, follows its
attention's centroid from frame to frame, and is drawn relative to that centre.
"""

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import StandardVideos
from object_centric_bench.datum.transform import (
    Compose,
    FlowToRGB,
    Normalize,
    ObjectConditions,
    PadObjects,
    RandomHorizontalFlip,
    RecomputeBoxes,
)
from object_centric_bench.learn.loss import ForegroundWeightedMSELoss
from object_centric_bench.learn.target import ConcatChannels
from object_centric_bench.learn.visualize import SaveMaskGrid
from object_centric_bench.model.backbone import SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import BoxInitializer
from object_centric_bench.model.predictor import TransformerPredictor
from object_centric_bench.model.projection import EncoderProjection, GridPositionEmbedding
from object_centric_bench.model.savi import SAVi
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.presets.common import adam_warmup_cosine, masks_to_segment, segmentation_metrics

num_slots = 5  # one slot per object plus the background: default_run.SCENES has up to 4 objects
slot_dim = 64
channels = 32
flow_saturation = 2.0  # pixels of motion per frame that render fully saturated (objects move 0-2)
lr = 2e-3

total_steps = 1000
val_interval = 500
log_interval = 50
batch_size_train = 8
batch_size_val = 16
num_workers = 0
precision = "amp"  # bf16 where the CPU computes it natively, else fp32 (fp16 on CUDA)

_keys = ("video", "segment", "bbox", "flow")
dataset_t = dict(
    type=StandardVideos, data_file="train.lmdb", split="train", chunk_len=6, keys=_keys,
    transform=dict(type=Compose, transforms=[
        dict(type=RandomHorizontalFlip), dict(type=FlowToRGB, max_magnitude=ref("flow_saturation")), dict(type=Normalize),
        dict(type=RecomputeBoxes), dict(type=ObjectConditions), dict(type=PadObjects, num_objects=ref("num_slots")),
    ]),
)
dataset_v = dict(  # whole 12-frame videos, each scored as one video
    type=StandardVideos, data_file="val.lmdb", split="val", keys=_keys,
    transform=dict(type=Compose, transforms=[
        dict(type=FlowToRGB, max_magnitude=ref("flow_saturation")), dict(type=Normalize), dict(type=RecomputeBoxes),
        dict(type=ObjectConditions), dict(type=PadObjects, num_objects=ref("num_slots")),
    ]),
)

model = dict(
    type=SAVi,
    encoder=dict(
        type=SpatialEncoder,
        backbone=dict(type=SmallCNN, channels=ref("channels"), strides=(2, 1, 1, 1)),
        position_embedding=dict(type=GridPositionEmbedding, dim=ref("channels")),
        projection=dict(type=EncoderProjection, in_dim=ref("channels"), hidden_dim=ref("slot_dim"), out_dim=ref("slot_dim")),
    ),
    initializer=dict(type=BoxInitializer, slot_dim=ref("slot_dim"), hidden_dim=128),
    aggregator=dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=2),
    predictor=dict(type=TransformerPredictor, slot_dim=ref("slot_dim"), num_heads=4, mlp_hidden_dim=128),
    decoder=dict(type=SpatialBroadcastDecoder, slot_dim=ref("slot_dim"), broadcast_size=8, channels=32,
                 strides=(2, 2), kernel_size=3, out_channels=6),
    first_frame_iterations=3,
    position_prior=0.5,  # the weight of the log-Gaussian around each slot's frame
)
model_imap = dict(video="batch.video", bbox="batch.bbox")

_mask_source = "output.mask"
# the target: normalised RGB (about -2..2) and flow RGB (0..1, doubled to a similar range)
_target = [dict(type=ConcatChannels, srcs=["batch.video", "batch.flow_rgb"], dst="batch.target", scales=[1.0, 2.0])]
postprocess_t = _target
postprocess_v = _target + masks_to_segment(_mask_source)
loss_fn = dict(recon=dict(fn=dict(type=ForegroundWeightedMSELoss, foreground_weight=20.0), map=dict(input="output.recon", target="batch.target")))
metric_fn_v = segmentation_metrics(temporal="video")
optimizer, schedules = adam_warmup_cosine(lr=ref("lr"), total_steps=ref("total_steps"), warmup_steps=100)
clip_grad_norm = 1.0
visualize = dict(fn=dict(type=SaveMaskGrid), map=dict(image="batch.video", pred="output.segment", gt="batch.segment"))
