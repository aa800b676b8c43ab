"""RandSF.Q-tsim on MOVi-C, 11 slots conditioned on first-frame boxes: the RandSF.Q config with the temporal similarity loss (x 0.1,
temperature 0.075) in place of the slot contrast. The decoder also predicts, per token, the logits
over the next frame's tokens.
"""

import torch

from object_centric_bench.config import ref, replace
from object_centric_bench.learn.loss_video import TemporalSimilarityLoss

_base_ = "../config-randsfq/randsfq_c-movi_c.py"

model = dict(predict_similarity=True, decoder=dict(out_dim=ref("feature_dim") + ref("num_tokens")))
loss_fn = replace(dict(
    recon=dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature")),
    similarity=dict(fn=dict(type=TemporalSimilarityLoss, temperature=1.0),
                    map=dict(logits="output.similarity", feature="output.feature"), weight=0.1),
))
