"""Backbones: a frozen DINOv2 ViT (DINOSAUR family), a small CNN (SAVi), a ResNet (SAVi's ResNet
variant, SAVi++) and raw patches (tests, synthetic scenes without pretrained weights)."""

import os
from collections.abc import Sequence
from functools import partial

import timm
import torch
import torch.nn.functional as F
from torch import nn

from .projection import coordinate_grid

WEIGHTS_ENV = "OCB_DINOV2_WEIGHTS"


class DINOv2(nn.Module):
    """A frozen timm DINOv2 ViT returning patch tokens (b, N, C), class and register tokens dropped.

    Images are resized (bicubic) to `input_size` (224 -> 16x16 = 256 tokens for /14 patches).
    `final_norm` says whether the ViT's last LayerNorm is applied. The module is always in eval
    mode and never passes gradients.

    Weights: `pretrained=True` loads `weights_file` if given (or the file named by the environment
    variable OCB_DINOV2_WEIGHTS), else timm's hub; failing to load is an error, never a silently
    random backbone. `pretrained=False` gives random weights (tests, synthetic runs).
    `architecture` overrides timm's model arguments (depth, embed_dim, num_heads: shrunk models
    in tests).
    """

    def __init__(
        self,
        name: str = "vit_small_patch14_dinov2",
        pretrained: bool = True,
        weights_file: str | None = None,
        final_norm: bool = True,
        input_size: int = 224,
        architecture: dict | None = None,
    ):
        super().__init__()
        self.input_size = input_size
        self.vit = self._create(name, pretrained, weights_file, input_size, architecture or {})
        if not final_norm:
            self.vit.norm = nn.Identity()
        self.vit.requires_grad_(False)
        self.vit.eval()

    @staticmethod
    def _create(name: str, pretrained: bool, weights_file: str | None, input_size: int, architecture: dict):
        if not pretrained:
            return timm.create_model(name, pretrained=False, img_size=input_size, **architecture)
        weights_file = weights_file or os.environ.get(WEIGHTS_ENV) or None
        if weights_file is not None:
            if not os.path.isfile(weights_file):
                raise FileNotFoundError(
                    f"pretrained weights for {name} not found: file {weights_file!r} does not "
                    f"exist (set by weights_file= or ${WEIGHTS_ENV}); point it at a .pth or "
                    ".safetensors DINOv2 checkpoint"
                )
            try:
                return timm.create_model(
                    name,
                    pretrained=True,
                    img_size=input_size,
                    pretrained_cfg_overlay=dict(file=weights_file),
                    **architecture,
                )
            except Exception as error:
                raise RuntimeError(
                    f"could not load pretrained weights for {name} from file {weights_file!r}: "
                    f"{error}"
                ) from error
        pretrained_cfg = timm.models.get_pretrained_cfg(name)
        hub_id = getattr(pretrained_cfg, "hf_hub_id", None) or name
        try:
            return timm.create_model(name, pretrained=True, img_size=input_size, **architecture)
        except Exception as error:
            raise RuntimeError(
                f"could not load pretrained weights for {name} from timm's hub (tried "
                f"{hub_id!r}; no weights_file= given and ${WEIGHTS_ENV} unset): {error}. Download "
                f"the weights and set weights_file= or ${WEIGHTS_ENV} to the file, or use "
                "pretrained=False for a random backbone (tests only)"
            ) from error

    def train(self, mode: bool = True):
        super().train(mode)
        self.vit.eval()
        return self

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """image (b, 3, H, W), ImageNet-normalised -> patch tokens (b, N, C)."""
        size = (self.input_size, self.input_size)
        with torch.no_grad():
            if tuple(image.shape[-2:]) != size:
                image = F.interpolate(image, size=size, mode="bicubic", align_corners=False)
            tokens = self.vit.forward_features(image)  # (b, prefix + N, C)
        return tokens[:, self.vit.num_prefix_tokens :]


class SmallCNN(nn.Module):
    """SAVi's encoder CNN: 5x5 convolutions with ReLU, giving a feature map (b, C, h, w).

    Use strides (1, 1, 1, 1) at 64 px and (2, 1, 1, 1) at 128 px. The paper's last convolution
    has no activation (``final_activation=False``).
    """

    def __init__(
        self,
        in_channels: int = 3,
        channels: int = 32,
        strides: Sequence[int] = (1, 1, 1, 1),
        kernel_size: int = 5,
        final_activation: bool = True,
    ):
        super().__init__()
        layers = []
        for stride in strides:
            layers.append(
                nn.Conv2d(in_channels, channels, kernel_size, stride, padding=kernel_size // 2)
            )
            layers.append(nn.ReLU())
            in_channels = channels
        if not final_activation:
            layers.pop()
        self.cnn = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.cnn(image)


class ResNet(nn.Module):
    """A timm ResNet trained from scratch as a feature map backbone (b, C, H / 8, W / 8): SAVi's
    ResNet-34 variant and SAVi++'s encoder. The root block keeps the resolution (its convolution
    takes stride 1 and the max-pool is left out, so 128 px frames give 16x16 maps of 512 channels
    for resnet34), and every normalisation is a GroupNorm of ``groups`` groups (batch statistics
    would mix the frames of a clip)."""

    def __init__(self, name: str = "resnet34", groups: int = 32, in_channels: int = 3):
        super().__init__()
        self.net = timm.create_model(name, pretrained=False, num_classes=0, global_pool="", in_chans=in_channels,
                                     norm_layer=partial(timm.layers.GroupNorm, num_groups=groups))
        self.net.conv1.stride = (1, 1)
        self.net.maxpool = nn.Identity()
        self.out_dim = self.net.num_features

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.net.forward_features(image)


class Patchify(nn.Module):
    """Raw non-overlapping patches as tokens (b, N, 3*p*p), optionally through a fixed random
    projection to `out_dim`; lets feature-reconstruction models run without pretrained weights.

    `position_scale > 0` appends two fixed channels, the token's column and row scaled to
    [-position_scale, position_scale] (row-major token order, like a ViT's). Raw patches say
    nothing about where a token lies, so slots averaging them cannot tell the decoder where their
    object is; pretrained ViT tokens carry that, and these channels stand in for it.
    """

    def __init__(
        self,
        patch_size: int,
        in_channels: int = 3,
        out_dim: int | None = None,
        seed: int = 0,
        position_scale: float = 0.0,
    ):
        super().__init__()
        if position_scale < 0:
            raise ValueError(f"position_scale must be >= 0, got {position_scale}")
        self.patch_size = patch_size
        self.position_scale = position_scale
        patch_dim = in_channels * patch_size * patch_size
        if out_dim is None:
            self.register_buffer("projection", None)
        else:
            generator = torch.Generator().manual_seed(seed)
            projection = torch.randn(patch_dim, out_dim, generator=generator) / patch_dim**0.5
            self.register_buffer("projection", projection)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        p = self.patch_size
        h, w = image.shape[-2:]
        if h % p or w % p:
            raise ValueError(f"image size {h}x{w} is not divisible by patch_size {p}")
        patches = F.unfold(image, kernel_size=p, stride=p).transpose(1, 2)  # (b, N, 3*p*p)
        if self.projection is not None:
            patches = patches @ self.projection.to(patches.dtype)
        if self.position_scale:
            position = coordinate_grid(h // p, w // p, -1.0, 1.0, image.device).flatten(0, 1)
            position = position * self.position_scale  # (N, 2) as (column, row)
            position = position.to(patches.dtype).expand(len(patches), -1, -1)
            patches = torch.cat([patches, position], dim=-1)
        return patches
