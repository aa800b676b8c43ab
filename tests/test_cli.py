"""The command-line tools: train.py with overrides and seeds, eval.py over several checkpoints."""

import importlib
import json

import pytest

train = importlib.import_module("train")
evaluate = importlib.import_module("eval")

TOY = "tests/configs/toy.py"


def test_eval_scores_several_checkpoints_with_mean_std_and_protocol(tmp_path, capsys):
    for seed in (0, 1):
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--seed", str(seed),
                    "--cfg-options", "total_steps=10", "val_interval=10"])
    ckpts = [str(tmp_path / "toy" / str(seed) / "ckpt" / "last.pth") for seed in (0, 1)]
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
    assert protocol["postprocess"][0]["mask_source"] == "output.alpha"
    assert results["checkpoints"][0]["num_samples"] == 23


def test_train_reports_config_mistakes_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        train.main(["--cfg_file", TOY, "--save_dir", str(tmp_path), "--cfg-options", "model.num_slotz=3"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model: ToyModel got unknown argument(s) num_slotz")
    with pytest.raises(SystemExit):
        train.main(["--cfg_file", str(tmp_path / "missing.py")])
    assert "config file not found" in capsys.readouterr().err
