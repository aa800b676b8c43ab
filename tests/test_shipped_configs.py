"""Every shipped config (``config-*/*.py``) builds, trains two steps and validates once.

Each config runs on tiny synthetic LMDB files written under a temporary ``data_dir`` at the
config's own relative paths (``coco/train.lmdb`` ...), with a randomly initialised DINOv2 where the
config asks for one: no download, no real dataset.
"""

import glob
import inspect
import json
import math
import os

import numpy as np
import pytest
import torch

from object_centric_bench.cli import HELP_EXAMPLE, resolved_text, run_directory, with_overrides
from object_centric_bench.config import (
    KNOBS_KEY,
    ConfigError,
    build,
    dump_config,
    load_config,
    resolve_config,
    with_defaults,
)
from object_centric_bench.datum import codec, synth
from object_centric_bench.datum.dataset import VideoDataset
from object_centric_bench.datum.lmdb_io import LMDBWriter
from object_centric_bench.engine import KNOWN_KEYS, Engine, cpu_has_native_bf16
from object_centric_bench.model.backbone import DINOv2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(os.path.join(ROOT, "config-*", "*.py")) if "config-base" not in p)  # fragments
# Real-data configs build full-size models (ViT-S/14, 2048-wide decoders): seconds each on a CPU.
CONFIG_PARAMS = [
    pytest.param(p, id=os.path.relpath(p, ROOT), marks=() if p.endswith("-synth.py") else pytest.mark.slow)
    for p in CONFIGS
]
SNAPSHOT = os.path.join(ROOT, "tests", "snapshots", "resolved_configs.json")
DATASET_KEYS = ("dataset_t", "dataset_v")
NUM_SAMPLES = dict(dataset_t=4, dataset_v=2)
MAX_OBJECTS = 3  # within every config's slot count, so conditional boxes always fit
VIDEO_FRAMES = 3  # generated videos; configs' clip and chunk lengths are cut to 2 frames to stay fast
SHORT_CLIP = 2
GENERATED_KEYS = {"image", "video", "segment", "bbox", "flow"}
SMALL_RUN = dict(
    total_steps=2, val_interval=2, ckpt_interval=2, log_interval=1,
    batch_size_train=2, batch_size_val=2, num_workers=0,
)


def config_id(path):
    return os.path.relpath(path, ROOT)


def nodes(value):
    """Every dict node inside a config value, depth first."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from nodes(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from nodes(item)


def dinov2_nodes(cfg):
    return [node for node in nodes(cfg.get("model")) if node.get("type") is DINOv2]


def split_layout(cfg):
    """{relative data_file: (kind, resolution, frames, extra keys)} for the config's datasets."""
    layout = {}
    for key in DATASET_KEYS:
        node = cfg[key]
        kind = "video" if isinstance(node["type"], type) and issubclass(node["type"], VideoDataset) else "image"
        sizes = [n["size"] for n in nodes(node) if isinstance(n.get("size"), int)]
        extra = set(node.get("keys", ())) - GENERATED_KEYS
        layout[node["data_file"]] = (kind, max(sizes, default=64), VIDEO_FRAMES, extra, key)
    return layout


