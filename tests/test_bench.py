"""The benchmark command times a real config on synthetic data and prints every field."""

import re
import subprocess
import sys

from object_centric_bench.datum import synth

FIELDS = ("device", "precision", "train_steps_per_s", "train_samples_per_s", "step_ms", "data_ms",
          "data_share", "eval_seconds", "eval_samples", "peak_memory_mib")


def test_bench_prints_speed_and_memory(tmp_path):
    for split, num in (("train", 8), ("val", 4)):
        synth.generate_split(tmp_path, split, num, kind="image", resolution=64, max_objects=3, progress=False)
    command = [
        sys.executable, "-m", "object_centric_bench.bench",
        "--cfg_file", "config-dinosaur/dinosaur_r-synth.py", "--data_dir", str(tmp_path),
        "--steps", "2", "--warmup", "1", "--val_batches", "1", "--device", "cpu",
        "--cfg-options", "batch_size_train=4", "batch_size_val=2", "precision=fp32",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    values = dict(re.findall(r"^(\w+): (\S+)$", done.stdout, flags=re.M))
    assert set(FIELDS) <= set(values), done.stdout
    assert values["device"] == "cpu" and values["precision"] == "fp32"
    assert float(values["train_steps_per_s"]) > 0
    steps_per_s = float(values["train_steps_per_s"])
    assert abs(float(values["train_samples_per_s"]) - 4 * steps_per_s) <= 0.01 * 4 * steps_per_s + 0.01
    assert 0 <= float(values["data_share"]) < 1
    assert int(values["eval_samples"]) == 2  # one validation batch of 2
    assert float(values["peak_memory_mib"]) > 10


def test_bench_refuses_a_missing_config(tmp_path):
    command = [sys.executable, "-m", "object_centric_bench.bench", "--cfg_file", str(tmp_path / "none.py")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "config file not found" in done.stderr
