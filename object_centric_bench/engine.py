"""The training and validation engine: build an experiment from a config, train it, score it.

The loop itself is ``Engine.train_step``: forward, post-process, losses, backward, clip, step.
Everything else (what the model reads, which losses and metrics run on which outputs) comes from
the config through pack paths.
"""

import contextlib
import json
import math
import os
import random
import time
import warnings

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from . import checkpoint as ckpt
from . import distributed as distrib
from .config import KNOBS_KEY, ConfigError, build, config_differences, dump_config, iter_values, require, resolve_config
from .datum.collate import CountSkipped, PadObjectsCollate
from .datum.lmdb_io import read_manifest
from .datum.sampler import TrainSampler, ValSampler, worker_init_fn
from .learn.optim import Schedules, freeze_by_pattern, param_groups
from .pack import Pack, bind_all
from .reference_checkpoint import model_state

KNOWN_KEYS = {
    "total_steps", "val_interval", "ckpt_interval", "ckpt_keep", "log_interval",
    "batch_size_train", "batch_size_val", "num_workers", "precision", "seed", "data_dir",
    "dataset_t", "dataset_v", "collate_fn", "model", "model_imap", "postprocess_t",
    "postprocess_v", "loss_fn", "metric_fn_t", "metric_fn_v", "optimizer", "param_groups",
    "freeze", "schedules", "clip_grad_norm", "visualize", "find_unused_parameters", KNOBS_KEY,
}
# Arguments that, wherever they appear in the two dataset nodes, must take the same values: a model
# trained on one slot count or resolution and validated on another reports numbers of neither.
SHARED_DATASET_ARGS = ("size", "num_objects")
PRECISIONS = ("fp32", "bf16", "fp16", "amp")  # amp: see amp_precision
# How long a run trains and how often it logs, validates and saves: a checkpoint whose config differs
# only in these continues the same experiment, so automatic resume does not compare them.
BOOKKEEPING_KEYS = {"total_steps", "val_interval", "ckpt_interval", "ckpt_keep", "log_interval", "num_workers"}


# The smallest value of each engine-level count; val_interval and ckpt_interval may also be None.
MINIMUM_COUNTS = {
    "total_steps": 1, "val_interval": 1, "ckpt_interval": 1, "ckpt_keep": 1, "log_interval": 1,
    "batch_size_train": 1, "batch_size_val": 1, "num_workers": 0,
}
OPTIONAL_COUNTS = {"val_interval", "ckpt_interval"}


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def amp_precision(device) -> str:
    """What ``precision="amp"`` means on ``device``: fp16 with gradient scaling on CUDA; on a CPU
    bf16 where it has native bf16 arithmetic (AVX-512 BF16 or AMX), else fp32, since emulated bf16
    runs several times slower than fp32 (8x on the embedded default on an AMD EPYC with AVX2)."""
    if device.type == "cuda":
        return "fp16"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def cpu_has_native_bf16() -> bool:
    """Whether oneDNN reports native bf16 arithmetic on this CPU."""
    try:
        return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a build without oneDNN's query
        return False


