"""The embedded default learns: a minute of training beats the same model untrained.

The asserted score is the validation reconstruction loss on held-out videos: it falls steadily
from the first steps, whereas the segmentation metrics of this model jump only once slots lock
onto objects, after a number of steps that varies with the data (see the default's curve).
"""

import pytest

from object_centric_bench import default_run
from object_centric_bench.config import load_config
from object_centric_bench.datum import synth
from object_centric_bench.engine import Engine

TRAIN_VIDEOS = 1000
VAL_VIDEOS = 32
STEPS = 500


@pytest.mark.slow
def test_default_model_beats_its_untrained_self_on_a_small_synthetic_set(tmp_path):
    for split, num in (("train", TRAIN_VIDEOS), ("val", VAL_VIDEOS)):
        synth.generate_split(tmp_path / "data", split, num, progress=False, **default_run.SCENES)
    cfg = load_config(default_run.CONFIG_FILE)
    cfg.update(total_steps=STEPS, val_interval=STEPS, visualize=None)
    engine = Engine(cfg, run_dir=str(tmp_path / "run"), device="cpu", seed=0, data_dir=str(tmp_path / "data"))
    untrained = engine.validate()
    engine.fit(resume=None)
    trained = engine.validate()
    assert trained["loss"]["recon"] < 0.85 * untrained["loss"]["recon"], (untrained, trained)
