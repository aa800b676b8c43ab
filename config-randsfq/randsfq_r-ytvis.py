"""RandSF.Q on YTVIS (HQ), 7 learned slots: the projection keeps the feature width, a transit over
random slot / feature pairs inside the training window (the chunk length) replaces the predictor,
one slot-attention iteration after frame 0, the DIAS decoder, the slot-slot contrast as the second
loss, and DINOv2 with registers (its last block's output without the final norm)."""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.learn.loss_video import SlotContrastLoss
from object_centric_bench.model.decoder_dias import PartiallyVisibleDecoder
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.projection import EncoderProjection
from object_centric_bench.model.randsfq import RandSFQ
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.transit import RandomSlotFeatureTransit
from object_centric_bench.presets import common

_base_ = "../config-videosaur/videosaur_r-ytvis.py"

slot_dim = 256
lr = 5e-5
model = dict(
    type=RandSFQ,
    backbone=common.dinov2(registers=True, final_norm=False),
    projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=ref("feature_dim"),
                    out_dim=ref("feature_dim"), zero_bias=True),
    initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim"), per_slot=False,
                     log_std_init=0.0),
    aggregator=dict(type=SlotAttention, in_dim=ref("feature_dim"), slot_dim=ref("slot_dim"), activation="gelu", eps=1e-5,
                    zero_bias=True),
    transit=dict(type=RandomSlotFeatureTransit, slot_dim=ref("slot_dim"), feature_dim=ref("feature_dim"),
                 window=ref("chunk_len")),
    decoder=dict(type=PartiallyVisibleDecoder, slot_dim=ref("slot_dim"), feature_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), dim=ref("feature_dim"), num_layers=4, out_dim=ref("feature_dim")),
    first_frame_iterations=3,
    iterations=1,
    predict_similarity=False,
)
loss_fn = replace(dict(
    recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")),
    contrast=dict(fn=dict(type=SlotContrastLoss, temperature=0.1), map=dict(slots="output.slots"), weight=0.5),
))
