"""VideoSAUR on synthetic sprite videos at CPU scale, with learned (unconditional) slots.

The data, features, slots and schedule of ``config-base/synth_video.py`` (its docstring has the
command that makes the data), with a broadcast MLP decoder of 256 x 2, the similarity
temperature 0.075, and 3 then 2 slot-attention iterations without truncation (the YTVIS / MOVi
configs run 3 bi-level ones on every frame).

Measured on this data (``docs/benchmarks.md``): with learned slots, VideoSAUR's slots stay nearly
identical and its decoder masks uniform for about 5,000 steps (FG-ARI 0.02 at 5,000 steps, 0.28
at 10,000 on whole videos); the box-conditioned ``videosaur_c-synth.py`` binds within 1,000 steps.
"""

from object_centric_bench.config import ref
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder

_base_ = ["videosaur_r-ytvis.py", "../config-base/synth_video.py"]

model = dict(
    aggregator=dict(truncate="none"),
    decoder=dict(type=BroadcastMLPDecoder, slot_dim=ref("slot_dim"), out_dim=ref("feature_dim") + ref("num_tokens"),
                 num_tokens=ref("num_tokens"), hidden_dims=(256, 256)),
    iterations=2,
)
loss_fn = dict(similarity=dict(fn=dict(temperature=0.075)))
