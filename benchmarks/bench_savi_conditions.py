"""SAVi's three conditioning signals side by side: boxes, centres of mass and first-frame masks
(``config-savi/savi_{c,com,m}-synth.py``) trained on the same synthetic videos for the same
number of steps, each scored untrained and trained on the same held-out videos.

The default setting is the learning test's (``tests/test_learnability.py``: 600 training videos of
exactly two sprites, 6 frames, 500 steps of the configs' 1,000-step schedule, 32 validation
videos); ``--videos``, ``--val-videos``, ``--frames``, ``--min-objects`` and ``--steps`` change it.
``--val-interval N`` also scores every N steps (the learning curve). Prints one Markdown row per
config and seed. Run:
``python benchmarks/bench_savi_conditions.py [--seeds 0 1 2] [--conditions c com m]``.
"""

import argparse
import json
import os
import tempfile
import time

from object_centric_bench import default_run
from object_centric_bench.config import load_config, resolve_config
from object_centric_bench.datum import synth
from object_centric_bench.engine import KNOWN_KEYS, Engine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRICS = ("ari_fg", "ari", "mbo", "miou", "miou_aligned")


def run(condition: str, seed: int, steps: int, val_interval: int, data_dir: str, run_dir: str) -> tuple[dict, dict, float]:
    """Validation metrics untrained and after ``steps`` steps, and the training time in seconds."""
    config = os.path.join(ROOT, "config-savi", f"savi_{condition}-synth.py")
    cfg = resolve_config(load_config(config), KNOWN_KEYS)  # the schedule keeps the config's length
    cfg.update(total_steps=steps, val_interval=val_interval, visualize=None)
    engine = Engine(cfg, run_dir=run_dir, device="cpu", seed=seed, data_dir=data_dir)
    untrained = engine.validate()["metric"]
    start = time.perf_counter()
    engine.fit(resume=None)
    seconds = time.perf_counter() - start
    return untrained, engine.validate()["metric"], seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conditions", nargs="+", default=["c", "com", "m"], choices=["c", "com", "m"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--val-interval", type=int, default=None)
    parser.add_argument("--videos", type=int, default=600)
    parser.add_argument("--val-videos", type=int, default=32)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--min-objects", type=int, default=2)
    parser.add_argument("--max-objects", type=int, default=2)
    args = parser.parse_args()

    scenes = dict(default_run.SCENES, frames=args.frames, min_objects=args.min_objects, max_objects=args.max_objects)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "data")
        for split, num in (("train", args.videos), ("val", args.val_videos)):
            synth.generate_split(data_dir, split, num, progress=False, **scenes)
        print("| config | seed | FG-ARI untrained | " + " | ".join(METRICS) + " | train s | FG-ARI curve |")
        print("|---" * (len(METRICS) + 5) + "|")
        for condition in args.conditions:
            for seed in args.seeds:
                run_dir = os.path.join(tmp, f"{condition}-{seed}")
                untrained, trained, seconds = run(condition, seed, args.steps, args.val_interval or args.steps,
                                                  data_dir, run_dir)
                scores = " | ".join(f"{trained[name]:.3f}" for name in METRICS)
                with open(os.path.join(run_dir, "metrics.jsonl")) as f:
                    curve = [json.loads(line) for line in f]
                points = ", ".join(f"{r['step']}: {r['metric']['ari_fg']:.3f}" for r in curve if r["split"] == "val")
                print(f"| `savi_{condition}-synth` | {seed} | {untrained['ari_fg']:.3f} | {scores} | {seconds:.0f} | {points} |",
                      flush=True)


if __name__ == "__main__":
    main()
