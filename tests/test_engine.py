"""The engine: exact resume, resume of another config, validation accounting, checkpoints, foreign
initialisation, NaN losses."""

import json
import os
import pickle

import lmdb
import pytest
import torch

from object_centric_bench import checkpoint as ckpt
from object_centric_bench.config import ConfigError, load_config
from object_centric_bench.datum import synth
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


def test_auto_resume_refuses_a_checkpoint_of_another_config_and_explicit_resume_takes_it(tmp_path, capsys):
    Engine(toy(total_steps=10), run_dir=str(tmp_path)).fit()
    written = (tmp_path / "config.py").read_text()
    changed = toy()
    changed["optimizer"]["lr"] = 1e-3
    with pytest.raises(ConfigError) as error:
        Engine(changed, run_dir=str(tmp_path)).fit(resume="auto")
    message = str(error.value)
    assert f"run directory {tmp_path}: its checkpoint {tmp_path / 'ckpt' / 'step_000010.pth'}" in message
    assert ("differs in optimizer (first difference: stored `optimizer = {'type': torch.optim.adamw.AdamW, "
            "'lr': 0.003}`, now `optimizer = {'type': torch.optim.adamw.AdamW, 'lr': 0.001}`)") in message
    assert "--resume" in message and "--no_resume" in message and "--save_dir" in message
    assert (tmp_path / "config.py").read_text() == written  # a refused run rewrites nothing
    capsys.readouterr()
    resumed = Engine(changed, run_dir=str(tmp_path))
    resumed.fit(resume=str(tmp_path / "ckpt" / "last.pth"))
    assert resumed.step == 20
    out = capsys.readouterr().out
    assert "note: " in out and "differs in optimizer" in out
    assert load_config(str(tmp_path / "config.py"))["optimizer"]["lr"] == 1e-3  # the run now is this config


def test_run_directory_holds_config_metrics_and_checkpoints(tmp_path):
    engine = Engine(toy(), run_dir=str(tmp_path))
    engine.fit()
    written = load_config(str(tmp_path / "config.py"))
    assert written["total_steps"] == 20 and written["data_dir"] == os.path.abspath("data")  # where the data was
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
        blown.fit(resume=str(tmp_path / "ckpt" / "last.pth"))  # explicit: the loss weights differ
    assert ckpt.load_checkpoint(str(tmp_path / "ckpt" / "last.pth"))["step"] == 10


def test_resume_logs_each_step_once(tmp_path):
    Engine(toy(total_steps=10, val_interval=5, log_interval=1), run_dir=str(tmp_path)).fit()
    log = tmp_path / "metrics.jsonl"
    with open(log, "a") as f:  # what a kill after step 12's record, mid-line, leaves
        f.write(json.dumps(dict(split="train", step=11, loss=1.0)) + "\n")
        f.write(json.dumps(dict(split="train", step=12, loss=1.0)) + "\n" + '{"split": "tra')
    Engine(toy(total_steps=15, val_interval=5, log_interval=1), run_dir=str(tmp_path)).fit(resume="auto")
    steps = [(r["split"], r["step"]) for r in read_jsonl(log)]
    assert steps == [("train", s) for s in range(1, 6)] + [("val", 5)] + [("train", s) for s in range(6, 11)] + [
        ("val", 10)] + [("train", s) for s in range(11, 16)] + [("val", 15)]


def test_diverged_weights_are_set_aside_and_the_message_names_the_newest_finite_checkpoint(tmp_path):
    engine = Engine(toy(total_steps=3, val_interval=1, ckpt_interval=1), run_dir=str(tmp_path))
    engine.fit()
    with torch.no_grad():
        for p in engine.model.parameters():
            p.mul_(1e30)  # finite, but the next loss overflows: what a diverging step leaves
    engine.save(str(tmp_path / "ckpt"))
    engine.total_steps = 6
    with pytest.raises(FloatingPointError) as error:
        engine.fit(resume=None)
    message = str(error.value)
    good = tmp_path / "ckpt" / "step_000002.pth"
    assert message.startswith("non-finite loss at step 4 ") and f"Resume from {good} (the newest finite" in message
    assert "step_000003.pth.diverged" in message and (tmp_path / "ckpt" / "step_000003.pth.diverged").exists()
    assert ckpt.newest_checkpoint(str(tmp_path / "ckpt")) == str(good)
    assert ckpt.load_checkpoint(str(tmp_path / "ckpt" / "last.pth"))["step"] == 2
    with torch.no_grad():
        next(engine.model.parameters()).fill_(float("nan"))
    with pytest.raises(FloatingPointError, match=f"non-finite weights after step 3; they were not saved. Resume from {good} "):
        engine.save(str(tmp_path / "ckpt"))
    assert not (tmp_path / "ckpt" / "step_000003.pth").exists()


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
    (tmp_path / "step_000001.pth").write_bytes(b"damaged too")
    with pytest.warns(UserWarning), pytest.raises(ckpt.CheckpointError, match="none of the 2 checkpoint.*--no_resume"):
        ckpt.newest_checkpoint(str(tmp_path))  # auto-resume must not silently restart the run


def test_a_skipped_validation_record_is_counted_not_replaced(tmp_path):
    synth.generate_split(tmp_path, "val", 7, kind="image", resolution=16, max_objects=3, progress=False)
    env = lmdb.open(str(tmp_path / "val.lmdb"), subdir=False, lock=False)
    with env.begin(write=True) as txn:
        record = pickle.loads(txn.get(b"000002"))
        txn.put(b"000002", pickle.dumps(dict(record, image=b"broken"), protocol=4))
    env.close()
    cfg = load_config("tests/configs/toy_lmdb.py")
    cfg["dataset_v"]["on_error"] = "skip"
    cfg["batch_size_val"] = 3
    result = Engine(cfg, data_dir=str(tmp_path), train=False).validate()
    assert result["num_samples"] == 6 and result["num_skipped"] == 1 and result["protocol"]["num_skipped"] == 1
    assert result["num_valid"]["ari"] == 6
