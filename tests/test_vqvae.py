"""The VQ-VAE: shapes at 8x down, nearest-code quantisation, the straight-through gradient, the
codebook and commitment losses, and loading a local TAESD weights file."""

import pytest
import torch

from object_centric_bench.learn.loss import CodebookLoss
from object_centric_bench.model.vqvae import VQVAE, VectorQuantizer, tiny_autoencoder


def test_shapes_at_eight_times_down_and_the_recon_at_the_input_size():
    torch.manual_seed(0)
    model = VQVAE(num_codes=16, code_dim=8, input_size=32)
    out = model(torch.randn(2, 3, 48, 48))
    assert out["target"].shape == out["recon"].shape == (2, 3, 32, 32)
    assert out["encode"].shape == out["quant"].shape == (2, 8, 4, 4)
    assert out["code"].shape == (2, 4, 4) and out["code"].max() < 16


def test_quantisation_picks_the_nearest_code():
    quantizer = VectorQuantizer(3, 2)
    with torch.no_grad():
        quantizer.codebook.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 5.0]]))
    encode = torch.tensor([[0.9, 0.1], [0.1, 4.0], [0.2, -0.1]]).T.reshape(1, 2, 1, 3)
    quant, codes = quantizer(encode)
    assert codes.tolist() == [[[1, 2, 0]]]
    torch.testing.assert_close(quant[0, :, 0].T, quantizer.codebook.weight[[1, 2, 0]])


def test_the_reconstruction_gradient_reaches_the_encoder_through_the_straight_through_path():
    torch.manual_seed(0)
    model = VQVAE(num_codes=16, code_dim=8, input_size=16)
    out = model(torch.randn(2, 3, 16, 16))
    (out["recon"] - out["target"]).square().mean().backward()
    assert model.encoder[0].weight.grad.abs().sum() > 0
    assert model.quantizer.codebook.weight.grad is None  # codes move only by the codebook loss


def test_codebook_loss_moves_codes_and_encoder_by_its_two_terms():
    encode = torch.tensor([[1.0, 2.0]], requires_grad=True)
    quant = torch.tensor([[0.0, 0.0]], requires_grad=True)
    loss = CodebookLoss(commitment=0.25)(encode, quant)
    assert loss.item() == pytest.approx(1.25 * (1 + 4) / 2)
    loss.backward()
    torch.testing.assert_close(quant.grad, torch.tensor([[-1.0, -2.0]]))  # d/dq of mean((q - e)^2)
    torch.testing.assert_close(encode.grad, 0.25 * torch.tensor([[1.0, 2.0]]))


def test_a_local_taesd_file_loads_and_a_missing_or_foreign_one_is_named(tmp_path):
    torch.manual_seed(1)
    source = tiny_autoencoder()
    path = tmp_path / "taesd.pth"
    torch.save(source.state_dict(), path)
    loaded = VQVAE(num_codes=4, code_dim=4, input_size=16, weights_file=str(path), freeze_encoder_layers=11)
    assert torch.equal(loaded.encoder[0].weight, source.encoder.layers[0].weight)
    assert torch.equal(loaded.decoder[-1].weight, source.decoder.layers[-1].weight)
    assert not loaded.encoder[10].weight.requires_grad and loaded.encoder[11].conv[0].weight.requires_grad
    with pytest.raises(FileNotFoundError, match="nowhere.pth"):
        tiny_autoencoder(str(tmp_path / "nowhere.pth"))
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "foreign.pth")
    with pytest.raises(RuntimeError, match="foreign.pth.*not a TAESD"):
        tiny_autoencoder(str(tmp_path / "foreign.pth"))
