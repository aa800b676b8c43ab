"""SLATE and SlotDiffusion: the autoregressive decoder is causal and leaves masked slots out, the
hosts decode a frozen VQ-VAE's tokens or latents from the slots, SlotDiffusion's schedule is the
paper's, and its evaluation loss is repeatable."""

import torch
from torch import nn

from object_centric_bench.model.backbone import Patchify
from object_centric_bench.model.decoder_ar import ARTransformerDecoder
from object_centric_bench.model.initializer import GaussianInitializer
from object_centric_bench.model.metaslot import MetaSlot
from object_centric_bench.model.slate import SLATE
from object_centric_bench.model.slotdiffusion import SlotDiffusion, SlotUNet
from object_centric_bench.model.vqvae import VQVAE

B, S, D, L = 2, 4, 16, 9


def test_the_token_decoder_is_causal():
    torch.manual_seed(0)
    decoder = ARTransformerDecoder(D, token_dim=6, num_tokens=L, num_codes=10, dim=32, num_layers=2).eval()
    tokens, slots = torch.randn(B, L, 6), torch.randn(B, S, D)
    logits = decoder(tokens, slots)
    assert logits.shape == (B, L, 10)
    changed = tokens.clone()
    changed[:, 5:] = torch.randn(B, L - 5, 6)  # token i is predicted from tokens < i only
    again = decoder(changed, slots)
    torch.testing.assert_close(again[:, :6], logits[:, :6])
    assert not torch.allclose(again[:, 6:], logits[:, 6:])


def test_the_token_decoder_ignores_masked_slots():
    torch.manual_seed(0)
    decoder = ARTransformerDecoder(D, token_dim=6, num_tokens=L, num_codes=10, dim=32, num_layers=2).eval()
    tokens, slots = torch.randn(B, L, 6), torch.randn(B, S, D)
    mask = torch.tensor([[False, False, True, True]] * B)
    other = slots.clone()
    other[:, 2:] = torch.randn(B, 2, D)
    torch.testing.assert_close(decoder(tokens, slots, mask), decoder(tokens, other, mask))


def _front():
    return dict(
        backbone=Patchify(patch_size=8),
        projection=nn.Linear(192, D),
        initializer=GaussianInitializer(num_slots=S, slot_dim=D),
        aggregator=MetaSlot(D, D, codebook_size=8, buffer_size=16),
    )


def test_slate_predicts_the_frozen_vqvae_codes_from_the_slots():
    torch.manual_seed(0)
    vqvae = VQVAE(num_codes=12, code_dim=8, input_size=24)
    model = SLATE(**_front(), vqvae=vqvae,
                  decoder=ARTransformerDecoder(D, token_dim=8, num_tokens=L, num_codes=12, dim=32, num_layers=1))
    image = torch.randn(B, 3, 24, 24)
    out = model.eval()(image)
    assert out["logits"].shape == (B, 12, L) and out["code"].shape == (B, L)
    assert torch.equal(out["code"], vqvae.encode(image)["code"].flatten(1))
    assert out["attention"].shape == (B, S, 3, 3) and out["slot_mask"].shape == (B, S)
    model.train()
    loss = nn.functional.cross_entropy(model(image)["logits"], out["code"])
    loss.backward()
    assert all(p.grad is None for p in model.vqvae.parameters())  # decoded under no_grad: frozen
    assert model.aggregator.to_q.weight.grad.abs().sum() > 0


def test_slotdiffusion_has_the_papers_schedule_and_a_repeatable_evaluation_loss():
    torch.manual_seed(0)
    vqvae = VQVAE(num_codes=12, code_dim=4, input_size=32)
    denoiser = SlotUNet(num_tokens=16, slot_dim=D, widths=(32, 32), layers_per_block=1, heads=4)
    model = SlotDiffusion(**_front(), vqvae=vqvae, denoiser=denoiser)
    betas = model.scheduler.betas
    assert len(betas) == 1000
    torch.testing.assert_close(betas[[0, -1]], torch.tensor([0.0015, 0.0195]), rtol=1e-5, atol=1e-7)
    assert model.scheduler.config.prediction_type == "epsilon"
    image = torch.randn(B, 3, 32, 32)
    model.eval()
    first, second = model(image), model(image)
    assert first["pred"].shape == first["noise"].shape == (B, 4, 4, 4)
    assert torch.equal(first["pred"], second["pred"]) and torch.equal(first["noise"], second["noise"])
    model.train()
    nn.functional.mse_loss(model(image)["pred"], first["noise"]).backward()
    assert model.aggregator.to_q.weight.grad.abs().sum() > 0


def test_the_denoiser_ignores_masked_slots():
    torch.manual_seed(0)
    denoiser = SlotUNet(num_tokens=16, slot_dim=D, widths=(32, 32), layers_per_block=1, heads=4).eval()
    noisy, steps, slots = torch.randn(B, 4, 4, 4), torch.tensor([10, 500]), torch.randn(B, S, D)
    mask = torch.tensor([[False, True, False, True]] * B)
    other = slots.clone()
    other[:, [1, 3]] = torch.randn(B, 2, D)
    torch.testing.assert_close(denoiser(noisy, steps, slots, mask), denoiser(noisy, steps, other, mask))
