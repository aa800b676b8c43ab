"""RandSF.Q-tsim on YTVIS (HQ), 7 learned slots: the RandSF.Q config with the temporal similarity loss (x 0.1,
temperature 0.15) in place of the slot contrast. The decoder also predicts, per token, the logits
over the next frame's tokens.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import video_models

_base_ = "../config-randsfq/randsfq_r-ytvis.py"

model = dict(predict_similarity=True, decoder=dict(out_dim=ref("feature_dim") + ref("num_tokens")))
loss_fn = replace(dict(recon=video_models.feature_loss(),
                       similarity=video_models.similarity_loss(temperature=0.15, weight=0.1)))