def check_config_keys(cfg):
    """Refuse engine-level values of the wrong kind or range, each named by its key, before
    anything is built (``resolve_config`` has refused unknown names)."""
    precision = cfg.get("precision", "fp32")
    if precision not in PRECISIONS:
        raise ConfigError(f"config key 'precision' must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    for key, minimum in MINIMUM_COUNTS.items():
        value = cfg.get(key)
        if key not in cfg or (value is None and key in OPTIONAL_COUNTS):
            continue
        if not _is_integer(value) or value < minimum:
            allowed = f"an integer >= {minimum}" + (" or None" if key in OPTIONAL_COUNTS else "")
            raise ConfigError(f"config key '{key}' must be {allowed}, got {value!r}")
    if "seed" in cfg and not _is_integer(cfg["seed"]):
        raise ConfigError(f"config key 'seed' must be an integer, got {cfg['seed']!r}")
    clip = cfg.get("clip_grad_norm")
    if clip is not None and (not isinstance(clip, (int, float)) or isinstance(clip, bool) or not clip > 0):
        raise ConfigError(f"config key 'clip_grad_norm' must be a number > 0 or None, got {clip!r}")
    if not isinstance(cfg.get("find_unused_parameters", False), bool):
        raise ConfigError(
            f"config key 'find_unused_parameters' must be True or False, got {cfg['find_unused_parameters']!r}"
        )


def check_shared_values(cfg):
    """Refuse datasets whose training and validation nodes disagree on a ``SHARED_DATASET_ARGS``
    value (set one knob, not one of the two nodes)."""
    if not all(isinstance(cfg.get(key), dict) for key in ("dataset_t", "dataset_v")):
        return
    for name in SHARED_DATASET_ARGS:
        train, val = (sorted({repr(node[name]) for node in iter_values(cfg[key])
                              if isinstance(node, dict) and "type" in node and name in node})
                      for key in ("dataset_t", "dataset_v"))
        if train and val and train != val:
            raise ConfigError(
                f"dataset_t and dataset_v disagree on '{name}' ({', '.join(train)} against {', '.join(val)}): "
                "training and validation must share it; set the knob both read"
            )


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def to_device(value, device):
    if torch.is_tensor(value):
        return value.to(device, non_blocking=True)
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_device(v, device) for v in value)
    return value


def _float32(value):
    """Losses and metrics run in float32, whatever the autocast dtype of the forward was."""
    if torch.is_tensor(value) and value.is_floating_point() and value.dtype != torch.float64:
        return value.float()
    return value


def resolve_data_file(node, data_dir, path):
    """Join a dataset node's relative ``data_file`` to ``data_dir``."""
    if not isinstance(node, dict) or "type" not in node:
        raise ConfigError(f"{path} must be a dataset node dict(type=..., data_file=...)")
    node = dict(node)
    data_file = node.get("data_file")
    if isinstance(data_file, str) and not os.path.isabs(data_file):
        node["data_file"] = os.path.join(data_dir, data_file)
    return node


def read_fingerprint(data_file):
    """The content fingerprint from the dataset's manifest (None for files without one)."""
    manifest = read_manifest(data_file)
    return manifest.get("fingerprint") if manifest else None


def protocol_of(obj):
    method = getattr(obj, "protocol", None)
    return method() if callable(method) else None


