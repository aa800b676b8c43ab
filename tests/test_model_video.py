"""Video models on frozen features: RandSF.Q's transit and DIAS decoder, the per-frame iteration
counts of VideoSAUR, SlotContrast and RandSF.Q, and their outputs."""

from pathlib import Path

import pytest
import torch
from scipy.stats import chisquare

from object_centric_bench.cli import with_overrides
from object_centric_bench.config import build, load_config
from object_centric_bench.model.decoder_dias import PartiallyVisibleDecoder
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.transit import RandomSlotFeatureTransit

S, D, C, N = 3, 16, 3 * 2 * 2 + 2, 16  # 2 px patches of 8x8 frames: 16 tokens of 12 values + 2 position
ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ transit
@pytest.mark.parametrize("frame, window", [(3, 6), (5, 6), (5, 4)])
def test_transit_times_cover_exactly_the_range_and_are_uniform(frame, window):
    transit = RandomSlotFeatureTransit(D, C, window=window)
    draws = 30000
    slot_time, feature_time = transit.sample_times(frame, draws, generator=torch.Generator().manual_seed(0))
    slot_values = list(range(max(0, frame - window + 1), frame))  # offsets frame - ts in 1..window-1
    feature_values = list(range(max(1, frame - window + 1), frame + 1))
    assert sorted(slot_time.unique().tolist()) == slot_values
    assert sorted(feature_time.unique().tolist()) == feature_values
    assert int((frame - slot_time).max()) < window and int((frame - feature_time).max()) < window
    for times, values in ((slot_time, slot_values), (feature_time, feature_values)):
        counts = torch.bincount(times - values[0], minlength=len(values)).tolist()
        assert chisquare(counts).pvalue > 1e-3
    joint = (slot_time - slot_values[0]) * len(feature_values) + feature_time - feature_values[0]
    joint_counts = torch.bincount(joint, minlength=len(slot_values) * len(feature_values)).tolist()
    assert chisquare(joint_counts).pvalue > 1e-3  # independent draws: uniform over all pairs


def test_transit_passes_no_gradient_to_past_slots_or_features():
    transit = RandomSlotFeatureTransit(D, C, window=4)
    slots = torch.randn(2, S, D, requires_grad=True)
    features = torch.randn(2, N, C, requires_grad=True)
    query = transit(slots, torch.tensor([1, 2]), features, torch.tensor([0, 1]))
    query.square().sum().backward()
    assert slots.grad is None and features.grad is None
    assert transit.feature_projection.weight.grad.abs().sum() > 0


def test_transit_refuses_offsets_outside_the_window():
    transit = RandomSlotFeatureTransit(D, C, window=4)
    with pytest.raises(ValueError, match="window"):
        transit(torch.randn(1, S, D), torch.tensor([4]), torch.randn(1, N, C), torch.tensor([0]))


class RecordingTransit(RandomSlotFeatureTransit):
    """Remembers what each call received."""

    def forward(self, slots, slot_offset, features, feature_offset):
        self.calls.append((slots.clone(), slot_offset.clone(), features.clone(), feature_offset.clone()))
        return super().forward(slots, slot_offset, features, feature_offset)


def shipped_model(config, conditional=False, window=4, recording=None):
    """The model of a shipped synthetic config at test size (S slots of width D, 8 px frames in
    2 px patches: N tokens of C channels), with ``recording`` = {module key: class} swapped in."""
    path = f"{config}_{'c' if conditional else 'r'}-synth.py"
    options = [f"num_slots={S}", f"slot_dim={D}", "size=8", "patch=2", f"chunk_len={window}"]
    node = with_overrides(load_config(str(ROOT / path)), options)["model"]
    for key, kind in (recording or {}).items():
        node[key]["type"] = kind
    torch.manual_seed(0)
    return build(node)


def randsfq(window=4):
    model = shipped_model("config-randsfq/randsfq", window=window, recording=dict(transit=RecordingTransit))
    model.transit.calls = []
    return model


def test_randsfq_inference_pairs_previous_slots_with_current_features():
    model = randsfq().eval()
    video = torch.randn(2, 5, 3, 8, 8)
    out = model(video)
    tokens = model.projection(out["feature"])  # (b, t, N, Cin)
    assert len(model.transit.calls) == 4
    for i, (slots, slot_offset, features, feature_offset) in enumerate(model.transit.calls, start=1):
        assert slot_offset.tolist() == [1, 1] and feature_offset.tolist() == [0, 0]
        torch.testing.assert_close(slots, out["slots"][:, i - 1])
        torch.testing.assert_close(features, tokens[:, i])


def test_randsfq_training_draws_random_pairs_inside_the_clip():
    model = randsfq(window=6).train()
    torch.manual_seed(1)
    for _ in range(10):
        model(torch.randn(4, 6, 3, 8, 8))
    offsets = {}
    for frame_call, (_, slot_offset, _, feature_offset) in enumerate(model.transit.calls):
        frame = frame_call % 5 + 1
        offsets.setdefault(frame, set()).update(zip(slot_offset.tolist(), feature_offset.tolist()))
    assert offsets[1] == {(1, 0)}
    assert {s for s, _ in offsets[5]} == {1, 2, 3, 4, 5}
    assert {f for _, f in offsets[5]} == {0, 1, 2, 3, 4}


# ------------------------------------------------------------------ DIAS decoder
def dias(num_tokens=20) -> PartiallyVisibleDecoder:
    torch.manual_seed(0)
    return PartiallyVisibleDecoder(D, C, num_tokens, dim=16, num_layers=2, num_heads=2)


