"""MetaSlot: deduplication masks slots out of attention, evaluation is deterministic, the codebook
state lives in the state_dict, dead prototypes come back, and the training ramp is the paper's."""

import io
import os

import pytest
import torch

from object_centric_bench.engine import Engine
from object_centric_bench.learn.metric import ActiveSlots
from object_centric_bench.model.backbone import Patchify
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.metaslot import MetaSlot, duplicates
from tests.test_shipped_configs import ROOT, small_config

B, N, CIN, S, D = 2, 12, 8, 5, 16


def make(**kwargs) -> MetaSlot:
    torch.manual_seed(0)
    return MetaSlot(CIN, D, **dict(dict(codebook_size=8, buffer_size=20, timeout=3), **kwargs))


def data(seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(B, N, CIN, generator=generator), torch.randn(B, S, D, generator=generator)


def test_duplicates_keep_the_first_slot_of_each_code():
    codes = torch.tensor([[3, 1, 3, 3, 0], [2, 2, 1, 0, 1]])
    expected = torch.tensor([[False, False, True, True, False], [False, True, False, False, True]])
    assert torch.equal(duplicates(codes), expected)


def test_slots_sharing_a_prototype_are_masked_out_of_attention_and_zeroed():
    model = make(codebook_size=1).eval()  # one prototype: every slot but the first is a duplicate
    inputs, queries = data()
    slots, attention, mask = model(inputs, queries)
    assert torch.equal(mask, torch.tensor([[False] + [True] * (S - 1)] * B))
    assert (attention[:, 1:] == 0).all() and torch.allclose(attention[:, 0], torch.ones(B, N))
    assert (slots[:, 1:] == 0).all() and (slots[:, 0] != 0).any()


def test_a_given_slot_mask_stays_masked():
    model = make().eval()
    inputs, queries = data()
    given = torch.zeros(B, S, dtype=torch.bool)
    given[:, -2:] = True
    _, attention, mask = model(inputs, queries, slot_mask=given)
    assert mask[given].all() and (attention[:, -2:] == 0).all()


def test_evaluation_is_deterministic_and_leaves_the_state_alone():
    model = make().eval()
    inputs, queries = data()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    first = model(inputs, queries)
    second = model(inputs, queries)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())


def test_gradients_reach_the_queries_and_the_attention_weights():
    model = make().train()
    inputs, queries = data()
    queries.requires_grad_(True)
    slots, _, _ = model(inputs, queries)
    slots.square().sum().backward()
    assert queries.grad.abs().sum() > 0
    assert model.to_q.weight.grad.abs().sum() > 0 and model.gru.weight_ih.grad.abs().sum() > 0


def _train_steps(model, steps, seed=0):
    torch.manual_seed(seed)
    for step in range(steps):
        inputs, queries = data(seed=100 + step)
        model(inputs, queries)[0].sum().backward()


def test_the_codebook_state_survives_save_and_load_bit_exactly():
    model = make().train()
    _train_steps(model, 4)
    assert bool(model.initialised) and int(model.buffer_filled) == len(model.buffer)
    saved = io.BytesIO()
    torch.save(model.state_dict(), saved)
    saved.seek(0)
    restored = make(codebook_size=8).train()
    restored.load_state_dict(torch.load(saved))
    for name in ("codebook", "buffer", "buffer_next", "buffer_filled", "idle_steps", "dedup_prob", "initialised"):
        assert name in model.state_dict(), name
    _train_steps(model, 3, seed=7)
    _train_steps(restored, 3, seed=7)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), restored.state_dict().values()))


def test_the_codebook_starts_from_the_first_batch_not_from_noise():
    model = make().train()
    vectors = 3.0 + 0.1 * torch.randn(10, D)  # far from the N(0, 1) prototypes it was built with
    model._initialise(vectors)
    assert bool(model.initialised)
    assert torch.cdist(model.codebook, vectors).min(1).values.max() < 0.05
    fresh = make().train()
    assert not bool(fresh.initialised)
    _train_steps(fresh, 1)  # the first training call initialises from its own stage-1 slots
    assert bool(fresh.initialised) and not torch.equal(fresh.codebook, make().codebook)


def test_a_prototype_unused_for_the_timeout_is_revived_from_the_buffer():
    model = make(timeout=2).train()
    _train_steps(model, 1)
    far = torch.full((D,), 1e3)
    with torch.no_grad():
        model.codebook[3] = far  # never the nearest prototype of any slot
        model.idle_steps.zero_()
    _train_steps(model, 1, seed=1)
    assert torch.equal(model.codebook[3], far) and int(model.idle_steps[3]) == 1
    _train_steps(model, 1, seed=2)
    assert int(model.idle_steps[3]) == 0
    distance = torch.cdist(model.codebook[3:4], model.buffer).min()
    assert distance < 0.1 * torch.linalg.vector_norm(model.buffer, dim=1).mean()


