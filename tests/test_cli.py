"""The command-line tools: train.py with overrides, seeds, run directories and resume; eval.py over
several checkpoints or a run directory alone."""

import importlib
import json
import os
import subprocess
import sys

import pytest

from object_centric_bench import checkpoint as ckpt
from object_centric_bench import default_run
from object_centric_bench.cli import run_directory
from object_centric_bench.config import load_config
from object_centric_bench.datum import synth
from object_centric_bench.datum.lmdb_io import LMDBWriter

train = importlib.import_module("train")
evaluate = importlib.import_module("eval")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOY = "tests/configs/toy.py"
TOY_LMDB = os.path.join(ROOT, "tests", "configs", "toy_lmdb.py")


def last_validation(run):
    with open(run / "metrics.jsonl") as f:
        return [r for r in map(json.loads, f) if r["split"] == "val"][-1]


def test_run_directory_is_named_by_config_folder_stem_and_seed(tmp_path, monkeypatch):
    assert run_directory("save", "config-savi/savi_c-synth.py", 3) == os.path.join("save", "config-savi", "savi_c-synth", "3")
    assert run_directory("save", "config-default/savi_c-synth.py", 0) != run_directory("save", "config-savi/savi_c-synth.py", 0)
    monkeypatch.chdir(tmp_path / "..")
    assert run_directory("s", f"{tmp_path.name}/x.py", 0) == os.path.join("s", tmp_path.name, "x", "0")  # outside the repo
    monkeypatch.chdir(tmp_path)
    assert run_directory("s", "x.py", 1) == os.path.join("s", tmp_path.name, "x", "1")  # the folder of a bare file name


def test_eval_scores_several_checkpoints_with_mean_std_and_protocol(tmp_path, capsys):
    for seed in (0, 1):
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--seed", str(seed),
                    "--cfg-options", "total_steps=10", "val_interval=10"])
    ckpts = [str(tmp_path / "configs" / "toy" / str(seed) / "ckpt" / "last.pth") for seed in (0, 1)]
    out = tmp_path / "results.json"
    capsys.readouterr()
    evaluate.main(["--cfg_file", TOY, "--ckpt_file", *ckpts, "--out", str(out)])
    printed = capsys.readouterr().out
    assert "mean +- std" in printed and "ari_fg" in printed
    results = json.loads(out.read_text())
    assert [c["checkpoint"] for c in results["checkpoints"]] == ckpts
    for key in ("ari", "ari_fg", "mbo", "miou"):
        values = [c[key] for c in results["checkpoints"]]
        assert results["mean"][key] == pytest.approx(sum(values) / 2)
        assert results["std"][key] == pytest.approx(abs(values[0] - values[1]) / 2 ** 0.5)
    protocol = results["protocol"]
    assert protocol["seed"] == [0, 1] and protocol["checkpoint"] == ckpts
    assert protocol["metrics"]["miou"]["background"] == "segment scored"
    assert protocol["metrics"]["ari"]["temporal"] == "video"
    assert protocol["postprocess"][0]["mask_source"] == "output.mask"
    assert results["checkpoints"][0]["num_samples"] == 23
    stored = evaluate.main(["--ckpt_file", *ckpts])  # the config stored in the checkpoints
    assert [r["ari"] for r in stored] == [c["ari"] for c in results["checkpoints"]]


def test_eval_of_a_run_directory_alone_reproduces_its_last_validation(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default data_dir (data/) holds nothing here
    for split, num in (("train", 16), ("val", 7)):
        synth.generate_split(tmp_path / "elsewhere", split, num, kind="image", resolution=16, max_objects=3, progress=False)
    train.main(["--cfg_file", TOY_LMDB, "--save_dir", "save", "--data_dir", "elsewhere",
                "--cfg-options", "total_steps=6", "val_interval=6"])
    run = tmp_path / "save" / "configs" / "toy_lmdb" / "0"
    assert load_config(str(run / "config.py"))["data_dir"] == str(tmp_path / "elsewhere")  # absolute
    last = last_validation(run)
    monkeypatch.chdir(run)  # from anywhere
    for argv in ([str(run)], ["--ckpt_file", str(run / "ckpt" / "last.pth")]):
        capsys.readouterr()
        (result,) = evaluate.main(argv)
        assert last["metric"] and {n: result[n] for n in last["metric"]} == pytest.approx(last["metric"], rel=0, abs=1e-9)
        assert result["num_samples"] == last["num_samples"] == 7
        printed = capsys.readouterr().out
        assert all(f"{value:.4f}" in printed for value in last["metric"].values())


def test_eval_names_what_is_missing(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        evaluate.main([str(tmp_path)])
    assert info.value.code == 2 and f"{tmp_path} holds no checkpoint" in capsys.readouterr().err
    foreign = str(tmp_path / "weights.pth")
    ckpt.atomic_save(dict(model={}), foreign)
    with pytest.raises(SystemExit):
        evaluate.main(["--ckpt_file", foreign])
    assert f"{foreign} holds no config" in capsys.readouterr().err
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit):
        evaluate.main(["--ckpt_file", str(broken)])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: cannot read checkpoint {broken}: ")


def test_train_refuses_to_restart_a_run_whose_checkpoints_are_all_unreadable(tmp_path, capsys):
    base = ["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", "total_steps=4", "val_interval=2"]
    train.main(base)
    ckpt_dir = tmp_path / "configs" / "toy" / "0" / "ckpt"
    files = sorted(ckpt_dir.glob("*.pth"))
    for path in files:
        path.write_bytes(b"damaged")
    capsys.readouterr()
    with pytest.warns(UserWarning), pytest.raises(SystemExit) as info:
        train.main(base)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith(f"error: none of the {len(files)} checkpoint(s) in {ckpt_dir} can be read")
    assert [p.read_bytes() for p in sorted(ckpt_dir.glob("*.pth"))] == [b"damaged"] * len(files)  # nothing overwritten
    assert train.main(base + ["--no_resume"]).step == 4


def test_eval_without_cfg_file_refuses_checkpoints_of_different_configs(tmp_path, capsys):
    for lr in ("0.003", "0.001"):
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path / lr), "--cfg-options", "total_steps=2", "val_interval=2",
                    f"optimizer.lr={lr}"])
    runs = [str(tmp_path / lr / "configs" / "toy" / "0") for lr in ("0.003", "0.001")]
    with pytest.raises(SystemExit) as info:
        evaluate.main(runs)
    assert info.value.code == 2
    assert "(optimizer, schedules differ); pass --cfg_file" in capsys.readouterr().err


