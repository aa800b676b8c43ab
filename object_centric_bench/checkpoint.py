"""Checkpoints: atomic writing, exact RNG capture, provenance, resuming and partial initialisation."""

import glob
import os
import random
import re
import subprocess
import sys
import warnings

import numpy as np
import torch

from .reference_checkpoint import model_state

STEP_FILE = re.compile(r"step_(\d+)\.pth$")
DIVERGED_SUFFIX = ".diverged"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read, or a run directory none of whose checkpoints can."""


def atomic_save(obj, path):
    """Write ``obj`` with ``torch.save`` so that ``path`` is either the old file or the complete new one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(directory)


def _fsync_dir(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def link_or_copy(src, dst):
    """Make ``dst`` the same content as ``src`` atomically (hard link where possible)."""
    tmp = f"{dst}.tmp-{os.getpid()}"
    try:
        os.link(src, tmp)
    except OSError:
        with open(src, "rb") as fi, open(tmp, "wb") as fo:
            fo.write(fi.read())
            fo.flush()
            os.fsync(fo.fileno())
    os.replace(tmp, dst)
    _fsync_dir(os.path.dirname(os.path.abspath(dst)))


def load_checkpoint(path, map_location="cpu"):
    """Load a checkpoint safely (``weights_only=True``); errors name the file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else "no message"
        raise CheckpointError(f"cannot read checkpoint {path}: {type(e).__name__}: {reason}") from e


def clean_temporaries(ckpt_dir):
    """Remove half-written files left by a killed run (they never replaced a real checkpoint)."""
    for path in glob.glob(os.path.join(ckpt_dir, "*.tmp-*")):
        os.remove(path)


def _by_step(ckpt_dir):
    """The ``.pth`` files of ``ckpt_dir``, newest step first (``last.pth`` and others after)."""
    candidates = []
    for path in glob.glob(os.path.join(ckpt_dir, "*.pth")):
        match = STEP_FILE.search(path)
        candidates.append((int(match.group(1)) if match else -1, path))
    return [path for _, path in sorted(candidates, reverse=True)]


def step_checkpoints(ckpt_dir):
    """The ``step_XXXXXX.pth`` files of ``ckpt_dir``, newest first."""
    return [path for path in _by_step(ckpt_dir) if STEP_FILE.search(path)]


def newest_checkpoint(ckpt_dir):
    """Path of the readable checkpoint with the highest step in ``ckpt_dir``; None when it holds
    none. When it holds checkpoints but none can be read, resuming would silently restart the run
    and overwrite it, so that is a ``CheckpointError``."""
    candidates = _by_step(ckpt_dir)
    for path in candidates:
        try:
            load_checkpoint(path)
        except CheckpointError as e:
            warnings.warn(f"skipping unreadable checkpoint: {e}")
            continue
        return path
    if candidates:
        raise CheckpointError(
            f"none of the {len(candidates)} checkpoint(s) in {ckpt_dir} can be read; pass --resume PATH "
            "to continue from another file, or --no_resume to train this run again from step 0"
        )
    return None


def set_aside(ckpt_dir, step):
    """Rename the checkpoint of ``step`` to ``step_XXXXXX.pth.diverged`` (kept, never resumed)
    and point ``last.pth`` at the newest remaining step, if any."""
    step_path = os.path.join(ckpt_dir, f"step_{step:06d}.pth")
    if os.path.exists(step_path):
        os.replace(step_path, step_path + DIVERGED_SUFFIX)
    remaining = step_checkpoints(ckpt_dir)
    last = os.path.join(ckpt_dir, "last.pth")
    if remaining:
        link_or_copy(remaining[0], last)
    elif os.path.exists(last):
        os.replace(last, last + DIVERGED_SUFFIX)


def prune_checkpoints(ckpt_dir, keep):
    """Keep the ``keep`` newest ``step_*.pth`` files (``last.pth`` is always kept)."""
    for path in step_checkpoints(ckpt_dir)[keep:]:
        os.remove(path)


def rng_state():
    """Every RNG state of this process, as tensors and plain values (``weights_only``-loadable)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
        torch=torch.get_rng_state(),
    )
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state):
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def provenance(dataset_fingerprints=None):
    """Where a run came from: git commit of the code, package versions, dataset fingerprints."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    versions = {"python": sys.version.split()[0], "torch": str(torch.__version__), "numpy": str(np.__version__)}
    for name in ("timm", "cv2", "lmdb", "av"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = str(getattr(module, "__version__", "unknown"))
    status = git("status", "--porcelain")
    return dict(
        git_commit=git("rev-parse", "HEAD"),
        git_dirty=bool(status) if status is not None else None,
        versions=versions,
        datasets=dataset_fingerprints or {},
    )


def parse_init_spec(spec):
    """``"PATH"`` or ``"PATH@src=dst,src2=dst2"`` -> (path, [(src_prefix, dst_prefix), ...])."""
    path, _, mapping = spec.partition("@")
    pairs = []
    for item in filter(None, mapping.split(",")):
        if "=" not in item:
            raise ValueError(f"--ckpt_file {spec}: prefix map entries must look like src_prefix=dst_prefix")
        src, dst = item.split("=", 1)
        pairs.append((src, dst))
    return path, pairs


def init_from_checkpoints(model, specs):
    """Initialise ``model`` from other checkpoints, renaming keys by prefix maps.

    Without a map a file's keys are used as they are (a checkpoint of the RandSF.Q v3 reference
    code is mapped to the model's keys first, see ``reference_checkpoint``); with one, only keys
    starting with a source prefix are used (renamed to the destination prefix). Returns a report of loaded, missing and
    unexpected keys (also printed).
    """
    own = model.state_dict()
    loaded, unexpected = {}, []
    for spec in specs:
        path, pairs = parse_init_spec(spec)
        state = model_state(load_checkpoint(path), model, path)
        for key, value in state.items():
            target = key
            if pairs:
                match = next(((s, d) for s, d in pairs if key.startswith(s)), None)
                if match is None:
                    continue
                target = match[1] + key[len(match[0]):]
            if target not in own:
                unexpected.append(f"{path}:{key}")
            elif own[target].shape != value.shape:
                unexpected.append(f"{path}:{key} (shape {tuple(value.shape)} vs {tuple(own[target].shape)})")
            else:
                loaded[target] = value
    model.load_state_dict(loaded, strict=False)
    missing = [k for k in own if k not in loaded]
    report = dict(loaded=sorted(loaded), missing=missing, unexpected=unexpected)
    print(f"init from {', '.join(specs)}: loaded {len(loaded)} tensors, "
          f"{len(missing)} missing, {len(unexpected)} unexpected")
    for name in ("missing", "unexpected"):
        if report[name]:
            print(f"  {name}: " + ", ".join(report[name][:20]) + (" ..." if len(report[name]) > 20 else ""))
    return report
