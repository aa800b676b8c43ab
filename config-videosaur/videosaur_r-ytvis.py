"""VideoSAUR on YTVIS (HQ), 7 learned slots, as the RandSF.Q v3 code trains it (the recipe of its
results table): slots of 64, per-slot learned queries, bi-level slot attention with 3 iterations
on every frame, a Transformer predictor, the SlotMixer decoder, the temporal similarity at
temperature 1. The root of the video configs: the other methods' ``_r-ytvis`` configs name this
one in ``_base_`` and change the model."""

import torch

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import YTVIS
from object_centric_bench.learn.loss_video import TemporalSimilarityLoss
from object_centric_bench.model.decoder_slotmixer import SlotMixerDecoder
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.predictor import TransformerPredictor
from object_centric_bench.model.projection import EncoderProjection
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.videosaur import VideoSAUR
from object_centric_bench.presets import common

num_slots = 7
slot_dim = 64
feature_dim = 384  # DINOv2 ViT-S/14 channels
num_tokens = 256  # 16 x 16 patches at 224 px
size = 256
chunk_len = 5
lr = 5e-5
warmup_steps = 2500
total_steps = 50000
val_interval = 5000
batch_size_train = 8
batch_size_val = 8  # as the reference: on MOVi the batch sets the slot count (boxes padded per batch)
num_workers = 4
precision = "amp"  # fp16 with gradient scaling on CUDA (as the reference trains), bf16 on a CPU

dataset_t = dict(type=YTVIS, data_file="ytvis/train.lmdb", split="train", size=ref("size"), chunk_len=ref("chunk_len"))
dataset_v = dict(type=YTVIS, data_file="ytvis/val.lmdb", split="val", size=ref("size"))
model = dict(
    type=VideoSAUR,
    backbone=common.dinov2(registers=False, final_norm=True),
    projection=dict(type=EncoderProjection, in_dim=ref("feature_dim"), hidden_dim=2 * ref("feature_dim"),
                    out_dim=ref("slot_dim"), zero_bias=True),
    initializer=dict(type=GaussianInitializer, num_slots=ref("num_slots"), slot_dim=ref("slot_dim"), per_slot=True),
    aggregator=dict(type=SlotAttention, in_dim=ref("slot_dim"), slot_dim=ref("slot_dim"), truncate="bi-level",
                    activation="gelu", eps=1e-5, zero_bias=True),
    predictor=dict(type=TransformerPredictor, slot_dim=ref("slot_dim"), mlp_hidden_dim=4 * ref("slot_dim"),
                   activation="gelu", bias=False, dropout=0.1),
    decoder=dict(type=SlotMixerDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim") + ref("num_tokens"),
                 num_tokens=ref("num_tokens"), hidden_dims=(1024, 1024, 1024)),
    first_frame_iterations=3,
    iterations=3,
    predict_similarity=True,  # the decoder also renders each token's logits over the next frame's tokens
)
model_imap = dict(video="batch.video")
loss_fn = dict(
    recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")),
    similarity=dict(fn=dict(type=TemporalSimilarityLoss, temperature=1.0),
                    map=dict(logits="output.similarity", feature="output.feature"), weight=0.1),
)
postprocess_v = common.masks_to_segment("output.mask")
metric_fn_v = common.segmentation_metrics()
optimizer, schedules = common.adam_warmup_cosine(ref("lr"), ref("total_steps"), ref("warmup_steps"))
clip_grad_norm = 0.05