def test_the_deduplicated_path_ramps_up_by_its_growth_per_training_step():
    model = make(dedup_start=0.5, dedup_growth=1.5).train()
    probs = []
    for step in range(3):
        _train_steps(model, 1, seed=step)
        probs.append(float(model.dedup_prob))
    assert probs == pytest.approx([0.75, 1.0, 1.0])
    model.eval()
    model(*data())
    assert float(model.dedup_prob) == 1.0  # evaluation neither grows it nor draws from it


def test_noise_falls_linearly_to_zero_over_the_iterations():
    assert make(noise_std=0.5).noise_levels(3) == pytest.approx([0.5, 0.25, 0.0])
    assert make().noise_levels(1) == [0.0]


def test_the_dinosaur_host_gives_masked_slots_no_decoder_alpha():
    torch.manual_seed(0)
    model = DINOSAUR(
        backbone=Patchify(patch_size=4),
        projection=torch.nn.Linear(48, D),
        initializer=GaussianInitializer(num_slots=S, slot_dim=D),
        aggregator=MetaSlot(D, D, codebook_size=2, buffer_size=10),
        decoder=BroadcastMLPDecoder(D, 48, num_tokens=16, hidden_dims=(32,)),
    ).eval()
    output = model(torch.rand(B, 3, 16, 16))
    mask = output["slot_mask"]
    assert mask.shape == (B, S) and mask.any() and (~mask).sum(1).max() <= 2
    assert (output["mask"][mask] == 0).all() and (output["attention"][mask] == 0).all()
    torch.testing.assert_close(output["mask"].sum(1), torch.ones(B, 4, 4))


def test_active_slots_counts_the_kept_slots_per_sample():
    mask = torch.tensor([[False, True, True], [False, False, True]])
    assert ActiveSlots()(mask).tolist() == [1.0, 2.0]
    video = torch.stack([mask, ~mask], 1)  # (2, 2 frames, 3): 1 then 2 kept, 2 then 1 kept
    assert ActiveSlots()(video).tolist() == [1.5, 1.5]
    with pytest.raises(ValueError, match="bool"):
        ActiveSlots()(mask.float())


def test_a_resumed_metaslot_run_matches_the_uninterrupted_one_bit_for_bit(tmp_path):
    config = os.path.join(ROOT, "config-metaslot", "dinosaur_r-synth.py")
    cfg = small_config(config, tmp_path / "data")
    cfg.update(total_steps=4, val_interval=4, ckpt_interval=2)
    straight = Engine(dict(cfg), run_dir=str(tmp_path / "a"), device="cpu", data_dir=str(tmp_path / "data"))
    straight.fit()
    resumed = Engine(dict(cfg), run_dir=str(tmp_path / "b"), device="cpu", data_dir=str(tmp_path / "data"))
    resumed.fit(resume=str(tmp_path / "a" / "ckpt" / "step_000002.pth"))  # as a run killed after step 2
    assert resumed.step == 4 and bool(straight.model.aggregator.initialised)
    expected, actual = straight.model.state_dict(), resumed.model.state_dict()
    assert "aggregator.codebook" in expected and "aggregator.idle_steps" in expected
    for key, value in expected.items():
        assert torch.equal(value, actual[key]), key


def test_the_codebook_is_maintained_from_the_stage1_slots_it_quantises():
    model = make(buffer_size=B * S).train()
    stage1 = []
    iterate = model.iterate

    def recording(normed, slots, *args, **kwargs):
        out = iterate(normed, slots, *args, **kwargs)
        if kwargs.get("queries") is None:  # stage 1 has no straight-through path
            stage1.append(out[0].detach().reshape(-1, D).float())
        return out

    model.iterate = recording
    inputs, queries = data()
    model(inputs, queries)
    assert torch.equal(model.buffer, stage1[0])  # not the refined slots, which live elsewhere


def test_training_draws_prototypes_at_the_temperature_and_evaluation_takes_the_nearest():
    model = make(codebook_size=8)
    slots = torch.randn(400, D)
    nearest = model.quantise(slots)
    assert torch.equal(model.quantise(slots, temperature=1e-9), nearest)
    torch.manual_seed(0)
    hot = model.quantise(slots, temperature=1e6)  # nearly uniform over the 8 prototypes
    assert (hot != nearest).float().mean() > 0.7 and len(hot.unique()) == 8
