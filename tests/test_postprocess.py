"""Pack steps turn model outputs into what the metrics read, at the declared paths."""

import pytest
import torch

from object_centric_bench.learn.metric import masks_to_index
from object_centric_bench.learn.postprocess import SoftMaskToSegment


class DictPack:
    """Stand-in for the engine's pack: nested dicts addressed by dotted paths."""

    def __init__(self, **roots):
        self.roots = roots

    def get(self, path):
        node = self.roots
        for key in path.split("."):
            node = node[key]
        return node

    def set(self, path, value):
        *parents, last = path.split(".")
        node = self.roots
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value


def test_soft_mask_to_segment_matches_the_ground_truth_resolution():
    masks = torch.rand(2, 3, 5, 4, 4)  # (b, t, s, h, w)
    segment = torch.zeros(2, 3, 16, 12, dtype=torch.long)
    pack = DictPack(batch=dict(segment=segment), output=dict(alpha=masks))
    step = SoftMaskToSegment("output.alpha", "output.segment", like="batch.segment")
    assert step.reads == ["output.alpha", "batch.segment"]
    assert step.writes == ["output.segment"]
    step(pack)
    written = pack.get("output.segment")
    assert written.shape == segment.shape
    torch.testing.assert_close(written, masks_to_index(masks, (16, 12)))


def test_soft_mask_to_segment_takes_token_masks_and_a_fixed_size():
    masks = torch.rand(2, 5, 16)  # (b, s, n) over a 4x4 token grid
    pack = DictPack(output=dict(attn=masks))
    step = SoftMaskToSegment("output.attn", "output.segment", size=8, tokens=True)
    assert step.reads == ["output.attn"]
    step(pack)
    expected = masks_to_index(masks.unflatten(-1, (4, 4)), 8)
    torch.testing.assert_close(pack.get("output.segment"), expected)


@pytest.mark.parametrize("resolution", [dict(), dict(like="batch.segment", size=64)])
def test_soft_mask_to_segment_needs_exactly_one_resolution(resolution):
    with pytest.raises(ValueError, match="exactly one"):
        SoftMaskToSegment("output.alpha", "output.segment", **resolution)
