"""Whole models: output shapes, masks, determinism, conditioning, bf16, and a quick overfit."""

import pytest
import torch

from object_centric_bench.model.backbone import DINOv2, Patchify, SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.dinosaur import DINOSAUR
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import BoxInitializer, CentreInitializer, GaussianInitializer
from object_centric_bench.model.predictor import TransformerPredictor
from object_centric_bench.model.projection import EncoderProjection, GridPositionEmbedding
from object_centric_bench.model.savi import SAVi
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.model.slot_attention_ae import SlotAttentionAE
from object_centric_bench.model.slot_frames import pixel_centres

D = 16


def cnn_encoder(strides=(2, 1)) -> SpatialEncoder:
    return SpatialEncoder(
        SmallCNN(channels=16, strides=strides),
        GridPositionEmbedding(16),
        EncoderProjection(16, 32, D),
    )


def slot_attention_ae(num_slots: int = 3) -> SlotAttentionAE:
    """16x16 images -> 8x8 tokens -> decoder at 16x16."""
    torch.manual_seed(0)
    return SlotAttentionAE(
        encoder=cnn_encoder(),
        initializer=GaussianInitializer(num_slots, D),
        aggregator=SlotAttention(D, D, num_iterations=3),
        decoder=SpatialBroadcastDecoder(D, 3, broadcast_size=4, channels=16, strides=(2, 2)),
    )


def dinosaur(backbone=None, feature_dim: int = 24, num_tokens: int = 16) -> DINOSAUR:
    """16x16 images -> 4x4 patch tokens of `feature_dim` by default."""
    torch.manual_seed(0)
    return DINOSAUR(
        backbone=backbone or Patchify(patch_size=4, out_dim=feature_dim),
        projection=EncoderProjection(feature_dim, 32, D),
        initializer=GaussianInitializer(4, D, per_slot=True),
        aggregator=SlotAttention(D, D, num_iterations=3),
        decoder=BroadcastMLPDecoder(D, feature_dim, num_tokens, hidden_dims=(32, 32)),
    )


def savi(conditional: bool, first_frame_iterations: int | None = 2, position_prior: float | None = None) -> SAVi:
    """32x32 frames -> 16x16 tokens -> decoder at 16x16 (lower than the input)."""
    torch.manual_seed(0)
    initializer = BoxInitializer(D, hidden_dim=32) if conditional else GaussianInitializer(4, D)
    return SAVi(
        encoder=cnn_encoder(),
        initializer=initializer,
        aggregator=SlotAttention(D, D, num_iterations=1 if conditional else 2),
        predictor=TransformerPredictor(D, num_heads=4, mlp_hidden_dim=32),
        decoder=SpatialBroadcastDecoder(D, 3, broadcast_size=4, channels=16, strides=(2, 2)),
        first_frame_iterations=first_frame_iterations,
        position_prior=position_prior,
    )


def boxes(b: int = 2, t: int = 3) -> torch.Tensor:
    """(b, t, S=4, 4) boxes; slot 3 is padding (zeros), slot 2 of sample 1 too."""
    box = torch.tensor(
        [[0.1, 0.1, 0.4, 0.5], [0.5, 0.2, 0.9, 0.6], [0.2, 0.6, 0.5, 0.9], [0.0, 0.0, 0.0, 0.0]]
    )
    bbox = box.expand(b, t, -1, -1).clone()
    bbox[1, :, 2] = 0
    return bbox


def image_batch() -> torch.Tensor:
    return torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))


def video_batch() -> torch.Tensor:
    return torch.rand(2, 3, 3, 32, 32, generator=torch.Generator().manual_seed(0))


def test_slot_attention_ae_outputs():
    out = slot_attention_ae()(image=image_batch())
    assert out["recon"].shape == (2, 3, 16, 16)
    assert out["mask"].shape == (2, 3, 16, 16)
    assert out["slots"].shape == (2, 3, D)
    assert out["attention"].shape == (2, 3, 8, 8)
    torch.testing.assert_close(out["mask"].sum(1), torch.ones(2, 16, 16))
    torch.testing.assert_close(out["attention"].sum(1), torch.ones(2, 8, 8))


