"""Model parts: initializers, projections, position embeddings, decoders, backbones, predictors."""

import pytest
import torch
from torch import nn

from object_centric_bench.model.backbone import DINOv2, Patchify, ResNet, SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.decoder_mlp import BroadcastMLPDecoder
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import (
    BoxInitializer,
    CentreInitializer,
    GaussianInitializer,
    MaskInitializer,
)
from object_centric_bench.model.predictor import MLPPredictor, TransformerPredictor
from object_centric_bench.model.projection import (
    EncoderProjection,
    GridPositionEmbedding,
    LearnedPositionEmbedding,
)

# Initializers


@pytest.mark.parametrize("per_slot", [False, True])
def test_gaussian_initializer_is_deterministic_in_eval_and_random_in_training(per_slot):
    init = GaussianInitializer(num_slots=5, slot_dim=8, per_slot=per_slot)
    init.eval()
    first, second = init(3), init(3)
    assert first.shape == (3, 5, 8)
    torch.testing.assert_close(first, second)
    assert not torch.allclose(first[:, 0], first[:, 1])  # slots differ, so symmetry can break
    torch.testing.assert_close(first[0], first[1])  # every sample gets the same queries
    if per_slot:
        torch.testing.assert_close(first[0], init.mean)
    init.train()
    assert not torch.allclose(init(3), init(3))


def test_gaussian_initializer_can_sample_in_eval_when_asked():
    init = GaussianInitializer(num_slots=4, slot_dim=8, sample_in_eval=True).eval()
    assert not torch.allclose(init(2), init(2))


def test_gaussian_initializer_rejects_a_condition():
    with pytest.raises(ValueError, match="unconditional"):
        GaussianInitializer(4, 8)(2, torch.rand(2, 4, 4))


def test_box_initializer_gives_padded_boxes_the_empty_input():
    init = BoxInitializer(slot_dim=8, hidden_dim=16)
    boxes = torch.tensor([[0.1, 0.2, 0.5, 0.6], [0.3, 0.3, 0.9, 0.8], [0.0, 0.0, 0.0, 0.0]])
    boxes = boxes.expand(2, -1, -1).clone()  # (b=2, S=3, 4), slot 2 padded with zeros
    boxes[1, 2] = torch.tensor([-1.0, -1.0, -1.0, -1.0])
    queries = init(2, boxes)
    assert queries.shape == (2, 3, 8)
    assert torch.isfinite(queries).all()
    empty = init.mlp(torch.full((4,), -1.0))
    torch.testing.assert_close(queries[0, 2], empty)
    torch.testing.assert_close(queries[1, 2], empty)
    assert not torch.allclose(queries[0, 0], queries[0, 1])

    changed = boxes.clone()
    changed[0, 2] = torch.tensor([0.7, 0.7, 0.2, 0.2])  # still no area: still padding
    changed[1, 2] = float("nan")
    torch.testing.assert_close(init(2, changed), queries)


def test_box_initializer_requires_boxes():
    with pytest.raises(ValueError, match="model_imap"):
        BoxInitializer(8)(2)


def test_centre_initializer_treats_negative_centres_as_empty():
    init = CentreInitializer(slot_dim=8, hidden_dim=16)
    centres = torch.tensor([[[0.2, 0.4], [-1.0, -1.0]], [[0.5, 0.5], [float("nan"), 0.3]]])
    queries = init(2, centres)
    assert queries.shape == (2, 2, 8)
    empty = init.mlp(torch.full((2,), -1.0))
    torch.testing.assert_close(queries[0, 1], empty)
    torch.testing.assert_close(queries[1, 1], empty)


def test_mask_initializer_encodes_masks_and_gives_empty_masks_the_zero_mask():
    init = MaskInitializer(slot_dim=8, channels=4, hidden_dim=8, mlp_hidden_dim=16)
    masks = torch.zeros(2, 3, 16, 16)
    masks[:, 0, :8, :8] = 1
    masks[:, 1, 8:, 8:] = 1
    masks[1, 2, 0, 0] = float("nan")  # broken: counts as empty
    queries = init(2, masks)
    assert queries.shape == (2, 3, 8)
    assert torch.isfinite(queries).all()
    assert not torch.allclose(queries[0, 0], queries[0, 1])
    empty = init.encode(torch.zeros(1, 1, 16, 16))[0, 0]
    torch.testing.assert_close(queries[0, 2], empty)
    torch.testing.assert_close(queries[1, 2], empty)
    assert init.encoder.backbone.cnn[-1].stride == (1, 1) and isinstance(init.encoder.backbone.cnn[-1], torch.nn.Conv2d)


# Projection and position embeddings


def test_encoder_projection_maps_feature_width():
    projection = EncoderProjection(in_dim=12, hidden_dim=24, out_dim=6)
    assert projection(torch.randn(2, 5, 12)).shape == (2, 5, 6)


def test_learned_position_embedding_checks_token_count():
    embedding = LearnedPositionEmbedding(num_tokens=4, dim=3)
    assert embedding(torch.zeros(2, 4, 3)).shape == (2, 4, 3)
    with pytest.raises(ValueError, match="num_tokens"):
        embedding(torch.zeros(2, 5, 3))


