"""A spatial encoder: CNN feature map + grid position embedding -> projected tokens (SAVi, SA)."""

import torch
from torch import nn


class SpatialEncoder(nn.Module):
    """Runs a backbone giving a feature map (b, C, h, w), adds the position embedding, flattens
    to tokens and projects them to the slot attention input width: (b, h*w, Cin)."""

    def __init__(self, backbone: nn.Module, position_embedding: nn.Module, projection: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.position_embedding = position_embedding
        self.projection = projection

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        """Returns tokens (b, h*w, Cin) and the feature map size (h, w)."""
        feature_map = self.position_embedding(self.backbone(image))  # (b, C, h, w)
        h, w = feature_map.shape[-2:]
        tokens = feature_map.flatten(2).transpose(1, 2)  # (b, h*w, C)
        return self.projection(tokens), (h, w)