def test_dinosaur_outputs_with_patch_backbone():
    out = dinosaur()(image=image_batch())
    assert out["feature"].shape == (2, 16, 24)
    assert not out["feature"].requires_grad
    assert out["recon"].shape == (2, 16, 24)
    assert out["recon"].requires_grad
    assert out["mask"].shape == (2, 4, 4, 4)
    assert out["attention"].shape == (2, 4, 4, 4)
    assert out["slots"].shape == (2, 4, D)
    torch.testing.assert_close(out["mask"].sum(1), torch.ones(2, 4, 4))


def test_dinosaur_outputs_with_random_dinov2():
    backbone = DINOv2("vit_small_patch14_reg4_dinov2", pretrained=False, input_size=28)
    out = dinosaur(backbone, feature_dim=384, num_tokens=4)(image=torch.randn(1, 3, 32, 32))
    assert out["feature"].shape == (1, 4, 384)
    assert out["recon"].shape == (1, 4, 384)
    assert out["mask"].shape == (1, 4, 2, 2)


@pytest.mark.parametrize("conditional", [True, False])
def test_savi_outputs(conditional):
    out = savi(conditional)(video=video_batch(), bbox=boxes() if conditional else None)
    assert out["recon"].shape == (2, 3, 3, 16, 16)
    assert out["mask"].shape == (2, 3, 4, 16, 16)
    assert out["slots"].shape == (2, 3, 4, D)
    assert out["attention"].shape == (2, 3, 4, 16, 16)
    torch.testing.assert_close(out["mask"].sum(2), torch.ones(2, 3, 16, 16))
    assert all(torch.isfinite(v).all() for v in out.values())


def test_savi_first_frame_iterations_only_change_the_first_frame_corrector():
    video = video_batch()
    one, three = savi(True, first_frame_iterations=None), savi(True, first_frame_iterations=3)
    with torch.no_grad():
        a, b = one(video=video, bbox=boxes()), three(video=video, bbox=boxes())
    assert not torch.allclose(a["slots"][:, 0], b["slots"][:, 0])


@pytest.mark.parametrize("position_prior", [None, 0.5])
def test_savi_padded_boxes_do_not_matter(position_prior):
    model = savi(True, position_prior=position_prior).eval()
    bbox = boxes()
    changed = bbox.clone()
    changed[:, 0, 3] = torch.tensor([0.8, 0.8, 0.3, 0.3])  # no area: still padding
    changed[1, 0, 2] = -1.0
    changed[:, 1:] = torch.rand(2, 2, 4, 4)  # only frame 0 conditions the slots
    with torch.no_grad():
        out = model(video=video_batch(), bbox=bbox)
        out_changed = model(video=video_batch(), bbox=changed)
    for key in out:
        torch.testing.assert_close(out[key], out_changed[key])


@pytest.mark.parametrize("conditional", [True, False])
def test_savi_slot_frames_follow_the_boxes_and_the_attention(conditional):
    model = savi(conditional, position_prior=20.0).eval()  # a prior strong enough to decide
    bbox = boxes()
    with torch.no_grad():
        out = model(video=video_batch(), bbox=bbox if conditional else None)
    assert out["frames"].shape == (2, 3, 4, 4)
    assert set(out) == {"recon", "mask", "slots", "attention", "frames"}
    frames = out["frames"]
    if conditional:  # frame 0: each boxed slot's attention is centred on its box, within a token
        centres = (bbox[0, 0, :3, :2] + bbox[0, 0, :3, 2:]) / 2
        assert (frames[0, 0, :3, :2] - centres).abs().max() < 1 / 16
        torch.testing.assert_close(frames[0, :, :3, 2:], ((bbox[0, 0, :3, 2:] - bbox[0, 0, :3, :2]) / 12**0.5).expand(3, 3, 2))
    else:
        torch.testing.assert_close(frames[..., 2:], torch.full_like(frames[..., 2:], 1 / 12**0.5))  # the whole image
    attention = out["attention"].flatten(-2)  # (b, t, S, N)
    mass = attention.sum(-1, keepdim=True)
    moved = (attention[:, 1:] @ pixel_centres(16, 16) + frames[:, :-1, :, :2]) / (mass[:, 1:] + 1)  # one token of inertia
    torch.testing.assert_close(frames[:, 1:, :, :2], moved)
    torch.testing.assert_close(frames[..., 2:], frames[:, :1, :, 2:].expand_as(frames[..., 2:]))  # spreads stay


