"""DINOSAUR's broadcast MLP decoder: each slot predicts every token's feature and an alpha logit."""

from collections.abc import Sequence

import torch
from torch import nn

from .mlp import MLP
from .projection import LearnedPositionEmbedding


class BroadcastMLPDecoder(nn.Module):
    """Every slot is repeated at all N positions, a learned position embedding is added, and a
    shared MLP outputs C feature channels plus one alpha logit per slot and token. The softmax of
    the alpha logits over slots gives the masks; the reconstruction is the alpha-weighted sum.
    `activation` is the MLP's (``"relu"`` or ``"gelu"``), `position_std` the standard deviation
    the position embedding starts from."""

    def __init__(
        self,
        slot_dim: int,
        out_dim: int,
        num_tokens: int,
        hidden_dims: Sequence[int] = (2048, 2048, 2048),
        activation: str = "relu",
        position_std: float = 0.02,
    ):
        super().__init__()
        self.position_embedding = LearnedPositionEmbedding(num_tokens, slot_dim, position_std)
        self.mlp = MLP(slot_dim, hidden_dims, out_dim + 1, activation)

    def forward(
        self, slots: torch.Tensor, slot_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode slots (b, S, D) into the reconstruction (b, N, C) and alpha masks (b, S, N).

        `slot_mask` (b, S) bool marks slots that are masked out: they take no alpha.
        """
        b, s, d = slots.shape
        n = self.position_embedding.embedding.shape[1]
        tokens = slots.reshape(b * s, 1, d).expand(-1, n, -1)  # (b*S, N, D)
        out = self.mlp(self.position_embedding(tokens)).reshape(b, s, n, -1)  # (b, S, N, C+1)
        features, logits = out[..., :-1], out[..., -1].float()
        if slot_mask is not None:
            logits = logits.masked_fill(slot_mask[:, :, None], float("-inf"))
        alpha = logits.softmax(dim=1)  # (b, S, N)
        recon = (alpha[..., None] * features.float()).sum(dim=1)  # (b, N, C)
        return recon, alpha