def test_train_refuses_to_auto_resume_a_run_of_another_config_in_one_line(tmp_path, capsys):
    base = ["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", "total_steps=5", "val_interval=5"]
    train.main(base)
    newest = tmp_path / "configs" / "toy" / "0" / "ckpt" / "step_000005.pth"
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        train.main(base + ["optimizer.lr=0.001"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "differs in optimizer" in err and f"Pass --resume {newest} " in err
    engine = train.main(base + ["optimizer.lr=0.001", "total_steps=8", "--resume", str(newest)])
    assert engine.step == 8


def test_train_reports_config_mistakes_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", "model.num_slotz=3"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model: ToyModel got unknown argument(s) num_slotz")
    with pytest.raises(SystemExit):
        train.main(["--cfg_file", str(tmp_path / "missing.py")])
    assert "config file not found" in capsys.readouterr().err


@pytest.mark.parametrize("option", [
    "batch_size_train=0", "batch_size_train=-4", "batch_size_val=0", "num_workers=-1", "log_interval=0",
    "clip_grad_norm=abc", "total_steps=2.5", "val_interval=0", "ckpt_keep=0", "seed=x",
])
def test_train_refuses_bad_engine_values_in_one_line_naming_the_key(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as info:
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", option])
    assert info.value.code == 2
    err = capsys.readouterr().err
    key = option.split("=")[0]
    assert err.count("\n") == 1 and err.startswith(f"error: config key '{key}' must be "), err
    assert not (tmp_path / "configs").exists()  # refused before anything was built or written


def test_an_overridden_learning_rate_is_followed_by_its_schedule(tmp_path, capsys):
    engine = train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", "optimizer.lr=0.0015",
                         "total_steps=5", "val_interval=5"])
    assert engine.cfg["schedules"][0]["fn"]["base"] == 0.0015  # the toy schedule's base was 3e-3
    logged = [r["optimizer.lr"] for r in map(json.loads, open(tmp_path / "configs" / "toy" / "0" / "metrics.jsonl"))
              if r["split"] == "train"]
    assert logged and 0.0014 < max(logged) <= 0.0015
    with pytest.raises(SystemExit):
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path / "b"), "--cfg-options",
                    "schedules=[{'target': 'optimizer.lr', 'fn': {'type': 'object_centric_bench.learn.optim.Linear', 'start': 1.0, 'end': 0.1}}]",
                    "optimizer.lr=0.0015"])
    assert "error: override 'optimizer.lr' would be replaced every step by schedules.0" in capsys.readouterr().err


def test_train_on_a_truncated_lmdb_file_exits_with_one_line_naming_it(tmp_path):
    synth.generate_split(tmp_path / "data", "train", 200, kind="image", resolution=16, max_objects=3, progress=False)
    synth.generate_split(tmp_path / "data", "val", 4, kind="image", resolution=16, max_objects=3, progress=False)
    train_file = tmp_path / "data" / "train.lmdb"
    os.truncate(train_file, train_file.stat().st_size // 2)  # an interrupted copy: LMDB would read past the end
    done = subprocess.run(
        [sys.executable, "train.py", "--cfg_file", TOY_LMDB, "--save_dir", str(tmp_path / "save"),
         "--data_dir", str(tmp_path / "data"), "--cfg-options", "total_steps=2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])  # not killed by SIGBUS
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: dataset_t: ") and f"{train_file}: truncated LMDB file (" in last


def test_a_corrupt_record_read_by_a_worker_is_one_line_naming_file_and_key(tmp_path, capsys):
    for split, num in (("train", 8), ("val", 4)):
        synth.generate_split(tmp_path, split, num, kind="image", resolution=16, max_objects=3, progress=False)
    with LMDBWriter(tmp_path / "train.lmdb", overwrite=True) as writer:
        for _ in range(8):
            writer.write({"image": b"broken", "segment": b"broken"})
    with pytest.raises(SystemExit) as info:
        train.main(["--cfg_file", TOY_LMDB, "--save_dir", str(tmp_path / "save"), "--data_dir", str(tmp_path),
                    "--cfg-options", "num_workers=1", "total_steps=2"])
    assert info.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"error: {tmp_path / 'train.lmdb'}, key b'00000") and ": cannot decode: " in last


def test_print_config_of_the_embedded_default_prints_without_generating_its_data(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("--print-config generated the default's data")

    monkeypatch.setattr(default_run, "prepare", refuse)
    assert train.main(["--print-config", "--cfg-options", "num_slots=6"]) is None
    printed = capsys.readouterr().out
    assert printed.startswith("# Resolved config") and "'num_slots': 6" in printed
