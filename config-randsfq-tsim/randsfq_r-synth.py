"""RandSF.Q-tsim on synthetic sprite videos at CPU scale: the RandSF.Q synthetic config with the
temporal similarity loss (x 0.1, temperature 0.075) in place of the slot contrast. The decoder also
predicts, per token, the logits over the next frame's tokens. Same data: see `randsfq_r-synth.py`.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import video_models

_base_ = "../config-randsfq/randsfq_r-synth.py"

model = dict(predict_similarity=True, decoder=dict(out_dim=ref("feature_dim") + ref("num_tokens")))
loss_fn = replace(dict(recon=video_models.feature_loss(),
                       similarity=video_models.similarity_loss(temperature=0.075, weight=0.1)))
