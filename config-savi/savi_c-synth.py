"""SAVi conditioned on first-frame boxes, on synthetic sprite videos (CPU scale).

Make the data first (64 px, 24-frame videos, 1 to 6 objects; the transforms resize to 32 px):
    python convert.py synth --dst data/synth_video64 --kind video --resolution 64 --frames 24

The SAVi architecture: small CNN (four 5x5 convs, 32 channels, stride 1) + (x, y, 1-x,
1-y) position embedding + LayerNorm/MLP to 64; corrector (aggregator) slot attention D = 128, one iteration;
Transformer predictor (4 heads, MLP 256); spatial broadcast decoder from 8x8 up
to the frame size; target = the frame itself; box MLP initializer (256 -> 128), boxes padded to
num_slots (empty slots get -1 coordinates). Training draws 6-frame clips, validation scores whole
24-frame videos per video, skipping the conditioned first frame (the paper's protocol).
Changed from the real-data defaults: frames of 32 px, not 64 (decoder strides 2, 2, 1, 1; at 64 px
with strides 2, 2, 2, 1 a step of batch 8 took about 9 s on a 2-core CPU, mostly in the
decoder), decoder channels 32 (not 64), 7 slots (6 objects + background, not 11), batch 8
(not 64), 10k steps with 250 warm-up (not 2.5k). Kept: Adam 2e-4, cosine decay, clip 0.05.
The loss is the mean pixel MSE over the clip (the paper sums over time: a constant factor).
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import StandardVideos
from object_centric_bench.model.backbone import SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import BoxInitializer
from object_centric_bench.model.predictor import TransformerPredictor
from object_centric_bench.model.projection import EncoderProjection, GridPositionEmbedding
from object_centric_bench.model.savi import SAVi
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.presets.common import adam_warmup_cosine, masks_to_segment, segmentation_metrics

size = 32
chunk_len = 6
num_slots = 7
slot_dim = 128
token_dim = 64
lr = 2e-4

total_steps = 10_000
val_interval = 1_000
batch_size_train = 8
batch_size_val = 8
num_workers = 0
precision = "fp32"  # bf16 autocast measured slower than fp32 for these convolutions on a CPU
data_dir = "data/synth_video64"

_keys = ("video", "segment", "bbox")
dataset_t = dict(type=StandardVideos, data_file="train.lmdb", split="train", size=ref("size"),
                 chunk_len=ref("chunk_len"), keys=_keys, num_objects=ref("num_slots"))
dataset_v = dict(type=StandardVideos, data_file="val.lmdb", split="val", size=ref("size"), keys=_keys,
                 num_objects=ref("num_slots"))

model = dict(
    type=SAVi,
    encoder=dict(
        type=SpatialEncoder,
        backbone=dict(type=SmallCNN, channels=32, strides=(1, 1, 1, 1)),
        position_embedding=dict(type=GridPositionEmbedding, dim=32),
        projection=dict(type=EncoderProjection, in_dim=32, hidden_dim=ref("token_dim"), out_dim=ref("token_dim")),
    ),
    initializer=dict(type=BoxInitializer, slot_dim=ref("slot_dim"), hidden_dim=256),
    aggregator=dict(type=SlotAttention, in_dim=ref("token_dim"), slot_dim=ref("slot_dim"), num_iterations=1),
    predictor=dict(type=TransformerPredictor, slot_dim=ref("slot_dim"), num_heads=4, mlp_hidden_dim=256),
    decoder=dict(type=SpatialBroadcastDecoder, slot_dim=ref("slot_dim"), out_channels=3, broadcast_size=8,
                 channels=32, strides=(2, 2, 1, 1)),
)
model_imap = dict(video="batch.video", bbox="batch.bbox")
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="batch.video")))
metric_fn_v = segmentation_metrics(temporal="video", skip_first=True)

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=250)
clip_grad_norm = 0.05
