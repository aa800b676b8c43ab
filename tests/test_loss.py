"""The embedded default's reconstruction loss and the step that builds its RGB + flow target."""

import math

import pytest
import torch
import torch.nn.functional as F

from object_centric_bench.learn.loss import ForegroundWeightedMSELoss, SumSquaredError
from object_centric_bench.learn.target import ConcatChannels, LogDepth
from object_centric_bench.pack import Pack


def scene(object_value=1.0):
    """(2, 3, 8, 8) frames: a plain background of 0 with a 2x2 object of ``object_value``."""
    frames = torch.zeros(2, 3, 8, 8)
    frames[:, :, 2:4, 5:7] = object_value
    return frames


def test_weight_one_is_plain_mse():
    torch.manual_seed(0)
    prediction, target = torch.randn(2, 3, 3, 8, 8), torch.randn(2, 3, 3, 8, 8)
    loss = ForegroundWeightedMSELoss(foreground_weight=1.0)(prediction, target)
    assert torch.allclose(loss, F.mse_loss(prediction, target))


def test_an_error_on_the_object_costs_foreground_weight_times_one_on_the_background():
    target = scene()
    loss = ForegroundWeightedMSELoss(foreground_weight=10.0, tolerance=0.5)
    on_object, on_background = target.clone(), target.clone()
    on_object[0, 0, 2, 5] += 0.3
    on_background[0, 0, 6, 1] += 0.3
    ratio = loss(on_object, target) / loss(on_background, target)
    assert ratio.item() == pytest.approx(10.0, rel=1e-5)


def test_weights_are_normalised_so_a_uniform_error_costs_the_same_as_plain_mse():
    target = scene()
    prediction = target + 0.2
    weighted = ForegroundWeightedMSELoss(foreground_weight=10.0)(prediction, target)
    assert weighted.item() == pytest.approx(0.04, rel=1e-5)


def test_a_low_resolution_prediction_is_compared_with_the_area_resized_target():
    target = scene()
    exact = F.avg_pool2d(target, 2)  # (2, 3, 4, 4)
    loss = ForegroundWeightedMSELoss(foreground_weight=5.0)
    assert loss(exact, target).item() == pytest.approx(0.0, abs=1e-12)
    assert loss(exact + 0.1, target).item() > 0


def test_invalid_settings_and_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="foreground_weight"):
        ForegroundWeightedMSELoss(foreground_weight=0.5)
    with pytest.raises(ValueError, match="tolerance"):
        ForegroundWeightedMSELoss(tolerance=0.0)
    with pytest.raises(ValueError, match="spatial"):
        ForegroundWeightedMSELoss()(torch.zeros(2, 6, 8, 8), torch.zeros(2, 3, 8, 8))


def test_concat_channels_stacks_scaled_sources_into_one_target():
    video, flow_rgb = torch.randn(2, 4, 3, 8, 8), torch.rand(2, 4, 3, 8, 8)
    pack = Pack(dict(video=video, flow_rgb=flow_rgb))
    ConcatChannels(["batch.video", "batch.flow_rgb"], "batch.target", scales=[1.0, 2.0])(pack)
    target = pack.get("batch.target")
    assert target.shape == (2, 4, 6, 8, 8)
    assert torch.equal(target[:, :, :3], video)
    assert torch.allclose(target[:, :, 3:], 2 * flow_rgb)


def test_concat_channels_refuses_sources_of_different_sizes():
    pack = Pack(dict(video=torch.zeros(1, 3, 8, 8), flow_rgb=torch.zeros(1, 3, 4, 4)))
    with pytest.raises(ValueError, match="channel axis"):
        ConcatChannels(["batch.video", "batch.flow_rgb"], "batch.target")(pack)
    with pytest.raises(ValueError, match="one scale per source"):
        ConcatChannels(["batch.video", "batch.flow_rgb"], "batch.target", scales=[1.0])


def test_sum_squared_error_sums_over_time_and_pixels_and_averages_over_the_batch():
    input, target = torch.randn(3, 2, 4, 5, 5), torch.randn(3, 2, 4, 5, 5)
    expected = sum(((input[b] - target[b]) ** 2).sum() for b in range(3)) / 3
    torch.testing.assert_close(SumSquaredError()(input, target), expected)
    with pytest.raises(ValueError, match="same shape"):
        SumSquaredError()(input, target[:, :1])


def _adam_run(loss_fn, clip, steps=6):
    """Parameters after Adam steps on batches whose error grows from step to step."""
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, 3, 3, padding=1)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)  # small errors: the mean's gradients start under the clip
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=0.0)
    for step in range(steps):
        frames, target = torch.randn(6, 3, 8, 8), 0.01 * 2**step * torch.randn(6, 3, 8, 8)
        optimizer.zero_grad()
        loss_fn(model(frames).unflatten(0, (2, 3)), target.unflatten(0, (2, 3))).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_the_summed_loss_equals_the_mean_only_with_the_clip_scaled_by_the_element_count():
    per_sample = 3 * 3 * 8 * 8  # time x channels x pixels of one sample
    summed = _adam_run(SumSquaredError(), clip=0.05)
    torch.testing.assert_close(_adam_run(torch.nn.MSELoss(), clip=0.05 / per_sample), summed, rtol=1e-4, atol=1e-6)
    # unscaled, the mean's gradients stay under the clip while the sum's are cut on every step
    assert not torch.allclose(_adam_run(torch.nn.MSELoss(), clip=0.05), summed, atol=1e-3)


def test_log_depth_is_one_channel_of_log1p_and_refuses_negative_depths():
    pack = Pack(batch=dict(depth=torch.tensor([[[0.0, math.e - 1]]])))
    LogDepth()(pack)
    torch.testing.assert_close(pack.get("batch.depth_target"), torch.tensor([[[[0.0, 1.0]]]]))
    with pytest.raises(ValueError, match="batch.depth"):
        LogDepth()(Pack(batch=dict(depth=torch.tensor([[-1.0]]))))
