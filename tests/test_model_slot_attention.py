"""Slot attention: shapes, equivariance, iteration override, bi-level truncation, slot mask."""

import pytest
import torch

from object_centric_bench.model.slot_attention import SlotAttention

B, N, CIN, S, D = 2, 12, 8, 4, 16


def make(**kwargs) -> SlotAttention:
    torch.manual_seed(0)
    return SlotAttention(CIN, D, **kwargs).eval()


def data():
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(B, N, CIN, generator=generator)
    queries = torch.randn(B, S, D, generator=generator)
    return inputs, queries


def test_shapes_and_attention_sums_to_one_over_slots():
    inputs, queries = data()
    slots, attention = make()(inputs, queries)
    assert slots.shape == (B, S, D)
    assert attention.shape == (B, S, N)
    assert attention.dtype == torch.float32
    torch.testing.assert_close(attention.sum(1), torch.ones(B, N))


def test_permuting_queries_permutes_slots_and_attention():
    inputs, queries = data()
    module = make()
    permutation = torch.tensor([2, 0, 3, 1])
    slots, attention = module(inputs, queries)
    slots_p, attention_p = module(inputs, queries[:, permutation])
    torch.testing.assert_close(slots_p, slots[:, permutation], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(attention_p, attention[:, permutation], atol=1e-6, rtol=1e-5)


def test_iteration_override_matches_a_module_built_with_that_count():
    inputs, queries = data()
    three, one = make(num_iterations=3), make(num_iterations=1)
    one.load_state_dict(three.state_dict())
    expected, _ = one(inputs, queries)
    overridden, _ = three(inputs, queries, num_iterations=1)
    default, _ = three(inputs, queries)
    torch.testing.assert_close(overridden, expected)
    assert not torch.allclose(default, expected)


def test_without_the_residual_mlp_one_iteration_is_the_gru_update_of_the_attention_mean():
    inputs, queries = data()
    module = make(num_iterations=1, residual_mlp=False)
    assert not any(name.startswith(("mlp.", "norm_mlp.")) for name, _ in module.named_parameters())
    slots, attention = module(inputs, queries)
    weights = attention / (attention.sum(2, keepdim=True) + module.eps)
    updates = weights @ module.to_v(module.norm_input(inputs))
    expected = module.gru(updates.reshape(B * S, D), queries.reshape(B * S, D)).reshape(B, S, D)
    torch.testing.assert_close(slots, expected)
    with_mlp = make(num_iterations=1)
    with_mlp.load_state_dict(module.state_dict(), strict=False)
    assert not torch.allclose(with_mlp(inputs, queries)[0], expected)


def test_bi_level_truncation_backpropagates_through_the_last_iteration_only():
    inputs, _ = data()
    weights = torch.randn(B, S, D)
    truncated = make(num_iterations=3, truncate="bi-level")
    reference = make(num_iterations=3)

    queries = torch.randn(B, S, D, requires_grad=True)
    slots, _ = truncated(inputs, queries)
    (slots * weights).sum().backward()

    # Reference: two iterations without gradient, then one differentiable iteration from there.
    with torch.no_grad():
        before_last, _ = reference(inputs, queries, num_iterations=2)
    before_last.requires_grad_(True)
    reference_slots, _ = reference(inputs, before_last, num_iterations=1)
    (reference_slots * weights).sum().backward()

    torch.testing.assert_close(slots, reference_slots)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        got = getattr(truncated.gru, name).grad
        torch.testing.assert_close(got, getattr(reference.gru, name).grad)
    torch.testing.assert_close(queries.grad, before_last.grad)

    untruncated = make(num_iterations=3)
    slots_full, _ = untruncated(inputs, queries.detach())
    (slots_full * weights).sum().backward()
    assert not torch.allclose(untruncated.gru.weight_hh.grad, truncated.gru.weight_hh.grad)


def test_masked_slot_takes_no_attention():
    inputs, queries = data()
    mask = torch.zeros(B, S, dtype=torch.bool)
    mask[0, 1] = True
    slots, attention = make()(inputs, queries, slot_mask=mask)
    assert torch.all(attention[0, 1] == 0)
    assert torch.all(attention[1, 1] > 0)
    torch.testing.assert_close(attention.sum(1), torch.ones(B, N))
    assert torch.isfinite(slots).all()


def test_invalid_options_are_rejected():
    with pytest.raises(ValueError, match="truncate"):
        SlotAttention(CIN, D, truncate="partial")
    with pytest.raises(ValueError, match="num_iterations"):
        make()(*data(), num_iterations=0)


def test_runs_under_bf16_autocast():
    inputs, queries = data()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        slots, attention = make()(inputs, queries)
    assert slots.dtype == torch.float32
    assert torch.isfinite(slots).all()
    torch.testing.assert_close(attention.sum(1), torch.ones(B, N))
