"""The embedded default experiment: ``python train.py`` with no arguments.

Generates the synthetic videos it trains on into a cache folder on first use (reused afterwards,
regenerated when a split is missing or incomplete) and names the config that trains on them. The
cache root is ``~/.cache/object_centric_bench`` unless the ``OCB_CACHE`` environment variable
names another folder.
"""

import json
import os
from pathlib import Path

from object_centric_bench.datum import synth
from object_centric_bench.datum.lmdb_io import manifest_path

CACHE_ENV = "OCB_CACHE"
CONFIG_FILE = Path(__file__).resolve().parents[1] / "config-default" / "savi_c-synth.py"
SCENES = dict(kind="video", resolution=32, frames=12, max_objects=4, difficulty="flat")
SPLIT_SIZES = dict(train=5000, val=96)
SEED = 0


def cache_root() -> Path:
    """``$OCB_CACHE`` when set, else ``~/.cache/object_centric_bench``."""
    root = os.environ.get(CACHE_ENV)
    return Path(root).expanduser() if root else Path.home() / ".cache" / "object_centric_bench"


def data_dir(root: Path | None = None) -> Path:
    """The folder of this default's splits; its name spells out the generator's parameters, so a
    change of parameters never reuses stale data."""
    s = SCENES
    name = f"synth-{s['kind']}-{s['resolution']}px-{s['frames']}f-{s['max_objects']}obj-{s['difficulty']}-seed{SEED}"
    return (root if root is not None else cache_root()) / name


def split_is_complete(folder: Path, split: str, num: int) -> bool:
    """True when ``split.lmdb`` exists and its manifest records ``num`` samples."""
    path = folder / f"{split}.lmdb"
    try:
        manifest = json.loads(manifest_path(path).read_text())
    except (OSError, ValueError):
        return False
    return path.exists() and manifest.get("num_samples") == num


def prepare(root: Path | None = None, progress: bool = True) -> tuple[Path, Path]:
    """Generate the missing or incomplete splits; returns (config file, data folder)."""
    folder = data_dir(root)
    for split, num in SPLIT_SIZES.items():
        if not split_is_complete(folder, split, num):
            if progress:
                print(f"generating {num} synthetic {split} videos into {folder} (first use only)")
            synth.generate_split(folder, split, num, seed=SEED, overwrite=True, progress=progress, **SCENES)
    return CONFIG_FILE, folder


METRIC_NAMES = (("ari", "ARI"), ("ari_fg", "FG-ARI"), ("mbo", "mBO"), ("miou", "mIoU"))


def report(run_dir) -> str:
    """The final validation metrics of a finished run and where its newest picture is, as text."""
    run_dir = Path(run_dir)
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]
    last = [r for r in records if r.get("split") == "val"][-1]
    frames = SCENES["frames"]
    lines = [f"validation after {last['step']} steps ({last['num_samples']} whole {frames}-frame videos, each scored as one video):"]
    lines += [f"  {label:<7}{last['metric'][name]:.3f}" for name, label in METRIC_NAMES]
    pictures = sorted((run_dir / "viz").glob("*.png"))
    if pictures:
        lines.append(f"predicted slot masks next to the ground truth: {pictures[-1]}")
    return "\n".join(lines)
