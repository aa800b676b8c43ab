"""Freezing and parameter groups by name pattern, and scalar schedules."""

import math

import pytest
import torch
from torch import nn

from object_centric_bench.config import ConfigError
from object_centric_bench.learn.optim import Linear, Schedules, WarmupCosine, freeze_by_pattern, param_groups


def net():
    return nn.ModuleDict(dict(backbone=nn.Linear(2, 2), head=nn.Linear(2, 2), decoder=nn.Linear(2, 1)))


def test_freeze_and_groups_by_pattern():
    model = net()
    assert freeze_by_pattern(model, [r"backbone\..*"]) == ["backbone.weight", "backbone.bias"]
    groups = param_groups(model, [dict(pattern=r"decoder\..*", lr_mult=0.1, weight_decay=0.5)])
    assert [g["name"] for g in groups] == [r"decoder\..*", "default"]
    assert groups[0]["lr_mult"] == 0.1 and groups[0]["weight_decay"] == 0.5
    assert {id(p) for p in groups[1]["params"]} == {id(model["head"].weight), id(model["head"].bias)}
    with pytest.raises(ConfigError, match="matches no parameter"):
        freeze_by_pattern(net(), ["encoder.*"])
    with pytest.raises(ConfigError, match="matches no trainable parameter"):
        param_groups(model, [dict(pattern=r"backbone\..*")])


def test_warmup_cosine_and_linear_values():
    schedule = WarmupCosine(base=1.0, total_steps=110, warmup_steps=10, final=0.001)
    assert schedule(0) == 0.0 and schedule(5) == pytest.approx(0.5) and schedule(10) == pytest.approx(1.0)
    assert schedule(60) == pytest.approx(0.001 + 0.999 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert schedule(110) == pytest.approx(0.001) and schedule(500) == pytest.approx(0.001)
    ramp = Linear(start=0.5, end=0.0, begin=10, stop=20)
    assert (ramp(0), ramp(15), ramp(30)) == (0.5, 0.25, 0.0)


def test_schedules_set_group_lrs_with_multipliers_and_model_attributes():
    model = net()
    model.temperature = 1.0
    groups = param_groups(model, [dict(pattern=r"decoder\..*", lr_mult=0.1)])
    optimizer = torch.optim.Adam(groups, lr=1.0)
    schedules = Schedules([dict(target="optimizer.lr", fn=lambda step: 2.0 * step),
                           dict(target="model.temperature", fn=lambda step: 0.5)])
    schedules.check(model)
    schedules.apply(3, model, optimizer)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.6, 6.0])
    assert model.temperature == 0.5
    with pytest.raises(ConfigError, match="'model.tau' names nothing"):
        Schedules([dict(target="model.tau", fn=abs)]).check(model)
    with pytest.raises(ConfigError, match="schedules.0.target"):
        Schedules([dict(target="lr", fn=abs)])
