"""SlotMixerDecoder computes the RandSF.Q v3 reference's decoder: for every reference-v3 fixture
folder whose model decodes with a SlotMixer (``tests/data/reference-v3``, or the folders under
``$OCB_REFERENCE_FIXTURES``), the decoder built at the fixture's sizes with our defaults, loaded
with the checkpoint's ``m.decode.*`` weights through ``SlotMixerDecoder.REFERENCE_KEYS``, turns
the fixture's slots into its reconstruction and decoder masks within the stated tolerance."""

import json
import math
import os
import re
from pathlib import Path

import pytest
import torch

from object_centric_bench.model.decoder_slotmixer import SlotMixerDecoder

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("OCB_REFERENCE_FIXTURES") or ROOT / "tests" / "data" / "reference-v3")
FOLDERS = sorted(p.parent for p in FIXTURES.glob("*/spec.json")
                 if json.loads(p.read_text())["structure"]["decoder"] == "SlotMixerDecoder")
PREFIX = "m.decode."


def our_name(name: str) -> str:
    """Our decoder's name for the reference decoder parameter ``name`` (its first matching rule)."""
    for pattern, replacement in SlotMixerDecoder.REFERENCE_KEYS:
        if re.match(pattern, name):
            return re.sub("^" + pattern, replacement, name, count=1)
    raise KeyError(f"no rule of SlotMixerDecoder.REFERENCE_KEYS maps {name}")


def decoder_state(checkpoint: dict, decoder: SlotMixerDecoder) -> dict:
    """The checkpoint's decoder weights under our names: every reference key maps to a key of
    ``decoder`` of the same shape, and every key of ``decoder`` is filled exactly once."""
    own = decoder.state_dict()
    state = {}
    for key, value in checkpoint.items():
        if not key.startswith(PREFIX):
            continue
        name = our_name(key[len(PREFIX):])
        assert name in own, f"{key} -> {name}, which the decoder lacks"
        assert name not in state, f"{key} -> {name}, already filled"
        assert value.shape == own[name].shape, f"{key} {tuple(value.shape)} -> {name} {tuple(own[name].shape)}"
        state[name] = value.clone()  # the mixer's q and k projections are views of one storage
    assert state.keys() == own.keys(), f"unfilled: {sorted(own.keys() - state.keys())}"
    return state


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_reference_decoder_is_reproduced(folder):
    spec = json.loads((folder / "spec.json").read_text())
    shrink, structure = spec["shrink"]["globals"], spec["structure"]
    outputs = torch.load(folder / "outputs.pt", weights_only=True)
    b, t, out_dim, h, w = outputs["recon"].shape
    assert math.prod(shrink["resolut1"]["fixture"]) == h * w
    decoder = SlotMixerDecoder(slot_dim=shrink["emb_dim"]["fixture"], out_dim=out_dim, num_tokens=h * w,
                               hidden_dims=structure["decoder_render_mlp"][:-1]).eval()
    assert len(decoder.allocator) == structure["decoder_allocator_layers"]
    assert decoder.num_heads == structure["decoder_heads"]
    checkpoint = torch.load(folder / "checkpoint.pth", weights_only=True)
    decoder.load_state_dict(decoder_state(checkpoint, decoder))

    with torch.no_grad():
        recon, masks = decoder(outputs["slots"].flatten(0, 1))  # as VideoSAUR decodes every frame

    tolerance = spec["tolerance"]["max_abs"]
    expected_recon = outputs["recon"].flatten(-2).transpose(-1, -2).flatten(0, 1)  # (b*t, N, C_out)
    expected_masks = outputs["decoder_masks"].flatten(-2).flatten(0, 1)  # (b*t, S, N)
    assert recon.shape == expected_recon.shape and masks.shape == expected_masks.shape
    assert (recon - expected_recon).abs().max() <= tolerance
    assert (masks - expected_masks).abs().max() <= tolerance
