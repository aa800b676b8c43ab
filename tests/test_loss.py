"""The embedded default's reconstruction loss and the step that builds its RGB + flow target."""

import pytest
import torch
import torch.nn.functional as F

from object_centric_bench.learn.loss import ForegroundWeightedMSELoss
from object_centric_bench.learn.target import ConcatChannels
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
