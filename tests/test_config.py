"""Config loading, building, overrides, dumping, and the error messages of malformed configs."""

import textwrap

import pytest
import torch

from object_centric_bench import engine as engine_module
from object_centric_bench.config import (
    ConfigError,
    apply_overrides,
    build,
    config_differences,
    dump_config,
    load_config,
    load_config_text,
    ref,
    resolve_config,
    with_defaults,
)
from object_centric_bench.engine import KNOWN_KEYS, Engine, check_config_keys
from object_centric_bench.pack import Pack, PackPathError


class Block:
    def __init__(self, dim: int, inner=None, ratio: float = 1.0, name: str = "block"):
        self.dim, self.inner, self.ratio, self.name = dim, inner, ratio, name


def write(tmp_path, name, body):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_build_is_recursive_through_lists_and_dicts():
    node = dict(type=Block, dim=4, inner=[dict(type=Block, dim=2), {"x": dict(type=Block, dim=1)}])
    obj = build(node)
    assert isinstance(obj, Block) and obj.dim == 4
    assert isinstance(obj.inner[0], Block) and obj.inner[0].dim == 2
    assert obj.inner[1]["x"].dim == 1


def test_type_may_be_a_dotted_string():
    layer = build(dict(type="torch.nn.Linear", in_features=3, out_features=2))
    assert isinstance(layer, torch.nn.Linear)


def test_load_skips_imports_and_private_names(tmp_path):
    path = write(tmp_path, "a/exp.py", """
        import torch
        from torch.nn import Linear
        _hidden = 3
        model = dict(type=Linear, in_features=_hidden, out_features=2)
        total_steps = 5
    """)
    cfg = load_config(path)
    assert set(cfg) == {"model", "total_steps"}
    assert cfg["model"]["in_features"] == 3


def test_two_configs_with_the_same_file_name_do_not_collide(tmp_path):
    a = load_config(write(tmp_path, "x/same.py", "value = 1\n"))
    b = load_config(write(tmp_path, "y/same.py", "value = 2\n"))
    assert (a["value"], b["value"]) == (1, 2)


def test_a_config_names_its_base_and_states_only_what_differs(tmp_path):
    write(tmp_path, "m/base_a.py", """
        total_steps = 5
        dataset_t = dict(data_file="movi_c/train.lmdb", clip_len=20, transform=dict(size=64, flip=True))
    """)
    child = write(tmp_path, "m/child_d.py", """
        _base_ = "base_a.py"
        dataset_t = dict(data_file="movi_d/train.lmdb", transform=dict(size=32))
    """)
    assert load_config(child) == dict(
        total_steps=5, dataset_t=dict(data_file="movi_d/train.lmdb", clip_len=20, transform=dict(size=32, flip=True)))
    assert load_config(str(tmp_path / "m" / "base_a.py"))["dataset_t"]["data_file"] == "movi_c/train.lmdb"


def test_a_node_of_another_type_or_marked_replace_takes_the_base_nodes_place(tmp_path):
    write(tmp_path, "base.py", """
        from tests.test_config import Block
        model = dict(type=Block, dim=3, inner=[1, 2])
        data = dict(a=1, b=2)
    """)
    child = write(tmp_path, "child.py", """
        from object_centric_bench.config import replace
        _base_ = ["base.py"]
        model = dict(type=dict, dim=4)
        data = replace(dict(c=3))
    """)
    assert load_config(child) == dict(model=dict(type=dict, dim=4), data=dict(c=3))


def test_a_base_chain_that_loops_or_names_no_file_is_refused(tmp_path):
    write(tmp_path, "a.py", "_base_ = 'b.py'\n")
    write(tmp_path, "b.py", "_base_ = 'a.py'\n")
    with pytest.raises(ConfigError, match="loops"):
        load_config(str(tmp_path / "a.py"))
    with pytest.raises(FileNotFoundError, match="missing.py.*the _base_ of"):
        load_config(write(tmp_path, "c.py", "_base_ = 'missing.py'\n"))


