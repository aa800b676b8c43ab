"""Slot frames: boxes to frames, frames that follow the attention, the Gaussian prior, and a decoder that draws each slot
in its own frame."""

import math

import pytest
import torch

from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.slot_frames import (
    WHOLE_IMAGE_SCALE,
    frames_from_boxes,
    log_prior,
    pixel_centres,
    relative_positions,
    track_frames,
)


def test_pixel_centres_are_row_major_cell_centres():
    positions = pixel_centres(2, 4)
    assert positions.shape == (8, 2)
    torch.testing.assert_close(positions[0], torch.tensor([0.125, 0.25]))
    torch.testing.assert_close(positions[1], torch.tensor([0.375, 0.25]))  # x runs first
    torch.testing.assert_close(positions[4], torch.tensor([0.125, 0.75]))


def test_a_box_becomes_its_centre_and_the_spread_of_a_uniform_box():
    frames = frames_from_boxes(torch.tensor([[0.2, 0.4, 0.6, 0.5]]))
    expected = torch.tensor([[0.4, 0.45, 0.4 / math.sqrt(12), 0.1 / math.sqrt(12)]])
    torch.testing.assert_close(frames, expected)


@pytest.mark.parametrize("empty", [[0.0, 0.0, 0.0, 0.0], [-1.0, -1.0, -1.0, -1.0], [0.7, 0.2, 0.3, 0.6], [float("nan")] * 4])
def test_an_empty_box_becomes_the_whole_image(empty):
    frames = frames_from_boxes(torch.tensor([empty]))
    torch.testing.assert_close(frames, torch.tensor([[0.5, 0.5, WHOLE_IMAGE_SCALE, WHOLE_IMAGE_SCALE]]))


def test_a_box_spread_is_floored():
    frames = frames_from_boxes(torch.tensor([[0.5, 0.5, 0.51, 0.9]]), min_scale=0.05)
    torch.testing.assert_close(frames[0, 2:], torch.tensor([0.05, 0.4 / math.sqrt(12)]))


def test_a_frame_moves_to_its_attention_centroid_weighed_against_its_place_and_keeps_its_spread():
    positions = pixel_centres(4, 4)  # cell centres 1/8, 3/8, 5/8, 7/8
    previous = torch.tensor([[[0.5, 0.5, 0.1, 0.2], [0.5, 0.5, 0.3, 0.3], [0.8, 0.1, 0.1, 0.1]]])
    attention = torch.zeros(1, 3, 16)
    attention[0, 0, [0, 1, 4, 5]] = 1.0  # the top-left 2x2 cells: centroid (0.25, 0.25), mass 4
    attention[0, 1, 10] = 1.0  # one cell at (0.625, 0.625), mass 1: halfway with inertia 1
    frames = track_frames(attention, positions, previous, inertia=1.0)  # slot 2 takes nothing
    torch.testing.assert_close(frames[0, 0], torch.tensor([(4 * 0.25 + 0.5) / 5, (4 * 0.25 + 0.5) / 5, 0.1, 0.2]))
    torch.testing.assert_close(frames[0, 1], torch.tensor([0.5625, 0.5625, 0.3, 0.3]))
    torch.testing.assert_close(frames[0, 2], previous[0, 2])  # no attention: it stays where it was


def test_the_prior_is_a_gaussian_in_the_slot_frame():
    frames = torch.tensor([[[0.5, 0.5, 0.1, 0.2]]])
    positions = torch.tensor([[0.5, 0.5], [0.6, 0.5], [0.5, 0.9]])
    torch.testing.assert_close(relative_positions(frames, positions), torch.tensor([[[[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]]]))
    normaliser = -math.log(0.1 * 0.2)  # a narrower frame is denser at its centre
    expected = torch.tensor([[[0.0, -0.5, -2.0]]]) + normaliser
    torch.testing.assert_close(log_prior(frames, positions), expected)


def test_a_logit_bias_steers_the_attention_and_none_is_no_bias():
    torch.manual_seed(0)
    module = SlotAttention(8, 16, num_iterations=2).eval()
    inputs, queries = torch.randn(2, 6, 8), torch.randn(2, 3, 16)
    plain = module(inputs, queries)
    zero = module(inputs, queries, logit_bias=torch.zeros(2, 3, 6))
    for a, b in zip(plain, zero):
        torch.testing.assert_close(a, b)
    bias = torch.zeros(2, 3, 6)
    bias[:, 0, :3] = 30.0  # slot 0 takes the first three tokens
    _, attention = module(inputs, queries, logit_bias=bias)
    assert (attention[:, 0, :3] > 0.99).all()
    assert (attention[:, 0, 3:] < 0.9).all()


def test_a_slot_drawn_in_its_frame_moves_with_its_frame():
    """Shifting a frame by one broadcast cell shifts what the decoder draws by that cell (away
    from the borders, where the convolutions pad)."""
    torch.manual_seed(0)
    decoder = SpatialBroadcastDecoder(8, 3, broadcast_size=8, channels=8, strides=(2, 1), kernel_size=3).eval()
    slots = torch.randn(1, 1, 8)  # one slot: the picture is its image alone
    frames = torch.tensor([[[0.375, 0.5, 0.1, 0.1]]])
    moved = frames.clone()
    moved[0, 0, 0] += 1 / 8  # one broadcast cell = two output pixels to the right
    with torch.no_grad():
        image, _ = decoder(slots, frames=frames)
        image_moved, _ = decoder(slots, frames=moved)
        image_absolute, _ = decoder(slots)
    torch.testing.assert_close(image_moved[0, :, 3:13, 5:13], image[0, :, 3:13, 3:11], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(image_moved, image)
    assert not torch.allclose(image_absolute, image)


def test_the_decoder_prior_favours_each_slot_around_its_frame():
    torch.manual_seed(0)
    decoder = SpatialBroadcastDecoder(8, 3, broadcast_size=4, channels=8, strides=(2,), kernel_size=3).eval()
    frames = torch.tensor([[[0.25, 0.25, 0.1, 0.1], [0.75, 0.75, 0.1, 0.1]]])
    with torch.no_grad():
        _, alpha = decoder(torch.zeros(1, 2, 8), frames=frames, position_prior=1.0)
    assert alpha[0, 0, 1, 1] > 0.99 and alpha[0, 1, 6, 6] > 0.99  # (row, column) of an 8x8 map
