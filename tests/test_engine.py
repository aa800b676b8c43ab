"""The engine: exact resume, validation accounting, checkpoints, foreign initialisation, NaN losses."""

import json
import os

import pytest
import torch

from object_centric_bench import checkpoint as ckpt
from object_centric_bench.config import load_config
from object_centric_bench.engine import Engine

TOY = "tests/configs/toy.py"


def toy(**overrides):
    cfg = load_config(TOY)
    cfg.update(overrides)
    return cfg


def weights(engine):
    return {k: v.clone() for k, v in engine.model.state_dict().items()}


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_resume_reproduces_the_uninterrupted_run_bit_for_bit(tmp_path):
    straight = Engine(toy(), run_dir=str(tmp_path / "a"))
    straight.fit()
    first = Engine(toy(total_steps=10), run_dir=str(tmp_path / "b"))
    first.fit()
    assert not all(torch.equal(v, weights(first)[k]) for k, v in weights(straight).items())
    second = Engine(toy(), run_dir=str(tmp_path / "b"))
    second.fit(resume="auto")
    assert second.step == 20
    for key, value in weights(straight).items():
        assert torch.equal(value, weights(second)[key]), key
    assert straight.optimizer.state_dict()["state"][0]["exp_avg"].equal(
        second.optimizer.state_dict()["state"][0]["exp_avg"])


def test_run_directory_holds_config_metrics_and_checkpoints(tmp_path):
    engine = Engine(toy(), run_dir=str(tmp_path))
    engine.fit()
    assert load_config(str(tmp_path / "config.py"))["total_steps"] == 20
    records = read_jsonl(tmp_path / "metrics.jsonl")
    val = [r for r in records if r["split"] == "val"]
    assert [r["step"] for r in val] == [10, 20]
    assert val[-1]["num_samples"] == 23 and val[-1]["num_valid"]["index"] == 23
    assert val[-1]["metric"]["index"] == pytest.approx(11.0)  # mean of indices 0..22: each seen once
    assert val[-1]["protocol"]["metrics"]["ari_fg"]["background"] == "pixels excluded"
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["last.pth", "step_000010.pth", "step_000020.pth"]
    state = ckpt.load_checkpoint(str(tmp_path / "ckpt" / "last.pth"))
    assert state["step"] == 20 and "torch" in state["provenance"]["versions"]
    assert {"python", "numpy", "torch"} <= set(state["rng"][0])


def test_training_improves_the_toy_segmentation(tmp_path):
    engine = Engine(toy(total_steps=300, val_interval=300, schedules=[]), run_dir=str(tmp_path))
    before = engine.validate()["metric"]
    engine.fit()
    after = engine.validate()["metric"]
    assert after["mbo"] > before["mbo"] + 0.05, (before, after)


def test_nan_loss_stops_with_a_clear_message_and_keeps_checkpoints(tmp_path):
    engine = Engine(toy(total_steps=10, val_interval=5, ckpt_interval=5), run_dir=str(tmp_path))
    engine.fit()
    cfg = toy(total_steps=20)
    cfg["loss_fn"]["recon"]["weight"] = float("nan")
    blown = Engine(cfg, run_dir=str(tmp_path))
    with pytest.raises(FloatingPointError, match="non-finite loss at step 11 "):
        blown.fit(resume="auto")
    assert ckpt.load_checkpoint(str(tmp_path / "ckpt" / "last.pth"))["step"] == 10


def test_init_from_checkpoint_with_prefix_map_reports_missing_and_unexpected(tmp_path):
    source = Engine(toy(total_steps=2, val_interval=2), run_dir=str(tmp_path))
    source.fit()
    path = str(tmp_path / "ckpt" / "last.pth")
    target = torch.nn.ModuleDict(dict(inner=torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, padding=1)),
                                      extra=torch.nn.Linear(2, 2)))
    report = ckpt.init_from_checkpoints(target, [f"{path}@net.0.=inner.0."])
    assert report["loaded"] == ["inner.0.bias", "inner.0.weight"]
    assert set(report["missing"]) == {"extra.weight", "extra.bias"}
    assert torch.equal(target["inner"][0].weight, source.model.net[0].weight)
    report = ckpt.init_from_checkpoints(target, [path])
    assert any(k.endswith(":net.0.weight") for k in report["unexpected"])


def test_newest_checkpoint_skips_unreadable_files(tmp_path):
    ckpt.atomic_save(dict(step=1), str(tmp_path / "step_000001.pth"))
    (tmp_path / "step_000002.pth").write_bytes(b"truncated")
    with pytest.warns(UserWarning, match="step_000002"):
        assert ckpt.newest_checkpoint(str(tmp_path)).endswith("step_000001.pth")
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
