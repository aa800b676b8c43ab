"""SlotContrast on YTVIS (HQ), 7 learned slots: the VideoSAUR config with the broadcast MLP decoder
(2048 x 3, GELU) reconstructing features only, and the slot-slot contrast with batch contrast in
place of the temporal similarity."""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.learn.loss_video import SlotContrastLoss
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder

_base_ = "../config-videosaur/videosaur_r-ytvis.py"

model = dict(
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim"),
                 num_tokens=ref("num_tokens"), hidden_dims=(2048, 2048, 2048), activation="gelu", position_std=1.0),
    predict_similarity=False,
)
loss_fn = replace(dict(
    recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")),
    contrast=dict(fn=dict(type=SlotContrastLoss, temperature=0.1), map=dict(slots="output.slots"), weight=0.5),
))