def test_grid_position_embedding_differs_across_positions():
    out = GridPositionEmbedding(dim=6)(torch.zeros(2, 6, 3, 5))
    assert out.shape == (2, 6, 3, 5)
    assert not torch.allclose(out[..., 0, 0], out[..., 2, 4])


def test_spatial_encoder_gives_tokens_and_grid():
    encoder = SpatialEncoder(
        SmallCNN(channels=8, strides=(2, 1)), GridPositionEmbedding(8), EncoderProjection(8, 16, 10)
    )
    tokens, grid = encoder(torch.randn(2, 3, 16, 12))
    assert tokens.shape == (2, 48, 10)
    assert grid == (8, 6)


# Decoders


def test_broadcast_mlp_decoder_mixes_features_with_alpha():
    decoder = BroadcastMLPDecoder(slot_dim=8, out_dim=6, num_tokens=9, hidden_dims=(16,))
    slots = torch.randn(2, 3, 8)
    recon, alpha = decoder(slots)
    assert recon.shape == (2, 9, 6)
    assert alpha.shape == (2, 3, 9)
    torch.testing.assert_close(alpha.sum(1), torch.ones(2, 9))
    single, single_alpha = decoder(slots[:, :1])
    torch.testing.assert_close(single_alpha, torch.ones(2, 1, 9))

    mask = torch.tensor([[False, True, False], [False, False, False]])
    _, masked_alpha = decoder(slots, slot_mask=mask)
    assert torch.all(masked_alpha[0, 1] == 0)
    torch.testing.assert_close(masked_alpha.sum(1), torch.ones(2, 9))


@pytest.mark.parametrize(
    "broadcast_size, strides, side", [(8, (2, 2, 2, 1), 64), (8, (2, 2), 32), (4, (2,), 8)]
)
def test_spatial_broadcast_decoder_resolution_is_configurable(broadcast_size, strides, side):
    decoder = SpatialBroadcastDecoder(
        slot_dim=8, out_channels=3, broadcast_size=broadcast_size, channels=4, strides=strides
    )
    recon, alpha = decoder(torch.randn(2, 3, 8))
    assert recon.shape == (2, 3, side, side)
    assert alpha.shape == (2, 3, side, side)
    torch.testing.assert_close(alpha.sum(1), torch.ones(2, side, side))


def test_spatial_broadcast_decoder_respects_slot_mask():
    decoder = SpatialBroadcastDecoder(slot_dim=8, broadcast_size=4, channels=4, strides=(1,))
    mask = torch.tensor([[True, False], [False, False]])
    _, alpha = decoder(torch.randn(2, 2, 8), slot_mask=mask)
    assert torch.all(alpha[0, 0] == 0)
    torch.testing.assert_close(alpha[0, 1], torch.ones(4, 4))


# Backbones


def test_small_cnn_strides_set_the_feature_map_size():
    assert SmallCNN()(torch.randn(1, 3, 16, 16)).shape == (1, 32, 16, 16)
    assert SmallCNN(strides=(2, 1, 1, 1))(torch.randn(1, 3, 16, 16)).shape == (1, 32, 8, 8)
    last = SmallCNN(final_activation=False)(-torch.ones(1, 3, 8, 8))
    assert (last < 0).any()  # no ReLU after the last convolution


def test_resnet_backbone_keeps_the_root_resolution_and_normalises_by_groups():
    backbone = ResNet("resnet18", groups=8)
    assert backbone(torch.randn(2, 3, 32, 32)).shape == (2, 512, 4, 4) and backbone.out_dim == 512
    norms = [m for m in backbone.modules() if "Norm" in type(m).__name__]
    assert norms and all(isinstance(m, torch.nn.GroupNorm) and m.num_groups == 8 for m in norms)
    one, two = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)
    torch.testing.assert_close(backbone(one), backbone(torch.cat([one, two]))[:1])  # no batch statistics


def test_patchify_gives_raw_or_fixed_projected_patches():
    image = torch.randn(2, 3, 8, 12)
    raw = Patchify(patch_size=4)(image)
    assert raw.shape == (2, 6, 48)
    torch.testing.assert_close(raw[0, 0], image[0, :, :4, :4].reshape(-1))
    projected = Patchify(patch_size=4, out_dim=10, seed=3)
    assert projected(image).shape == (2, 6, 10)
    torch.testing.assert_close(projected.projection, Patchify(4, out_dim=10, seed=3).projection)
    with pytest.raises(ValueError, match="patch_size"):
        Patchify(patch_size=5)(image)


def test_patchify_appends_the_token_position_after_the_patch():
    image = torch.rand(2, 3, 8, 12)  # 2 rows x 3 columns of 4 px patches
    tokens = Patchify(patch_size=4, position_scale=0.5)(image)
    assert tokens.shape == (2, 6, 50)
    torch.testing.assert_close(tokens[..., :48], Patchify(patch_size=4)(image))
    torch.testing.assert_close(tokens[1, :, 48], torch.tensor([-0.5, 0.0, 0.5] * 2))  # column
    torch.testing.assert_close(tokens[1, :, 49], torch.tensor([-0.5] * 3 + [0.5] * 3))  # row
    with pytest.raises(ValueError, match="position_scale"):
        Patchify(patch_size=4, position_scale=-1.0)