def test_savi_slot_frames_refuse_a_condition_of_the_wrong_shape():
    torch.manual_seed(0)
    model = SAVi(cnn_encoder(), CentreInitializer(D, hidden_dim=8), SlotAttention(D, D, num_iterations=1),
                 TransformerPredictor(D, num_heads=4, mlp_hidden_dim=32),
                 SpatialBroadcastDecoder(D, 3, broadcast_size=4, channels=16, strides=(2, 2)), position_prior=0.5)
    with pytest.raises(ValueError, match=r"centre must be \(b, t, S, 2\)"):
        model(video=video_batch(), centre=torch.rand(2, 3, 4, 4))
    with pytest.raises(ValueError, match="one conditioning signal"):
        model(video=video_batch(), centre=torch.rand(2, 3, 4, 2), bbox=boxes())


def test_savi_conditioning_changes_the_slots():
    model = savi(True).eval()
    moved = boxes()
    moved[:, 0, 0] = torch.tensor([0.6, 0.6, 0.9, 0.9])
    with torch.no_grad():
        a, b = model(video=video_batch(), bbox=boxes()), model(video=video_batch(), bbox=moved)
    assert not torch.allclose(a["slots"][:, 0, 0], b["slots"][:, 0, 0])


MODELS = {
    "slot_attention_ae": (slot_attention_ae, lambda: dict(image=image_batch())),
    "dinosaur": (dinosaur, lambda: dict(image=image_batch())),
    "savi": (lambda: savi(False), lambda: dict(video=video_batch())),
}


@pytest.mark.parametrize("name", MODELS)
def test_evaluation_is_deterministic_and_training_samples_noise(name):
    build, inputs = MODELS[name]
    model = build().eval()
    with torch.no_grad():
        first, second = model(**inputs()), model(**inputs())
        for key in first:
            torch.testing.assert_close(first[key], second[key], rtol=0, atol=0)
        model.train()
        assert not torch.allclose(model(**inputs())["slots"], model(**inputs())["slots"])


@pytest.mark.parametrize("name", MODELS)
def test_models_train_under_bf16_autocast(name):
    build, inputs = MODELS[name]
    model = build()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(**inputs())
    loss = out["recon"].float().square().mean()
    loss.backward()
    assert all(torch.isfinite(v).all() for v in out.values())
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def two_square_images() -> torch.Tensor:
    """A fixed batch of 4 16x16 images, each with two coloured squares on black."""
    generator = torch.Generator().manual_seed(0)
    images = torch.zeros(4, 3, 16, 16)
    for image in images:
        for _ in range(2):
            y, x = torch.randint(0, 11, (2,), generator=generator).tolist()
            image[:, y : y + 5, x : x + 5] = torch.rand(3, 1, 1, generator=generator)
    return images


def test_slot_attention_ae_overfits_a_tiny_batch():
    model = slot_attention_ae()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    images = two_square_images()
    losses = []
    for _ in range(30):
        loss = (model(image=images)["recon"] - images).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # Beating one flat colour per channel needs the reconstruction to place the squares.
    flat_colour = (images - images.mean((0, 2, 3), keepdim=True)).square().mean().item()
    assert losses[-1] < 0.5 * losses[0], losses
    assert losses[-1] < 0.9 * flat_colour, (losses[-1], flat_colour)
