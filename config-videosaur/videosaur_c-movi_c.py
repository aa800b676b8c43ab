"""VideoSAUR on MOVi-C, 11 slots conditioned on first-frame boxes (up to 10 objects + background),
with the broadcast MLP decoder and the similarity temperature 0.075."""

from object_centric_bench.config import ref
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder

_base_ = ["videosaur_r-ytvis.py", "../config-base/movi_c.py", "../config-base/boxes.py"]

model = dict(decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim") + ref("num_tokens"),
                          num_tokens=ref("num_tokens"), hidden_dims=(1024, 1024, 1024)))
loss_fn = dict(similarity=dict(fn=dict(temperature=0.075)))