class Engine:
    """One experiment: the built config, the model, data, losses, metrics and optimiser state."""

    def __init__(self, cfg, run_dir=None, device=None, seed=None, data_dir=None, train=True):
        cfg = resolve_config(cfg, KNOWN_KEYS)
        check_config_keys(cfg)
        check_shared_values(cfg)
        self.info = distrib.setup(device)
        self.device = self.info.device
        self.seed = int(seed if seed is not None else cfg.get("seed", 0))
        self.precision = cfg.get("precision", "fp32")
        if self.precision == "amp":
            self.precision = amp_precision(self.device)
        if self.precision == "fp16" and self.device.type != "cuda":
            raise ConfigError("config key 'precision' is fp16, which needs CUDA; use bf16 or fp32 on a CPU")
        if self.precision == "bf16" and self.device.type == "cpu" and not cpu_has_native_bf16():
            warnings.warn("precision is bf16, which this CPU only emulates (several times slower than fp32); "
                          "precision=amp picks fp32 here and bf16 where the CPU has it", stacklevel=2)
        self.data_dir = os.path.abspath(data_dir if data_dir is not None else cfg.get("data_dir", "data"))
        self.cfg = dict(cfg, data_dir=self.data_dir)  # the written config says where the data was
        self.run_dir = run_dir
        self.step = 0
        self._saved_step = None  # the step of the checkpoint this process wrote last
        seed_everything(self.seed)

        self.model = build(require(cfg, "model", dict), "model").to(self.device)
        self.model_imap = dict(require(cfg, "model_imap", dict))
        self.frozen = freeze_by_pattern(self.model, cfg.get("freeze", []))
        self.post_t = build(cfg.get("postprocess_t", []), "postprocess_t")
        self.post_v = build(cfg.get("postprocess_v", []), "postprocess_v")
        self.losses = bind_all(build(require(cfg, "loss_fn", dict), "loss_fn"), "loss_fn")
        self.metrics_t = bind_all(build(cfg.get("metric_fn_t", {}), "metric_fn_t"), "metric_fn_t")
        self.metrics_v = bind_all(build(cfg.get("metric_fn_v", {}), "metric_fn_v"), "metric_fn_v")
        visualize = bind_all({"visualize": build(cfg["visualize"], "visualize")}, "config") if cfg.get("visualize") else {}
        self.visualize = visualize.get("visualize")
        self.collate = build(cfg["collate_fn"], "collate_fn") if "collate_fn" in cfg else PadObjectsCollate()
        self.batch_size_val = require(cfg, "batch_size_val", int)
        self.dataset_v_file = None
        self.dataset_v = self._build_dataset("dataset_v")
        if train:
            self.total_steps = require(cfg, "total_steps", int)
            self.batch_size_train = require(cfg, "batch_size_train", int)
            self.val_interval = cfg.get("val_interval") or self.total_steps
            self.ckpt_interval = cfg.get("ckpt_interval") or self.val_interval
            self.log_interval = cfg.get("log_interval", 10)
            self.clip_grad_norm = cfg.get("clip_grad_norm")
            self.dataset_t = self._build_dataset("dataset_t")
            groups = param_groups(self.model, cfg.get("param_groups", []))
            self.optimizer = build(require(cfg, "optimizer", dict), "optimizer", params=groups)
            self.schedules = Schedules(build(cfg.get("schedules", []), "schedules"))
            self.schedules.check(self.model)
            self.scaler = torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")
        self.net = self.model
        if self.info.enabled and any(p.requires_grad for p in self.model.parameters()):
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(
                self.model, device_ids=ids, find_unused_parameters=cfg.get("find_unused_parameters", False))
        self._paths_checked = False

    # ----------------------------------------------------------------- building
    def _build_dataset(self, key):
        node = resolve_data_file(require(self.cfg, key, dict), self.data_dir, key)
        dataset = build(node, key)
        if key == "dataset_v":
            self.dataset_v_file = node.get("data_file")
            if hasattr(dataset, "replace_skipped"):
                dataset.replace_skipped = False  # a skipped sample is counted, never scored twice
        return dataset

    def autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def _loader(self, dataset, batch_sampler, collate_fn):
        workers = self.cfg.get("num_workers", 0)
        generator = torch.Generator().manual_seed(self.seed * 1000 + self.info.rank)
        return torch.utils.data.DataLoader(
            dataset, batch_sampler=batch_sampler, num_workers=workers, collate_fn=collate_fn,
            worker_init_fn=worker_init_fn if workers else None, generator=generator,
            pin_memory=self.device.type == "cuda", persistent_workers=False,
        )

    def train_loader(self):
        """An endless loader that continues exactly where step ``self.step`` left it."""
        sampler = TrainSampler(
            len(self.dataset_t), seed=self.seed, shuffle=True, rank=self.info.rank,
            world_size=self.info.world_size, start=self.step * self.batch_size_train,
        )
        batches = torch.utils.data.BatchSampler(sampler, self.batch_size_train, drop_last=True)
        return self._loader(self.dataset_t, batches, self.collate)

    def val_loader(self):
        sampler = ValSampler(len(self.dataset_v), rank=self.info.rank, world_size=self.info.world_size)
        batches = torch.utils.data.BatchSampler(sampler, self.batch_size_val, drop_last=False)
        return self._loader(self.dataset_v, batches, CountSkipped(self.collate))

    # ----------------------------------------------------------------- one step
    def forward(self, batch, steps):
        pack = Pack(batch)
        with self.autocast():
            output = self.net(**pack.gather(self.model_imap))
            if not isinstance(output, dict):
                raise TypeError(f"{type(self.model).__name__}.forward must return a dict, got {type(output).__name__}")
            pack.output = output
            for step in steps:
                step(pack)
        return pack

    def compute(self, pack, bound, target):
        for name, item in bound.items():
            kwargs = {k: _float32(v) for k, v in pack.gather(item.map).items()}
            target[name] = item.fn(**kwargs)

    def check_paths(self, pack):
        """On the first step: every declared path of validation must exist too (fail now, not later)."""
        probe = Pack(pack.batch)
        probe.output = dict(pack.output)
        with torch.no_grad():
            for step in self.post_v:
                step(probe)
            for item in self.metrics_v.values():
                probe.gather(item.map)
        self._paths_checked = True

    def train_step(self, batch):
        pack = self.forward(batch, self.post_t)
        if not self._paths_checked:
            self.check_paths(pack)
        self.compute(pack, self.losses, pack.loss)
        total = sum(self.losses[n].weight * v for n, v in pack.loss.items())
        if not torch.isfinite(total):
            values = ", ".join(f"{n}={v.item():.4g}" for n, v in pack.loss.items())
            raise FloatingPointError(f"non-finite loss at step {self.step + 1} ({values}). {self._diverged()}")
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        if self.clip_grad_norm:
            self.scaler.unscale_(self.optimizer)
            params = [p for g in self.optimizer.param_groups for p in g["params"]]
            torch.nn.utils.clip_grad_norm_(params, self.clip_grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        with torch.no_grad():
            self.compute(pack, self.metrics_t, pack.metric)
        return total.detach(), pack

    def _diverged(self):
        """After a non-finite loss or weights: set aside the checkpoint this process saved of the
        weights that produced them, and say which checkpoint to resume from instead."""
        if self.run_dir is None:
            return "No checkpoints are written without a run directory."
        ckpt_dir = os.path.join(self.run_dir, "ckpt")
        note, diverged = "", f"step_{self.step:06d}.pth"
        if self._saved_step == self.step and os.path.exists(os.path.join(ckpt_dir, diverged)):
            note = f"The checkpoint of step {self.step} holds those weights; it is kept as {diverged}{ckpt.DIVERGED_SUFFIX}. "
            if self.info.is_main:
                ckpt.set_aside(ckpt_dir, self.step)
        good = next((p for p in ckpt.step_checkpoints(ckpt_dir) if os.path.basename(p) != diverged), None)
        advice = "a lower learning rate, stronger gradient clipping or another precision"
        if good is None:
            return f"{note}No finite checkpoint is left; train again with {advice}."
        return f"{note}Resume from {good} (the newest finite checkpoint) with {advice}."

    # ----------------------------------------------------------------- training
    def fit(self, resume=None, init_ckpts=()):
        """Train to ``total_steps``; ``resume`` is a checkpoint path, ``"auto"`` or None.

        ``"auto"`` continues from the newest checkpoint of the run directory and refuses one that
        another config wrote; an explicit path is continued from whatever config wrote it.
        """
        ckpt_dir = os.path.join(self.run_dir, "ckpt")
        if self.info.is_main:
            os.makedirs(ckpt_dir, exist_ok=True)
            ckpt.clean_temporaries(ckpt_dir)
        if init_ckpts:
            ckpt.init_from_checkpoints(self.model, init_ckpts)
        path = ckpt.newest_checkpoint(ckpt_dir) if resume == "auto" else resume
        if path:
            self.load(path, refuse_other_config=resume == "auto")
        if self.info.is_main:
            config_file = os.path.join(self.run_dir, "config.py")
            with open(config_file, "w") as f:
                f.write(dump_config(self.cfg))
            tqdm.write(f"resolved config written to {config_file}")
            self._trim_log()
        self.writer = self._tensorboard()
        # the bar closes on errors too, so that an error message starts a line of its own
        with tqdm(total=self.total_steps, initial=self.step, disable=not self.info.is_main,
                  dynamic_ncols=True, mininterval=1.0, desc="train") as bar:
            self.net.train()
            batches = iter(self.train_loader())
            while self.step < self.total_steps:
                scheduled = self.schedules.apply(self.step, self.model, self.optimizer)
                batch = to_device(next(batches), self.device)
                loss, pack = self.train_step(batch)
                self.step += 1
                bar.update(1)
                if self.step % self.log_interval == 0 or self.step == self.total_steps:
                    record = dict(loss=loss.item(), **{n: v.item() for n, v in pack.loss.items()}, **scheduled)
                    record.update({n: float(np.nanmean(v.double().cpu().numpy())) for n, v in pack.metric.items()})
                    bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k in ("loss", "optimizer.lr")}, refresh=False)
                    self.log(dict(split="train", step=self.step, **record))
                if self.step % self.val_interval == 0 or self.step == self.total_steps:
                    self.log_validation(self.validate())
                if self.step % self.ckpt_interval == 0 or self.step == self.total_steps:
                    self.save(ckpt_dir)
        if self.writer:
            self.writer.close()
        return self.step

    def _tensorboard(self):
        if not self.info.is_main or self.run_dir is None:
            return None
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            return None
        return SummaryWriter(os.path.join(self.run_dir, "tb"))

    def _trim_log(self):
        """Keep the log's records up to the step training continues from, so that after a kill and
        resume (or a fresh start over an old run) each step is logged once; a line the kill cut
        short is dropped."""
        path = os.path.join(self.run_dir, "metrics.jsonl")
        if not os.path.exists(path):
            return
        kept = []
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if record.get("step", 0) <= self.step:
                    kept.append(json.dumps(record) + "\n")
        with open(path + ".tmp", "w") as f:
            f.writelines(kept)
        os.replace(path + ".tmp", path)

    def log(self, record):
        if not self.info.is_main or self.run_dir is None:
            return
        with open(os.path.join(self.run_dir, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
        if getattr(self, "writer", None):
            for key, value in record.items():
                if isinstance(value, float):
                    self.writer.add_scalar(f"{record['split']}/{key}", value, record["step"])

    def log_validation(self, result):
        if self.info.is_main:
            shown = "  ".join(f"{k}={v:.4f}" for k, v in result["metric"].items())
            tqdm.write(f"step {self.step}: val {shown}")
        self.log(dict(split="val", step=self.step, **result))

    # ----------------------------------------------------------------- validation
    @torch.no_grad()
    def validate(self):
        """Score the validation split; every sample once across ranks; mean over valid samples."""
        was_training = self.net.training
        self.net.eval()
        names = list(self.metrics_v) + [f"loss.{n}" for n in self.losses]
        sums = torch.zeros(len(names), dtype=torch.float64, device=self.device)
        counts = torch.zeros(len(names) + 2, dtype=torch.float64, device=self.device)  # + samples, skipped
        start = time.time()
        visualized = False
        for batch, skipped in self.val_loader():
            counts[-1] += skipped
            if batch is None:
                continue
            batch = to_device(batch, self.device)
            pack = self.forward(batch, self.post_v)
            self.compute(pack, self.metrics_v, pack.metric)
            self.compute(pack, self.losses, pack.loss)
            size = len(next(iter(pack.batch.values())))
            for j, name in enumerate(self.metrics_v):
                values = pack.metric[name].double().reshape(-1)
                valid = ~torch.isnan(values)
                sums[j] += values[valid].sum()
                counts[j] += valid.sum()
            for j, name in enumerate(self.losses, start=len(self.metrics_v)):
                sums[j] += pack.loss[name].double() * size
                counts[j] += size
            counts[-2] += size
            if not visualized and self.visualize is not None and self.info.is_main and self.run_dir:
                visualized = True
                out = os.path.join(self.run_dir, "viz", f"step_{self.step:06d}.png")
                os.makedirs(os.path.dirname(out), exist_ok=True)
                self.visualize.fn(**pack.gather(self.visualize.map), path=out, step=self.step, metric=dict(pack.metric))
        distrib.all_reduce_sum(sums, self.info)
        distrib.all_reduce_sum(counts, self.info)
        means = (sums / counts[:-2].clamp(min=1)).tolist()
        metric = {n: (means[j] if counts[j] > 0 else float("nan")) for j, n in enumerate(self.metrics_v)}
        loss = {n[5:]: means[j] for j, n in enumerate(names) if n.startswith("loss.")}
        if was_training:
            self.net.train()
        num_skipped = int(counts[-1].item())
        return dict(
            metric=metric, loss=loss, num_samples=int(counts[-2].item()), num_skipped=num_skipped,
            num_valid={n: int(counts[j].item()) for j, n in enumerate(self.metrics_v)},
            seconds=time.time() - start, protocol=dict(self.protocol(), num_skipped=num_skipped),
        )

    def protocol(self):
        """How the numbers were computed (the README's "The evaluation protocol")."""
        return dict(
            split=self.dataset_v_file,
            dataset=protocol_of(self.dataset_v),
            dataset_fingerprint=read_fingerprint(self.dataset_v_file) if self.dataset_v_file else None,
            metrics={n: protocol_of(b.fn) for n, b in self.metrics_v.items()},
            postprocess=[protocol_of(s) or type(s).__name__ for s in self.post_v],
            precision=self.precision, seed=self.seed, step=self.step,
        )

    # ----------------------------------------------------------------- checkpoints
    def state(self):
        return dict(
            model=self.model.state_dict(), optimizer=self.optimizer.state_dict(),
            scaler=self.scaler.state_dict(), step=self.step,
            loader=dict(consumed_per_rank=self.step * self.batch_size_train, world_size=self.info.world_size,
                        seed=self.seed),
            config=dump_config(self.cfg),
        )

    def save(self, ckpt_dir):
        if not all(torch.isfinite(t).all() for t in self.model.state_dict().values() if t.is_floating_point()):
            raise FloatingPointError(f"non-finite weights after step {self.step}; they were not saved. {self._diverged()}")
        rngs = distrib.all_gather_object(ckpt.rng_state(), self.info)
        if self.info.is_main:
            fingerprints = {}
            for key in ("dataset_t", "dataset_v"):
                data_file = resolve_data_file(self.cfg[key], self.data_dir, key).get("data_file")
                if isinstance(data_file, str):
                    fingerprints[key] = read_fingerprint(data_file)
            state = dict(self.state(), rng=rngs, provenance=ckpt.provenance(fingerprints))
            step_path = os.path.join(ckpt_dir, f"step_{self.step:06d}.pth")
            ckpt.atomic_save(state, step_path)
            ckpt.link_or_copy(step_path, os.path.join(ckpt_dir, "last.pth"))
            ckpt.prune_checkpoints(ckpt_dir, self.cfg.get("ckpt_keep", 3))
        self._saved_step = self.step
        distrib.barrier(self.info)

    def load(self, path, refuse_other_config=False):
        """Continue the run stored at ``path`` (model, optimiser, scaler, step, RNG, loader position)."""
        state = ckpt.load_checkpoint(path, map_location=self.device)
        self.compare_config(path, state.get("config"), refuse=refuse_other_config)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.step = int(state["step"])
        rngs = state.get("rng", [])
        if state["loader"]["world_size"] != self.info.world_size:
            raise RuntimeError(
                f"{path} was written by {state['loader']['world_size']} process(es); resume it with "
                f"the same number (this run has {self.info.world_size})"
            )
        if self.info.rank < len(rngs):
            ckpt.set_rng_state(rngs[self.info.rank])
        if self.info.is_main:
            tqdm.write(f"resumed from {path} at step {self.step}")

    def compare_config(self, path, stored, refuse):
        """Refuse (or, when ``refuse`` is false, note) a checkpoint written by a different config,
        naming the top-level keys that differ and the first differing line of the first one."""
        if stored is None:
            return  # a checkpoint without its config: nothing to compare
        differences = config_differences(stored, dump_config(self.cfg))
        differences = {k: v for k, v in differences.items() if k not in BOOKKEEPING_KEYS}
        if not differences:
            return
        old, new = next(iter(differences.values()))
        what = f"{', '.join(differences)} (first difference: stored `{old}`, now `{new}`)"
        if refuse:
            raise ConfigError(
                f"run directory {self.run_dir}: its checkpoint {path} was written by a config that differs "
                f"in {what}. Pass --resume {path} to continue from it anyway, or --no_resume or another "
                "--save_dir to start fresh."
            )
        if self.info.is_main:
            tqdm.write(f"note: {path} was written by a config that differs in {what}; continuing from it as asked")

    def load_weights(self, path):
        """Model weights only (evaluation of a checkpoint)."""
        state = ckpt.load_checkpoint(path, map_location=self.device)
        self.model.load_state_dict(model_state(state, self.model, path))
        self.step = int(state.get("step", 0))


def summarise(values):
    """Mean and sample standard deviation of a list of floats (NaN-free)."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return float("nan"), float("nan")
    mean = sum(clean) / len(clean)
    std = math.sqrt(sum((v - mean) ** 2 for v in clean) / (len(clean) - 1)) if len(clean) > 1 else 0.0
    return mean, std