def test_refs_read_knobs_after_the_overrides():
    cfg = dict(total_steps=10, slot_dim=8, patch=4, feature_dim=3 * ref("patch") ** 2 + 2,
               model=dict(type=Block, dim=ref("slot_dim"), inner=[2 * ref("feature_dim"), ref("total_steps")]))
    apply_overrides(cfg, ["patch=2", "slot_dim=16"])
    resolved = resolve_config(cfg, reserved={"total_steps", "model", "knobs"})
    assert resolved["model"] == dict(type=Block, dim=16, inner=[28, 10])
    assert resolved["knobs"] == dict(slot_dim=16, patch=2, feature_dim=14)
    assert resolve_config(resolved, reserved={"total_steps", "model", "knobs"}) == resolved


def test_an_unread_knob_a_ref_cycle_and_a_ref_to_nothing_are_refused():
    with pytest.raises(ConfigError, match="unknown config key.*slot_dimm"):
        resolve_config(dict(slot_dimm=3, model=dict(dim=4)), reserved={"model"})
    with pytest.raises(ConfigError, match="cycle: a -> b -> a"):
        resolve_config(dict(a=ref("b"), b=ref("a") + 1))
    with pytest.raises(ConfigError, match="model.dim = ref\\('slot_dim'\\).*'slot_dim' names nothing"):
        resolve_config(dict(model=dict(dim=ref("slot_dim"))))
    with pytest.raises(ConfigError, match="no truth value"):
        bool(ref("x"))


def test_with_defaults_writes_out_the_constructor_defaults():
    node = with_defaults(dict(type=torch.nn.Linear, in_features=2, out_features=3))
    assert node == dict(type=torch.nn.Linear, in_features=2, out_features=3, bias=True, device=None, dtype=None)


def test_overrides_use_dotted_paths_and_literals():
    cfg = dict(model=dict(type=Block, dim=3, inner=[1, 2]), total_steps=10, precision="fp32")
    apply_overrides(cfg, ["model.dim=8", "model.inner=[4, 5, 6]", "total_steps=7", "precision=bf16",
                          "model.inner.1=9", "model.ratio=0.5"])
    assert cfg["model"]["dim"] == 8 and cfg["model"]["inner"] == [4, 9, 6]
    assert cfg["total_steps"] == 7 and cfg["precision"] == "bf16"
    assert build(cfg["model"]).ratio == 0.5
    apply_overrides(cfg, ["num_workers=2"], new_top_level={"num_workers"})
    assert cfg["num_workers"] == 2


def test_dump_then_load_gives_the_same_config(tmp_path):
    cfg = dict(model=dict(type=Block, dim=3, inner=(1, 2.5, "s", None)), opt=dict(type=torch.optim.Adam, lr=1e-3),
               steps=[dict(type=torch.nn.Identity)])
    path = tmp_path / "config.py"
    path.write_text(dump_config(cfg))
    assert load_config(str(path)) == cfg


def test_config_text_loads_like_its_file():
    cfg = dict(model=dict(type=Block, dim=3), opt=dict(type=torch.optim.Adam, lr=1e-3))
    assert load_config_text(dump_config(cfg), "run/ckpt/last.pth") == cfg
    with pytest.raises(ConfigError, match="run/ckpt/last.pth: executing the config failed"):
        load_config_text("model = undefined_name\n", "run/ckpt/last.pth")


def test_config_differences_name_changed_added_and_removed_keys_only():
    old = dict(steps=3, model=dict(type=Block, dim=3), opt=dict(type=torch.optim.Adam, lr=1e-3), gone=1)
    new = dict(steps=3, model=dict(type=Block, dim=3, inner=dict(type=torch.nn.Identity)),
               opt=dict(type=torch.optim.Adam, lr=1e-3), added=2)  # Identity shifts the numbering of Adam's alias
    assert config_differences(dump_config(old), dump_config(old)) == {}
    differences = config_differences(dump_config(old), dump_config(new))
    assert list(differences) == ["model", "gone", "added"]
    assert differences["model"][0] == f"model = {{'type': {__name__}.Block, 'dim': 3}}"
    assert "torch.nn.modules.linear.Identity" in differences["model"][1]
    assert differences["gone"] == ("gone = 1", "(absent)") and differences["added"] == ("(absent)", "added = 2")