@pytest.mark.parametrize(
    "name", ["vit_small_patch14_dinov2", "vit_small_patch14_reg4_dinov2"]
)
def test_dinov2_returns_frozen_patch_tokens_only(name):
    torch.manual_seed(0)
    backbone = DINOv2(name, pretrained=False, input_size=28)
    image = torch.randn(2, 3, 32, 32, requires_grad=True)  # resized to 28 -> 2x2 patches
    tokens = backbone(image)
    assert tokens.shape == (2, 4, 384)
    assert not tokens.requires_grad
    assert not any(p.requires_grad for p in backbone.parameters())
    backbone.train()
    assert not backbone.vit.training
    torch.testing.assert_close(backbone(image), tokens)


def test_dinov2_final_norm_flag():
    torch.manual_seed(0)
    with_norm = DINOv2(pretrained=False, input_size=28, final_norm=True)
    torch.manual_seed(0)
    without_norm = DINOv2(pretrained=False, input_size=28, final_norm=False)
    image = torch.randn(1, 3, 28, 28)
    expected = with_norm.vit.norm(without_norm(image))
    torch.testing.assert_close(with_norm(image), expected)
    assert not torch.allclose(with_norm(image), without_norm(image))


def test_dinov2_missing_weights_file_fails_naming_the_file(tmp_path, monkeypatch):
    missing = str(tmp_path / "dinov2_vits14.pth")
    with pytest.raises(FileNotFoundError, match="dinov2_vits14.pth"):
        DINOv2(pretrained=True, weights_file=missing)
    monkeypatch.setenv("OCB_DINOV2_WEIGHTS", missing)
    with pytest.raises(FileNotFoundError, match="OCB_DINOV2_WEIGHTS"):
        DINOv2(pretrained=True)


def test_dinov2_unloadable_weights_file_fails_naming_the_file(tmp_path):
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="broken.pth"):
        DINOv2(pretrained=True, weights_file=str(broken), input_size=28)


def test_dinov2_loads_a_local_weights_file(tmp_path):
    torch.manual_seed(1)
    source = DINOv2(pretrained=False, input_size=56)  # 4x4 position grid, resampled to 2x2
    weights = tmp_path / "weights.pth"
    torch.save(source.vit.state_dict(), weights)
    loaded = DINOv2(pretrained=True, weights_file=str(weights), input_size=28)
    torch.testing.assert_close(
        loaded.vit.blocks[0].attn.qkv.weight, source.vit.blocks[0].attn.qkv.weight
    )
    assert loaded.vit.pos_embed.shape[1] == 1 + 4


def test_dinov2_offline_hub_fails_naming_the_hub_model(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.delenv("OCB_DINOV2_WEIGHTS", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(RuntimeError, match="vit_small_patch14_reg4_dinov2.*OCB_DINOV2_WEIGHTS"):
        DINOv2("vit_small_patch14_reg4_dinov2", pretrained=True, input_size=28)


# Predictors


@pytest.mark.parametrize(
    "predictor",
    [TransformerPredictor(8, num_heads=4, mlp_hidden_dim=16), MLPPredictor(8, 16), nn.Identity()],
)
def test_predictors_keep_slot_shape(predictor):
    slots = torch.randn(2, 3, 8)
    assert predictor(slots).shape == (2, 3, 8)


def test_transformer_predictor_lets_slots_interact():
    predictor = TransformerPredictor(8, num_heads=4, mlp_hidden_dim=16).eval()
    slots = torch.randn(1, 3, 8)
    changed = slots.clone()
    changed[0, 2] += 1.0
    assert not torch.allclose(predictor(slots)[0, 0], predictor(changed)[0, 0])


def test_transformer_predictor_without_bias_is_torchs_encoder_layer_in_training_too():
    """With ``bias=False``, GELU and dropout it computes torch's post-norm encoder layer (the
    reference's predictor), dropout draws included, given the same weights and seed."""
    ours = TransformerPredictor(8, num_heads=4, mlp_hidden_dim=16, activation="gelu", bias=False, dropout=0.1).train()
    layer = nn.TransformerEncoderLayer(8, 4, 16, dropout=0.1, activation="gelu", batch_first=True, bias=False).train()
    names = dict(attention="self_attn", norm_attention="norm1", norm_mlp="norm2")
    state = {}
    for key, value in ours.state_dict().items():
        module, rest = key.split(".", 1)
        if module == "mlp":
            module, rest = {"0": "linear1", "2": "linear2"}[rest[0]], rest[2:]
        state[f"{names.get(module, module)}.{rest}"] = value
    layer.load_state_dict(state)
    slots = torch.randn(2, 5, 8)
    torch.manual_seed(1)
    expected = layer(slots)
    torch.manual_seed(1)
    torch.testing.assert_close(ours(slots), expected)
    assert not torch.allclose(ours(slots), expected)  # dropout draws differ from call to call