def write_split(path, kind, resolution, frames, extra, num):
    """Synthetic scenes at ``path``; images carry COCO's ``isthing`` / ``clazz`` too (the COCO class
    reads ``isthing`` without a config naming it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unsupported = extra - {"isthing", "clazz", "depth"}
    if unsupported:
        raise NotImplementedError(f"teach this test to write the keys {sorted(unsupported)}")
    if kind == "image":
        extra = {"isthing", "clazz"}
    if not extra:
        synth.generate_split(path.parent, path.name.removesuffix(".lmdb"), num, kind=kind,
                             resolution=resolution, frames=frames, max_objects=MAX_OBJECTS, progress=False)
        return
    with LMDBWriter(path) as writer:
        for index in range(num):
            sample = synth.generate_sample(0, path.stem, index, kind, resolution, frames, MAX_OBJECTS, "flat", 1)
            record = synth.encode_sample(sample)
            count = record["bbox"].shape[-2]
            if "isthing" in extra:
                record["isthing"] = (np.arange(count) % 2 == 0).astype(np.uint8)  # every other one is stuff
            if "clazz" in extra:
                record["clazz"] = np.ones(count, np.uint8)
            if "depth" in extra:  # as convert_movi writes it: uint16 PNG codes and their metre range
                codes = np.random.default_rng(index).integers(0, 65536, (frames, resolution, resolution), dtype=np.uint16)
                record["depth"] = [codec.encode_png(frame) for frame in codes]
                record["depth_range"] = np.array([0.5, 40.0], np.float32)
            writer.write(record)


def cut_clips(node):
    """A dataset node's clip and chunk lengths, stated or its class's defaults, cut to ``SHORT_CLIP``."""
    params = inspect.signature(node["type"]).parameters
    for length in ("clip_len", "chunk_len"):
        if node.get(length, params[length].default if length in params else None):
            node[length] = SHORT_CLIP


def small_config(path, data_dir):
    """The config with a short run, tiny batches, random DINOv2 weights and data under ``data_dir``;
    bf16 runs in fp32 on a CPU that only emulates bf16 (minutes a step for the ViT configs)."""
    cfg = resolve_config(load_config(path), KNOWN_KEYS)
    cfg.update(SMALL_RUN)
    if cfg.get("precision") == "bf16" and not cpu_has_native_bf16():
        cfg["precision"] = "fp32"
    for node in dinov2_nodes(cfg):
        node["pretrained"] = False
    for key in DATASET_KEYS:
        cut_clips(cfg[key])
    for data_file, (kind, resolution, frames, extra, key) in split_layout(cfg).items():
        if os.path.isabs(data_file):
            raise ValueError(f"{config_id(path)}: {key}.data_file must be relative to data_dir, got {data_file}")
        write_split(data_dir / data_file, kind, resolution, frames, extra, NUM_SAMPLES[key])
    return cfg


def test_configs_are_found():
    folders = {os.path.basename(os.path.dirname(p)) for p in CONFIGS}
    assert {"config-dinosaur", "config-savi", "config-slotattention"} <= folders


@pytest.mark.parametrize("path", CONFIGS, ids=config_id)
def test_the_help_example_of_cfg_options_applies_to_every_config(path):
    example = list(HELP_EXAMPLE)
    slotless = "num_slots" not in load_config(path)  # the VQ-VAE pretraining configs
    if slotless:
        example.remove("num_slots=8")
    cfg = with_overrides(load_config(path), example)
    assert cfg["batch_size_train"] == 16 and cfg["optimizer"]["lr"] == 0.0001
    assert slotless or cfg[KNOBS_KEY]["num_slots"] == 8
    assert all(entry["fn"]["base"] == 0.0001 for entry in cfg["schedules"] if entry["target"] == "optimizer.lr")


def test_every_config_has_its_own_run_directory():
    runs = {}
    for path in CONFIGS:
        runs.setdefault(run_directory("save", path, 0), []).append(config_id(path))
    shared = {run: ids for run, ids in runs.items() if len(ids) > 1}
    assert not shared, f"configs that would resume each other's checkpoints: {shared}"


def resolved_tree(value):
    """A config value as JSON: callables by import path and tuples marked, so trees compare."""
    if isinstance(value, dict):
        return {str(k): resolved_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved_tree(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [resolved_tree(v) for v in value]}
    if callable(value):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def test_every_config_resolves_to_its_snapshot():
    """What each shipped config resolves to is pinned, so a refactor of the config layer that
    changes any of them fails here, naming the config and key. After a deliberate change, rewrite
    the snapshot with ``OCB_WRITE_SNAPSHOT=1 python -m pytest -k snapshot`` and review its diff."""
    trees = {}
    for path in CONFIGS:
        cfg = resolve_config(load_config(path), KNOWN_KEYS)
        cfg.pop(KNOBS_KEY, None)  # the record of the knobs; the nodes hold their values
        trees[config_id(path)] = resolved_tree(cfg)
    if os.environ.get("OCB_WRITE_SNAPSHOT"):
        with open(SNAPSHOT, "w") as f:
            json.dump(trees, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(SNAPSHOT) as f:
        expected = json.load(f)
    assert sorted(trees) == sorted(expected), "configs were added or removed: rewrite the snapshot"
    for name, tree in trees.items():
        changed = sorted(k for k in set(tree) | set(expected[name]) if tree.get(k) != expected[name].get(k))
        assert not changed, f"{name} resolves differently in {changed}"


@pytest.mark.parametrize("path", CONFIGS, ids=config_id)
def test_config_dumps_the_same_text_every_time(path):
    """Resuming compares the stored dump with the current one, so an unchanged config must match."""
    assert dump_config(load_config(path)) == dump_config(load_config(path))


@pytest.mark.parametrize("path", CONFIG_PARAMS)
def test_config_trains_two_steps_and_validates(path, tmp_path):
    cfg = small_config(path, tmp_path / "data")
    torch.manual_seed(0)
    engine = Engine(cfg, run_dir=str(tmp_path / "run"), device="cpu", data_dir=str(tmp_path / "data"))
    frozen = {n: p.detach().clone() for n, p in engine.model.named_parameters() if not p.requires_grad}
    trained = {n: p.detach().clone() for n, p in engine.model.named_parameters() if p.requires_grad}
    engine.fit()
    assert engine.step == 2
    params = dict(engine.model.named_parameters())
    assert all(torch.equal(params[n], value) for n, value in frozen.items()), "a frozen parameter changed"
    assert any(not torch.equal(params[n], value) for n, value in trained.items()), "training changed nothing"
    with open(tmp_path / "run" / "metrics.jsonl") as f:
        records = [json.loads(line) for line in f]
    val = [r for r in records if r["split"] == "val"]
    assert len(val) == 1 and val[0]["num_samples"] == len(engine.dataset_v) >= NUM_SAMPLES["dataset_v"]
    assert set(val[0]["metric"]) == set(cfg.get("metric_fn_v", {}))
    assert all(math.isfinite(v) for v in val[0]["metric"].values()), val[0]["metric"]
    assert all(math.isfinite(v) for v in val[0]["loss"].values()), val[0]["loss"]


def test_dinosaur_configs_freeze_a_pretrained_dinov2():
    real = [p for p in CONFIGS if "dinosaur_r-" in p and not p.endswith("-synth.py")]
    assert real
    for path in real:
        cfg = load_config(path)
        assert [n["pretrained"] for n in dinov2_nodes(cfg)] == [True], config_id(path)
        assert any(p.startswith("backbone") for p in cfg["freeze"]), config_id(path)


def test_missing_pretrained_weights_fail_at_build_naming_the_file(tmp_path):
    cfg = load_config(os.path.join(ROOT, "config-dinosaur", "dinosaur_r-coco.py"))
    missing = tmp_path / "dinov2_vits14.pth"
    for node in dinov2_nodes(cfg):
        node.update(pretrained=True, weights_file=str(missing))
    with pytest.raises(ConfigError, match="dinov2_vits14.pth") as error:
        Engine(cfg, device="cpu", data_dir=str(tmp_path))
    assert "model.backbone" in str(error.value)


@pytest.mark.parametrize("path", CONFIGS, ids=config_id)
def test_the_printed_config_loads_as_the_config_it_prints(path, tmp_path):
    cfg = with_overrides(load_config(path), [])
    printed = tmp_path / "printed.py"
    printed.write_text(resolved_text(cfg))
    again = with_overrides(load_config(str(printed)), [])
    assert resolved_tree(again) == resolved_tree(with_defaults(cfg))
    if path.endswith("-synth.py"):  # building the real-data models takes seconds each
        torch.manual_seed(0)
        model = build(cfg["model"])
        torch.manual_seed(0)
        rebuilt = build(again["model"])
        expected, actual = model.state_dict(), rebuilt.state_dict()
        assert list(actual) == list(expected) and all(torch.equal(actual[k], expected[k]) for k in expected)


VIDEO_METHODS = [os.path.join(ROOT, folder, f"{stem}_{init}-synth.py")
                 for folder, stem in [("config-videosaur", "videosaur"), ("config-slotcontrast", "slotcontrast"),
                                      ("config-randsfq", "randsfq")] for init in "rc"]
VIDEO_METHODS.append(os.path.join(ROOT, "config-randsfq-tsim", "randsfq_r-synth.py"))


@pytest.mark.parametrize("path", VIDEO_METHODS, ids=config_id)
def test_num_slots_and_slot_dim_overrides_reach_the_model_and_the_datasets(path, tmp_path):
    small_config(path, tmp_path / "data")  # writes the tiny LMDB files
    num_slots, slot_dim = 5, 24
    cfg = with_overrides(load_config(path), [f"num_slots={num_slots}", f"slot_dim={slot_dim}"])
    cfg.update(SMALL_RUN)
    engine = Engine(cfg, device="cpu", data_dir=str(tmp_path / "data"))
    conditional = "bbox" in cfg["model_imap"]
    for dataset in (engine.dataset_t, engine.dataset_v):
        sample = dataset[(0, 0)]
        assert ("bbox" in sample) == conditional
        if conditional:
            assert sample["bbox"].shape[-2:] == (num_slots, 4)
    sample = engine.dataset_t[(0, 0)]
    inputs = {k: sample[p.split(".", 1)[1]][None] for k, p in cfg["model_imap"].items()}
    with torch.no_grad():
        output = engine.model(**inputs)
    assert output["slots"].shape[-2:] == (num_slots, slot_dim)


def test_train_and_val_datasets_that_disagree_on_the_slot_count_are_refused(tmp_path):
    cfg = with_overrides(load_config(os.path.join(ROOT, "config-savi", "savi_c-synth.py")),
                         ["dataset_t.num_objects=9"])
    with pytest.raises(ConfigError, match="disagree on 'num_objects'"):
        Engine(cfg, device="cpu", data_dir=str(tmp_path))


# each signal on the synthetic scenes and through the MOVi pipeline (the MOVi-E configs condition as MOVi-A's)
SAVI_CONDITIONAL = sorted(glob.glob(os.path.join(ROOT, "config-savi", "savi_*-synth.py"))
                          + glob.glob(os.path.join(ROOT, "config-savi", "savi_*-movi_a.py")))
SAVI_CONDITIONAL.remove(os.path.join(ROOT, "config-savi", "savi_r-synth.py"))
CONDITION_SHAPES = {"bbox": 4, "centre": 2}  # trailing size of the first frame's (b, S, ...) condition


@pytest.mark.parametrize("path", SAVI_CONDITIONAL, ids=config_id)
def test_savi_condition_reaches_the_initializer_padded_where_the_first_frame_has_no_object(path, tmp_path):
    cfg = small_config(path, tmp_path / "data")
    engine = Engine(cfg, device="cpu", data_dir=str(tmp_path / "data"))
    (kind,) = set(engine.model_imap) - {"video"}
    seen = []
    engine.model.initializer.register_forward_pre_hook(lambda module, args: seen.append(args))
    batch, _ = next(iter(engine.val_loader()))  # (batch, number skipped)
    with torch.no_grad():
        engine.model(**{k: batch[p.split(".", 1)[1]] for k, p in engine.model_imap.items()})
    ((batch_size, condition),) = seen
    segment = batch["segment"][:, 0]  # (b, H, W): the conditioned frame
    num_slots = load_config(path)["num_slots"]
    trailing = (CONDITION_SHAPES[kind],) if kind in CONDITION_SHAPES else tuple(segment.shape[-2:])
    assert condition.shape == (batch_size, num_slots, *trailing)
    present = torch.stack([(segment == k).flatten(1).any(1) for k in range(1, num_slots + 1)], 1)  # (b, S)
    assert present.any() and not present.all()
    assert torch.equal(engine.model.initializer.is_empty(condition), ~present)
    padding = {"bbox": 0.0, "centre": -1.0, "first_mask": 0.0}[kind]  # the dataset's fill, before the model's own
    assert (condition[~present] == padding).all()
