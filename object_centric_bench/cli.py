"""Argument handling shared by ``train.py`` and ``eval.py``."""

import argparse
import functools
import os
import sys

from .checkpoint import CheckpointError, load_checkpoint
from .config import ConfigError, apply_overrides, dump_config, load_config, resolve_config, with_defaults
from .datum.lmdb_io import CorruptFileError, RecordError
from .engine import KNOWN_KEYS
from .pack import PackPathError
from .reference_checkpoint import ReferenceCheckpointError

HELP_EXAMPLE = ("num_slots=8", "batch_size_train=16", "lr=0.0001")  # of every shipped config (num_slots: with slots)
USER_ERRORS = (ConfigError, PackPathError, FileNotFoundError, FloatingPointError, RecordError, CorruptFileError, CheckpointError,
               ReferenceCheckpointError)


def add_common_arguments(parser):
    parser.add_argument("--cfg_file", "--cfg-file", dest="cfg_file", help="experiment config (a Python file)")
    parser.add_argument("--data_dir", "--data-dir", dest="data_dir", help="root of the datasets (overrides data_dir)")
    parser.add_argument("--cfg-options", "--cfg_options", dest="cfg_options", nargs="+", default=[],
                        metavar="KEY=VALUE", help=f"override config values by dotted path, e.g. {' '.join(HELP_EXAMPLE)}")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: CUDA when available)")
    parser.add_argument("--print-config", "--print_config", dest="print_config", action="store_true",
                        help="print the resolved config (knobs applied, constructor defaults filled in) and exit")
    return parser


def resolved_text(cfg):
    """The resolved config as a config file, every constructor default written out: what
    ``--print-config`` prints; executed as a config it builds the same model."""
    return dump_config(with_defaults(cfg))


def parser(description):
    return add_common_arguments(argparse.ArgumentParser(description=description))


def load_with_overrides(path, options):
    return with_overrides(load_config(path), options)


def with_overrides(cfg, options):
    """``cfg`` with the ``--cfg-options`` applied, then resolved (``resolve_config``); known
    top-level keys may be new, and a knob is set by its own name (``num_slots=9``).

    An overridden ``optimizer.lr`` is followed by the schedules that set the learning rate every
    step: a schedule whose ``fn.base`` was that rate is rescaled (``base`` and ``final`` alike);
    any other schedule of the rate makes the override an error naming the key to set instead.
    """
    keys = [option.split("=", 1)[0].strip() for option in options or []]
    before = resolve_config(cfg, KNOWN_KEYS) if "optimizer.lr" in keys else None  # new containers: the overrides leave it
    apply_overrides(cfg, options, new_top_level=KNOWN_KEYS)
    cfg = resolve_config(cfg, KNOWN_KEYS)
    if before is None:
        return cfg
    old_lr = before["optimizer"].get("lr") if isinstance(before.get("optimizer"), dict) else None
    new_lr = cfg["optimizer"]["lr"]
    for i, entry in enumerate(cfg.get("schedules") or []):
        if not (isinstance(entry, dict) and entry.get("target") == "optimizer.lr"):
            continue
        fn = entry.get("fn")
        if any(key.startswith(f"schedules.{i}.") for key in keys):
            continue  # the schedule was set explicitly too
        if not (isinstance(fn, dict) and isinstance(old_lr, (int, float)) and old_lr > 0 and fn.get("base") == old_lr):
            raise ConfigError(
                f"override 'optimizer.lr' would be replaced every step by schedules.{i}, which sets the "
                f"learning rate; set schedules.{i}.fn instead"
            )
        if isinstance(fn.get("final"), (int, float)):
            fn["final"] = fn["final"] * new_lr / old_lr
        fn["base"] = new_lr
    return cfg


def run_directory(save_dir, cfg_file, seed):
    """``<save_dir>/<config folder>/<config stem>/<seed>``: the folder name keeps configs that share
    a file name (``config-default/savi_c-synth.py``, ``config-savi/savi_c-synth.py``) apart."""
    path = os.path.abspath(cfg_file)
    folder = os.path.basename(os.path.dirname(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(save_dir, folder, stem, str(seed))


def checkpoint_seed(path):
    """The run seed stored in one of this project's checkpoints (None for foreign files)."""
    state = load_checkpoint(path)
    return state.get("loader", {}).get("seed") if isinstance(state, dict) else None


def stored_config(path):
    """The config source text stored in one of this project's checkpoints; errors name the file."""
    state = load_checkpoint(path)
    config = state.get("config") if isinstance(state, dict) else None
    if not isinstance(config, str):
        raise ConfigError(f"{path} holds no config (train.py did not write it); pass --cfg_file to say how to build its model")
    return config


def friendly_errors(main):
    """Report configuration and input mistakes as one clear line instead of a traceback."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except USER_ERRORS as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)

    return wrapper
