"""The video configs compute what the RandSF.Q v3 reference computes: for every fixture folder
(``tests/data/reference-v3``, or the folders under ``$OCB_REFERENCE_FIXTURES``), the shipped
config its ``spec.json`` names, shrunk to the fixture's sizes, loads the reference checkpoint
through the key map and reproduces every output and loss of ``outputs.pt`` within the stated
tolerance, and the scored segmentation wherever it is tie-free.

Everything about a folder comes from its ``spec.json``: the config, the shrunk widths, grid and
backbone, the structure (iterations, truncation, eps) and the loss weights.
"""

import hashlib
import json
import math
import os
from pathlib import Path

import pytest
import torch

import convert
from object_centric_bench.checkpoint import init_from_checkpoints, load_checkpoint
from object_centric_bench.cli import with_overrides
from object_centric_bench.config import build, load_config
from object_centric_bench.learn.metric import masks_to_index
from object_centric_bench.reference_checkpoint import ReferenceCheckpointError, model_state, reference_state_dict

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("OCB_REFERENCE_FIXTURES") or ROOT / "tests" / "data" / "reference-v3")
FOLDERS = sorted(p.parent for p in FIXTURES.glob("*/spec.json"))
# reference config paths the fixtures shrink -> ours (the hidden widths; the last entry of the
# reference's list is the output width, which the fixtures keep)
KEY_PATHS = {"model.decode.render.dims": "model.decoder.hidden_dims",
             "model.decode.backbone.dims": "model.decoder.hidden_dims"}
LOSS_NAMES = {"recon": "recon", "tsim": "similarity", "ssc": "contrast"}  # reference -> ours


def test_every_fixture_folder_is_found_with_the_files_its_manifest_lists():
    assert len(FOLDERS) >= (7 if "OCB_REFERENCE_FIXTURES" not in os.environ else 1), FIXTURES
    manifest = FIXTURES / "manifest.json"
    if manifest.exists():
        for folder, entry in json.loads(manifest.read_text()).items():
            for name, info in entry["files"].items():
                digest = hashlib.sha256((FIXTURES / folder / name).read_bytes()).hexdigest()
                assert digest == info["sha256"], f"{folder}/{name} differs from its manifest"


def fixture_options(spec):
    """``--cfg-options`` that shrink the shipped config of ``spec`` to the fixture's sizes."""
    shrink, structure = spec["shrink"], spec["structure"]
    sizes = {name: value["fixture"] for name, value in shrink["globals"].items()}
    backbone = structure["backbone"]
    architecture = dict(depth=backbone["blocks"], embed_dim=backbone["width"], num_heads=backbone["heads"])
    options = [f"feature_dim={sizes['vfm_dim']}", f"slot_dim={sizes['emb_dim']}",
               f"size={sizes['resolut0'][0]}", f"num_tokens={math.prod(sizes['resolut1'])}",
               f"num_slots={spec['outputs']['initial_queries']['shape'][1]}",
               "model.backbone.pretrained=False", f"model.backbone.input_size={backbone['in_size']}",
               f"model.backbone.architecture={architecture!r}"]
    if "transit_window_dt" in structure:
        options.append(f"chunk_len={structure['transit_window_dt']}")
    return options + [f"{KEY_PATHS[path]}={tuple(value['fixture'][:-1])}" for path, value in shrink["key_paths"].items()]


def fixture_config(spec):
    return with_overrides(load_config(str(ROOT / spec["config"])), fixture_options(spec))


def run_fixture(folder):
    spec = json.loads((folder / "spec.json").read_text())
    inputs = torch.load(folder / "inputs.pt", weights_only=True)
    cfg = fixture_config(spec)
    model = build(cfg["model"]).eval()
    model.load_state_dict(reference_state_dict(torch.load(folder / "checkpoint.pth", weights_only=True), model))
    captured = dict(queries=[])
    model.projection.register_forward_hook(lambda m, args, out: captured.__setitem__("encode", out))
    model.aggregator.register_forward_pre_hook(lambda m, args: captured["queries"].append(args[1]))
    if "initial_queries" in inputs:  # the reference draws the initial noise at evaluation too
        model.initializer.register_forward_hook(lambda m, args, out: inputs["initial_queries"])
    model.initializer.register_forward_hook(lambda m, args, out: captured.__setitem__("initial_queries", out))
    torch.manual_seed(spec["randomness"]["eval_seed"])
    with torch.no_grad():
        out = model(inputs["video"], inputs["bbox"]) if "bbox" in inputs else model(inputs["video"])
    return spec, cfg, model, out, captured


