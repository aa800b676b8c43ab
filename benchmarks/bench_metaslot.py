"""DINOSAUR + MetaSlot against DINOSAUR + Slot Attention on synthetic images, after the same
number of steps: FG-ARI, mBO and the number of slots kept, on validation sets of exactly k objects.

Trains ``config-metaslot/dinosaur_r-synth.py`` and ``config-dinosaur/dinosaur_r-synth.py`` (each
with its warm-up and cosine schedule fitted to ``--steps``) on ``--train`` generated 64 px images of 1 to 6 sprites,
then scores both on ``--val`` images with exactly k sprites for every k in 1..6. Prints one
Markdown row per config and k. Run:
``python benchmarks/bench_metaslot.py [--steps 1500] [--seed 0] [--models sa metaslot]``.
"""

import argparse
import os
import tempfile
import time

from object_centric_bench.config import load_config, resolve_config
from object_centric_bench.datum import synth
from object_centric_bench.datum.catalog import StandardImages
from object_centric_bench.engine import KNOWN_KEYS, Engine

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {
    "sa": ("DINOSAUR + Slot Attention", os.path.join(ROOT, "config-dinosaur", "dinosaur_r-synth.py")),
    "metaslot": ("DINOSAUR + MetaSlot", os.path.join(ROOT, "config-metaslot", "dinosaur_r-synth.py")),
}
MAX_OBJECTS = 6
SCENES = dict(kind="image", resolution=64, difficulty="flat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--val", type=int, default=64)
    parser.add_argument("--models", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        synth.generate_split(tmp, "train", args.train, max_objects=MAX_OBJECTS, progress=False, **SCENES)
        synth.generate_split(tmp, "val", args.val, max_objects=MAX_OBJECTS, progress=False, **SCENES)
        for k in range(1, MAX_OBJECTS + 1):
            synth.generate_split(tmp, f"val{k}", args.val, min_objects=k, max_objects=k, progress=False, **SCENES)
        print("| model | objects | FG-ARI | mBO | slots kept | train s |")
        print("|---|---|---|---|---|---|")
        for name, config in (CONFIGS[model] for model in args.models):
            raw = load_config(config)
            raw.update(total_steps=args.steps, val_interval=args.steps, visualize=None)
            cfg = resolve_config(raw, KNOWN_KEYS)
            engine = Engine(cfg, run_dir=os.path.join(tmp, name), device="cpu", seed=args.seed, data_dir=tmp)
            start = time.perf_counter()
            engine.fit(resume=None)
            seconds = time.perf_counter() - start
            for k in range(1, MAX_OBJECTS + 1):
                engine.dataset_v = StandardImages(os.path.join(tmp, f"val{k}.lmdb"), split="val", size=64)
                metric = engine.validate()["metric"]
                kept = f"{metric['active_slots']:.2f}" if "active_slots" in metric else f"{raw['num_slots']} (all)"
                print(f"| {name} | {k} | {metric['ari_fg']:.3f} | {metric['mbo']:.3f} | {kept} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
