"""Slot Attention image auto-encoder on synthetic sprite images, resized to 32 px (CPU scale).

Make the data first (64 px images, 1 to 6 objects; the transforms resize them to 32 px):
    python convert.py synth --dst data/synth_image64 --kind image --resolution 64

Small CNN encoder (four 5x5 convs, 32 channels, stride 1: 32 x 32 tokens) + position embedding +
LayerNorm/MLP to 64; slot attention (3 iterations, D = 64, 7 slots = 6 objects + background,
shared learned Gaussian); spatial broadcast decoder 8x8 -> 32x32 reconstructing the image.
At 32 px this learns within minutes on a CPU; 64 px is several times slower.
"""

import torch

from object_centric_bench.config import ref
from object_centric_bench.model.backbone import SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.projection import EncoderProjection, GridPositionEmbedding
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.slot_attention_ae import SlotAttentionAE
from object_centric_bench.presets.common import masks_to_segment, segmentation_metrics

_base_ = "../config-base/synth_image.py"

size = 32
num_slots = 7
slot_dim = 64
lr = 4e-4
total_steps = 20_000
val_interval = 2_000

model = dict(
    type=SlotAttentionAE,
    encoder=dict(
        type=SpatialEncoder,
        backbone=dict(type=SmallCNN, channels=32, strides=(1, 1, 1, 1)),
        position_embedding=dict(type=GridPositionEmbedding, dim=32),
        projection=dict(type=EncoderProjection, in_dim=32, hidden_dim=64, out_dim=ref("slot_dim")),
    ),
    initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim")),
    aggregator=dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), num_iterations=3),
    decoder=dict(type=SpatialBroadcastDecoder, slot_dim=ref("slot_dim"), out_channels=3, broadcast_size=8,
                 channels=32, strides=(2, 2, 1, 1)),
)
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="batch.image")))
metric_fn_v = segmentation_metrics()
