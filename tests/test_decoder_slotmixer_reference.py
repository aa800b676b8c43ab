"""SlotMixerDecoder computes the RandSF.Q v3 reference's decoder: for every reference-v3 fixture
folder whose model decodes with a SlotMixer (``tests/data/reference-v3``, or the folders under
``$OCB_REFERENCE_FIXTURES``), the decoder built at the fixture's sizes with our defaults, loaded
with the checkpoint's ``m.decode.*`` weights through the key map (``SlotMixerDecoder.REFERENCE_KEYS``), turns
the fixture's slots into its reconstruction and decoder masks within the stated tolerance."""

import json
import math
import os
from pathlib import Path

import pytest
import torch

from object_centric_bench.model.decoder_slotmixer import SlotMixerDecoder
from object_centric_bench.reference_checkpoint import reference_state_dict

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("OCB_REFERENCE_FIXTURES") or ROOT / "tests" / "data" / "reference-v3")
FOLDERS = sorted(p.parent for p in FIXTURES.glob("*/spec.json")
                 if json.loads(p.read_text())["structure"]["decoder"] == "SlotMixerDecoder")
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
    holder = torch.nn.Module()  # the decoder alone, where a video model keeps it
    holder.decoder = decoder
    reference = {key: value for key, value in checkpoint.items() if key.startswith("m.decode.")}
    state = reference_state_dict(reference, holder)  # every key used, every one filled, shapes checked
    decoder.load_state_dict({key.removeprefix("decoder."): value for key, value in state.items()})

    with torch.no_grad():
        recon, masks = decoder(outputs["slots"].flatten(0, 1))  # as VideoSAUR decodes every frame

    tolerance = spec["tolerance"]["max_abs"]
    expected_recon = outputs["recon"].flatten(-2).transpose(-1, -2).flatten(0, 1)  # (b*t, N, C_out)
    expected_masks = outputs["decoder_masks"].flatten(-2).flatten(0, 1)  # (b*t, S, N)
    assert recon.shape == expected_recon.shape and masks.shape == expected_masks.shape
    assert (recon - expected_recon).abs().max() <= tolerance
    assert (masks - expected_masks).abs().max() <= tolerance
