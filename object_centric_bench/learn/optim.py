"""Optimisation pieces: freezing and parameter groups by name pattern, scalar schedules."""

import math
import re

from ..config import ConfigError


def freeze_by_pattern(model, patterns):
    """Set ``requires_grad=False`` on parameters whose name fully matches one of the regexes."""
    compiled = [re.compile(p) for p in patterns or []]
    frozen = []
    for name, param in model.named_parameters():
        if any(c.fullmatch(name) for c in compiled):
            param.requires_grad_(False)
            frozen.append(name)
    for pattern, c in zip(patterns or [], compiled):
        if not any(c.fullmatch(n) for n, _ in model.named_parameters()):
            raise ConfigError(f"freeze: pattern '{pattern}' matches no parameter name")
    return frozen


def param_groups(model, groups):
    """Optimizer groups of trainable parameters; the first group whose ``pattern`` matches wins.

    Each config group is ``dict(pattern=regex, lr_mult=1.0, **optimizer_options)``; parameters
    that match no pattern form a last default group. ``lr_mult`` scales scheduled learning rates.
    """
    specs = []
    for i, group in enumerate(groups or []):
        if "pattern" not in group:
            raise ConfigError(f"param_groups.{i} needs a 'pattern' (regex over parameter names)")
        options = {k: v for k, v in group.items() if k != "pattern"}
        specs.append((re.compile(group["pattern"]), group["pattern"], options))
    buckets = [[] for _ in specs] + [[]]
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        index = next((i for i, (c, _, _) in enumerate(specs) if c.fullmatch(name)), len(specs))
        buckets[index].append(param)
    result = []
    for (_, pattern, options), params in zip(specs, buckets):
        if not params:
            raise ConfigError(f"param_groups: pattern '{pattern}' matches no trainable parameter")
        result.append(dict(params=params, name=pattern, lr_mult=options.pop("lr_mult", 1.0), **options))
    if buckets[-1]:
        result.append(dict(params=buckets[-1], name="default", lr_mult=1.0))
    if not result:
        raise ConfigError("the model has no trainable parameter (check 'freeze')")
    return result


class WarmupCosine:
    """Linear warm-up from ``start_ratio * base`` to ``base``, then cosine decay to ``final``."""

    def __init__(self, base, total_steps, warmup_steps=0, final=0.0, start_ratio=0.0):
        if warmup_steps > total_steps:
            raise ValueError(f"warmup_steps ({warmup_steps}) exceeds total_steps ({total_steps})")
        self.base, self.total, self.warmup = base, total_steps, warmup_steps
        self.final, self.start_ratio = final, start_ratio

    def __call__(self, step):
        if step < self.warmup:
            ratio = self.start_ratio + (1 - self.start_ratio) * step / self.warmup
            return self.base * ratio
        span = max(self.total - self.warmup, 1)
        progress = min((step - self.warmup) / span, 1.0)
        return self.final + (self.base - self.final) * 0.5 * (1 + math.cos(math.pi * progress))


class Linear:
    """``start`` until ``begin``, linear to ``end`` at ``stop``, then ``end``."""

    def __init__(self, start, end, begin=0, stop=1):
        if stop <= begin:
            raise ValueError(f"stop ({stop}) must be greater than begin ({begin})")
        self.start, self.end, self.begin, self.stop = start, end, begin, stop

    def __call__(self, step):
        progress = min(max((step - self.begin) / (self.stop - self.begin), 0.0), 1.0)
        return self.start + (self.end - self.start) * progress


class Schedules:
    """Applies scalar schedules: ``optimizer.lr`` (times each group's ``lr_mult``) or a model attribute."""

    def __init__(self, entries):
        self.entries = []
        for i, entry in enumerate(entries or []):
            if not isinstance(entry, dict) or set(entry) != {"target", "fn"}:
                raise ConfigError(f"schedules.{i} must be dict(target='optimizer.lr' or 'model.attr', fn=<node>)")
            target = entry["target"]
            if target != "optimizer.lr" and not target.startswith("model."):
                raise ConfigError(f"schedules.{i}.target '{target}' must be 'optimizer.lr' or 'model.<attr path>'")
            self.entries.append((target, entry["fn"]))

    def check(self, model):
        """Fail early on a model attribute path that names nothing."""
        for target, _ in self.entries:
            if target.startswith("model."):
                self._owner(model, target)

    @staticmethod
    def _owner(model, target):
        *parents, attr = target.split(".")[1:]
        node = model
        for name in parents:
            if not hasattr(node, name):
                raise ConfigError(f"schedules: target '{target}' names nothing ('{name}' missing)")
            node = getattr(node, name)
        if not hasattr(node, attr):
            raise ConfigError(f"schedules: target '{target}' names nothing ('{attr}' missing)")
        return node, attr

    def apply(self, step, model, optimizer):
        """Set every scheduled value for ``step``; returns them by target for logging."""
        values = {}
        for target, fn in self.entries:
            value = float(fn(step))
            if target == "optimizer.lr":
                for group in optimizer.param_groups:
                    group["lr"] = value * group.get("lr_mult", 1.0)
            else:
                owner, attr = self._owner(model, target)
                setattr(owner, attr, value)
            values[target] = value
        return values