def test_dias_visible_counts_follow_the_two_regimes():
    n = 20
    visible = dias(n).sample_visible(40000, generator=torch.Generator().manual_seed(0))
    counts = visible.sum(1)
    assert int(counts.min()) >= 0 and int(counts.max()) <= n - 2
    small = int(0.1 * n) - 1  # the second regime: 24 of 256 tokens
    # small count: probability 0.5 from the second regime plus 0.5 / (n - 1) from the uniform one
    assert (counts == small).float().mean().item() == pytest.approx(0.5 + 0.5 / (n - 1), abs=0.01)
    others = counts[counts != small]
    histogram = torch.bincount(others, minlength=n - 1)
    assert chisquare(histogram[torch.arange(n - 1) != small].tolist()).pvalue > 1e-3
    per_token = visible.float().mean(0)  # a random permutation per sample: no token favoured
    assert chisquare((per_token * len(visible)).tolist()).pvalue > 1e-3


def test_dias_hidden_tokens_do_not_see_their_features_and_eval_shows_all():
    decoder = dias(N).train()
    slots, feature = torch.randn(2, S, D), torch.randn(2, N, C)
    visible = torch.zeros(2, N, dtype=torch.bool)
    visible[:, :5] = True
    recon, _ = decoder(slots, feature, visible)
    changed = feature.clone()
    changed[:, 5:] += torch.randn(2, N - 5, C)
    torch.testing.assert_close(decoder(slots, changed, visible)[0], recon)
    changed[:, 0] += 1.0
    assert not torch.allclose(decoder(slots, changed, visible)[0], recon)
    decoder.eval()
    torch.testing.assert_close(
        decoder(slots, feature)[0], decoder(slots, feature, torch.ones(2, N, dtype=torch.bool))[0]
    )


def test_dias_is_permutation_consistent():
    decoder = dias(N).eval()
    with torch.no_grad():
        decoder.position_embedding.embedding.zero_()
    slots, feature = torch.randn(2, S, D), torch.randn(2, N, C)
    visible = torch.rand(2, N) < 0.5
    order = torch.randperm(N)
    recon, attention = decoder(slots, feature, visible)
    recon_p, attention_p = decoder(slots, feature[:, order], visible[:, order])
    torch.testing.assert_close(recon_p, recon[:, order], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(attention_p, attention[:, :, order], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(attention.sum(1), torch.ones(2, N))  # token -> slot weights


# ------------------------------------------------------------------ whole models
class RecordingSlotAttention(SlotAttention):
    def forward(self, inputs, queries, num_iterations=None, slot_mask=None):
        self.iteration_log.append(num_iterations)
        return super().forward(inputs, queries, num_iterations, slot_mask)


CONFIGS = dict(videosaur="config-videosaur/videosaur", slotcontrast="config-slotcontrast/slotcontrast",
               randsfq="config-randsfq/randsfq")


def build_model(name, conditional=False):
    model = shipped_model(CONFIGS[name], conditional, recording=dict(aggregator=RecordingSlotAttention))
    model.aggregator.iteration_log = []
    return model


@pytest.mark.parametrize("name, later", [("videosaur", 2), ("slotcontrast", 3), ("randsfq", 1)])
def test_iterations_per_frame_and_outputs(name, later):
    model = build_model(name)
    out = model(torch.randn(2, 4, 3, 8, 8))
    assert model.aggregator.iteration_log == [3, later, later, later]
    assert out["feature"].shape == out["recon"].shape == (2, 4, N, C)
    assert out["slots"].shape == (2, 4, S, D)
    assert out["mask"].shape == out["attention"].shape == (2, 4, S, 4, 4)
    torch.testing.assert_close(out["mask"].sum(2), torch.ones(2, 4, 4, 4))
    if name == "videosaur":
        assert out["similarity"].shape == (2, 4, N, N)


@pytest.mark.parametrize("name", ["videosaur", "slotcontrast", "randsfq"])
def test_conditional_init_uses_first_frame_boxes_and_eval_is_deterministic(name):
    model = build_model(name, conditional=True).eval()
    video = torch.randn(1, 3, 3, 8, 8)
    boxes = torch.rand(1, 3, S, 2).sort(-1).values.repeat_interleave(2, -1)[..., [0, 2, 1, 3]]
    out = model(video, boxes)
    torch.testing.assert_close(model(video, boxes)["slots"], out["slots"])
    later_changed = boxes.clone()
    later_changed[:, 1:] = 0.0
    torch.testing.assert_close(model(video, later_changed)["slots"], out["slots"])
    first_changed = boxes.clone()
    first_changed[:, 0, 0] = torch.tensor([0.0, 0.0, 1.0, 1.0])
    assert not torch.allclose(model(video, first_changed)["slots"], out["slots"])


def test_backbone_features_get_no_gradient():
    model = build_model("randsfq").train()
    video = torch.randn(1, 3, 3, 8, 8, requires_grad=True)
    out = model(video)
    (out["recon"] - out["feature"]).square().mean().backward()
    assert video.grad is None


def test_randsfq_stores_its_transit_as_transit_and_loads_checkpoints_that_called_it_predictor():
    model = randsfq()
    state = model.state_dict()
    assert any(k.startswith("transit.") for k in state) and not any(k.startswith("predictor.") for k in state)
    old_layout = {("predictor." + k[len("transit."):] if k.startswith("transit.") else k): v.clone() + 1
                  for k, v in state.items()}
    fresh = randsfq()
    fresh.load_state_dict(old_layout)
    assert all(torch.equal(fresh.state_dict()[k], v + 1) for k, v in state.items())
    wrapped = torch.nn.Sequential(fresh)  # the map applies under any prefix
    wrapped.load_state_dict({"0." + k: v for k, v in old_layout.items()})