# Each malformed config, and the words its error must contain (the dotted path, the key).
MALFORMED = [
    (dict(model=dict(type=Block, dim=1, widht=3)), "model", "model: ", "widht"),
    (dict(model=dict(type=Block)), "model", "model: ", "missing required argument(s) dim"),
    (dict(model=dict(type=Block, dim="four")), "model", "model.dim", "expects int"),
    (dict(model=dict(type=Block, dim=1, ratio="big")), "model", "model.ratio", "expects float"),
    (dict(model=dict(type=Block, dim=1, inner=dict(type=Block, dim=2, bad=1))), "model", "model.inner", "bad"),
    (dict(model=dict(type=Block, dim=1, inner=[1, dict(type=Block)])), "model", "model.inner.1", "dim"),
    (dict(model=dict(type="torch.nn.NoSuchLayer")), "model", "model.type", "NoSuchLayer"),
    (dict(model=dict(type=42)), "model", "model.type", "class or function"),
    (dict(model=dict(type=torch.nn.Linear, in_features=-1, out_features=2)), "model", "model: building", "Linear"),
    (dict(model=dict(type=Block, dim=1, name=3)), "model", "model.name", "expects str"),
]


@pytest.mark.parametrize("cfg,key,path,words", MALFORMED)
def test_malformed_nodes_name_their_path(cfg, key, path, words):
    with pytest.raises(ConfigError) as info:
        build(cfg[key], key)
    assert path in str(info.value) and words in str(info.value)


@pytest.mark.parametrize("option,words", [
    ("model.nope.x=1", "'model.nope' names nothing"),
    ("model.inner.7=1", "'model.inner.7' names nothing"),
    ("modle.dim=1", "'modle' names nothing"),
    ("loss_fn.recon.wieght=2", "'loss_fn.recon.wieght' names nothing"),
    ("no_equals_sign", "key.path=value"),
])
def test_bad_overrides_name_the_path(option, words):
    cfg = dict(model=dict(type=Block, dim=1, inner=[1]), loss_fn=dict(recon=dict(fn=None, map={}, weight=1)))
    with pytest.raises(ConfigError) as info:
        apply_overrides(cfg, [option])
    assert words in str(info.value)


def test_unknown_top_level_key_and_bad_precision_are_refused():
    with pytest.raises(ConfigError, match="unknown config key.*totl_steps"):
        resolve_config(dict(totl_steps=3), reserved=KNOWN_KEYS)
    with pytest.raises(ConfigError, match="precision"):
        check_config_keys(dict(precision="fp8"))


def test_config_that_fails_to_execute_names_the_file(tmp_path):
    path = write(tmp_path, "broken.py", "model = dict(type=UndefinedThing)\n")
    with pytest.raises(ConfigError, match="broken.py"):
        load_config(path)


def test_pack_path_errors_list_existing_keys():
    pack = Pack(dict(image=1, segment=2))
    pack.output = dict(alpha=3)
    assert pack.get("output.alpha") == 3
    with pytest.raises(PackPathError, match="'output' has keys: alpha"):
        pack.get("output.recon")
    with pytest.raises(PackPathError, match="must start with one of"):
        pack.get("outputs.alpha")


def test_engine_reports_wrong_wiring_on_the_first_step(tmp_path):
    cfg = load_config("tests/configs/toy.py")
    cfg["loss_fn"]["recon"]["map"]["input"] = "output.reconstruction"
    engine = Engine(cfg, run_dir=str(tmp_path))
    with pytest.raises(PackPathError, match="'output' has keys: mask, recon"):
        engine.fit()


def test_engine_reports_a_missing_optimizer_and_fp16_on_cpu():
    cfg = load_config("tests/configs/toy.py")
    del cfg["optimizer"]
    with pytest.raises(ConfigError, match="'optimizer' is required"):
        Engine(cfg)
    cfg = load_config("tests/configs/toy.py")
    cfg["precision"] = "fp16"
    with pytest.raises(ConfigError, match="fp16, which needs CUDA"):
        Engine(cfg, device="cpu")


@pytest.mark.parametrize("native, expected", [(True, "bf16"), (False, "fp32")])
def test_amp_precision_on_a_cpu_is_bf16_only_where_native_and_never_scales(tmp_path, monkeypatch, native, expected):
    monkeypatch.setattr(engine_module, "cpu_has_native_bf16", lambda: native)
    cfg = load_config("tests/configs/toy.py")
    cfg["precision"] = "amp"
    engine = Engine(cfg, device="cpu", data_dir=str(tmp_path))
    assert engine.precision == expected and not engine.scaler.is_enabled()
    assert engine.protocol()["precision"] == expected
