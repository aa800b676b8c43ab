"""Multi-process behaviour through the real CLI: 2-process DDP on CPU, and a run killed with SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from object_centric_bench import checkpoint as ckpt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONPATH=ROOT)


def train(save_dir, *extra, torchrun=False):
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"] if torchrun else [sys.executable]
    return launcher + ["train.py", "--cfg_file", "tests/configs/toy.py", "--save_dir", str(save_dir), *extra]


@pytest.mark.slow
def test_two_process_gloo_ddp_trains_and_counts_each_validation_sample_once(tmp_path):
    result = subprocess.run(train(tmp_path, torchrun=True), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "configs" / "toy" / "0"
    records = [json.loads(line) for line in open(run / "metrics.jsonl")]
    val = [r for r in records if r["split"] == "val"]
    assert [r["step"] for r in val] == [10, 20]  # only rank 0 writes
    assert val[-1]["num_samples"] == 23 and val[-1]["num_valid"]["index"] == 23
    assert val[-1]["metric"]["index"] == pytest.approx(11.0)
    state = ckpt.load_checkpoint(str(run / "ckpt" / "last.pth"))
    assert state["step"] == 20 and len(state["rng"]) == 2 and state["loader"]["world_size"] == 2


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_checkpoint_and_matches_an_uninterrupted_run(tmp_path):
    steps = ["--cfg-options", "total_steps=300", "ckpt_interval=3", "val_interval=100", "ckpt_keep=1000",
             "schedules=[]"]
    ckpt_dir = tmp_path / "killed" / "configs" / "toy" / "0" / "ckpt"
    for _ in range(3):
        process = subprocess.Popen(train(tmp_path / "killed", *steps), cwd=ROOT, env=ENV,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = len(os.listdir(ckpt_dir)) if ckpt_dir.exists() else 0
        deadline = time.time() + 120
        while time.time() < deadline:
            if ckpt_dir.exists() and len([p for p in os.listdir(ckpt_dir) if p.startswith("step_")]) > seen + 3:
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name in os.listdir(ckpt_dir):
            if name.endswith(".pth"):
                ckpt.load_checkpoint(str(ckpt_dir / name))  # never truncated: every .pth loads
    newest = ckpt.newest_checkpoint(str(ckpt_dir))
    resumed_from = ckpt.load_checkpoint(newest)["step"]
    assert 0 < resumed_from < 300
    result = subprocess.run(train(tmp_path / "killed", *steps), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"at step {resumed_from}" in result.stdout + result.stderr
    straight = subprocess.run(train(tmp_path / "straight", *steps), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert straight.returncode == 0, straight.stderr[-3000:]
    logged = [[(r["split"], r["step"]) for r in map(json.loads, open(run / "configs" / "toy" / "0" / "metrics.jsonl"))]
              for run in (tmp_path / "killed", tmp_path / "straight")]
    assert logged[0] == logged[1]  # each step once, as in the uninterrupted run
    a = ckpt.load_checkpoint(str(ckpt_dir / "last.pth"))["model"]
    b = ckpt.load_checkpoint(str(tmp_path / "straight" / "configs" / "toy" / "0" / "ckpt" / "last.pth"))["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