def ours_as_reference(out, captured, cfg):
    """Our outputs in the fixture's names and axes."""
    b, t, n, c = out["feature"].shape
    grid = out["mask"].shape[-2:]
    recon = torch.cat([out["recon"], out["similarity"]], -1) if "similarity" in out else out["recon"]
    ours = dict(
        feature=out["feature"].transpose(2, 3).unflatten(-1, grid),
        encode=captured["encode"].unflatten(0, (b, t)),
        initial_queries=captured["initial_queries"],
        queries=torch.stack(captured["queries"], 1),
        slots=out["slots"],
        sa_attention=out["attention"],
        decoder_masks=out["mask"],
        recon=recon.transpose(2, 3).unflatten(-1, grid),
    )
    losses = {}
    for name, entry in cfg["loss_fn"].items():
        fn = build(entry["fn"])
        args = {key: path.split(".", 1)[1] for key, path in entry["map"].items()}
        values = {key: out[value] for key, value in args.items()}
        losses[name] = (fn(**values), entry.get("weight", 1.0))
        if "similarity" in out and name == "similarity":
            ours["tsim_logits"], ours["tsim_target"] = out["similarity"], fn.target(out["feature"])
    return ours, losses


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_the_config_reproduces_the_reference_outputs(folder):
    spec, cfg, model, out, captured = run_fixture(folder)
    structure = spec["structure"]["slot_attention"]
    iterations = structure["iterations_per_frame"]
    assert (model.first_frame_iterations, model.iterations) == (iterations[0], iterations[1])
    assert model.aggregator.truncate == (structure["truncation"] or "none")
    assert model.aggregator.eps == structure["renormalisation_eps"]
    expected = torch.load(folder / "outputs.pt", weights_only=True)
    tolerance = spec["tolerance"]["max_abs"]
    ours, losses = ours_as_reference(out, captured, cfg)
    for name, value in ours.items():
        assert value.shape == expected[name].shape, name
        difference = (value.float() - expected[name]).abs().max().item()
        assert difference <= tolerance, f"{folder.name} {name}: max abs difference {difference:.3g}"
    for name, info in spec["losses"].items():
        reference_name = name.removeprefix("loss_").removesuffix("_weighted")
        loss, weight = losses[LOSS_NAMES[reference_name]]
        if name.endswith("_weighted"):
            assert weight == pytest.approx(info["weight"]), name
            loss = loss * weight
        value = loss
        assert abs(value.item() - expected[name].item()) <= tolerance, f"{folder.name} {name}: {value.item()} vs {expected[name].item()}"
    segment = masks_to_index(out["mask"], tuple(expected["segment"].shape[-2:]))
    tie_free = expected["segment_tie_free"]
    assert torch.equal(segment[tie_free], expected["segment"][tie_free].long())


FIRST = FOLDERS[0] if FOLDERS else None


def fixture_model(folder):
    spec = json.loads((folder / "spec.json").read_text())
    return build(fixture_config(spec)["model"]), torch.load(folder / "checkpoint.pth", weights_only=True)


@pytest.mark.skipif(FIRST is None, reason="no fixture folders")
def test_the_key_map_names_every_key_that_does_not_fit():
    model, reference = fixture_model(FIRST)
    assert set(reference_state_dict(reference, model)) == set(model.state_dict())
    key = "m.aggregat.proj_q.weight"
    with pytest.raises(ReferenceCheckpointError, match=r"does not fill: aggregator\.to_q\.weight$"):
        reference_state_dict({k: v for k, v in reference.items() if k != key}, model)
    with pytest.raises(ReferenceCheckpointError, match=r"map to nothing: m\.aggregat\.extra\.weight"):
        reference_state_dict(dict(reference, **{"m.aggregat.extra.weight": torch.zeros(1)}), model)
    with pytest.raises(ReferenceCheckpointError, match=r"^f\.pth: .*shapes that differ: m\.aggregat\.proj_q\.weight \(3,\)"):
        reference_state_dict(dict(reference, **{key: torch.zeros(3)}), model, "f.pth")


@pytest.mark.skipif(FIRST is None, reason="no fixture folders")
def test_train_eval_and_convert_read_a_reference_file_alike(tmp_path):
    spec = json.loads((FIRST / "spec.json").read_text())
    source, dst = str(FIRST / "checkpoint.pth"), tmp_path / "converted.pth"
    convert.main(["checkpoint", "--src", source, "--cfg_file", str(ROOT / spec["config"]),
                  "--cfg-options", *fixture_options(spec), "--dst", str(dst)])
    stored = load_checkpoint(str(dst))
    assert stored["step"] == 0 and "model" in stored and isinstance(stored["config"], str)
    model, reference = fixture_model(FIRST)
    expected = reference_state_dict(reference, model)
    evaluated = model_state(load_checkpoint(source), model, source)  # eval.py --ckpt_file
    report = init_from_checkpoints(model, [source])  # train.py --ckpt_file
    assert not report["missing"] and not report["unexpected"]
    for key, value in expected.items():
        assert torch.equal(stored["model"][key], value) and torch.equal(evaluated[key], value), key
        assert torch.equal(model.state_dict()[key], value), key


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_the_shipped_config_takes_a_released_full_size_checkpoint(folder):
    """The key names and shapes of the reference's full-size checkpoint (what its released
    ``<seed>-<epoch>.pth`` files hold) map completely onto the shipped config's model."""
    spec = json.loads((folder / "spec.json").read_text())
    cfg = with_overrides(load_config(str(ROOT / spec["config"])), ["model.backbone.pretrained=False"])
    model = build(cfg["model"])
    layout = {key: torch.zeros(shape) for key, shape in spec["checkpoint"]["full_size_layout"]["keys"]}
    assert set(reference_state_dict(layout, model)) == set(model.state_dict())
