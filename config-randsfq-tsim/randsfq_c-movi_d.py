"""RandSF.Q-tsim (temporal similarity instead of slot contrast) on MOVi-D, 24 slots conditioned on first-frame boxes (up to 23 objects + background).

The MOVi-C config with MOVi-D data: only the dataset and the box padding (slot count) differ.
"""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import video_models

_base_ = "../config-randsfq/randsfq_c-movi_d.py"

model = dict(predict_similarity=True, decoder=dict(out_dim=ref("feature_dim") + ref("num_tokens")))
loss_fn = replace(dict(recon=video_models.feature_loss(),
                       similarity=video_models.similarity_loss(temperature=0.075, weight=0.1)))
