"""RandSF.Q's transitioner: next-frame slot queries from a past slot set and a frame's features."""

import torch
from torch import nn


class RandomSlotFeatureTransit(nn.Module):
    """One post-norm Transformer decoder layer (no biases, `activation` in its FFN): the target is a
    past slot set plus an embedding of its time offset, the memory is a frame's features (projected
    to the slot width, with a bias that starts at zero) plus an embedding of that frame's offset; the output is the
    query for the current frame. One offset table serves both offsets (`shared_offsets=False`
    gives each its own).

    In training on frame i > 1 the slot time and the feature time are drawn independently per
    sample (`sample_times`), so the transit learns to bridge any gap inside the training window;
    at inference it always sees the previous slots (offset 1) and the current features (offset 0).
    Its inputs are detached: the transit learns only through the queries it produces.
    """

    def __init__(
        self,
        slot_dim: int,
        feature_dim: int,
        window: int,
        num_heads: int = 4,
        ffn_ratio: int = 4,
        dropout: float = 0.5,
        activation: str = "gelu",
        shared_offsets: bool = True,
    ):
        super().__init__()
        if window < 2:
            raise ValueError(f"window (the training clip length) must be >= 2, got {window}")
        self.window = window
        self.feature_projection = nn.Linear(feature_dim, slot_dim)
        nn.init.zeros_(self.feature_projection.bias)
        self.offset_embedding = nn.Embedding(window, slot_dim)  # the slots' offsets, and the features' when shared
        self.feature_offset_embedding = None if shared_offsets else nn.Embedding(window, slot_dim)
        self.layer = nn.TransformerDecoderLayer(
            slot_dim,
            num_heads,
            dim_feedforward=ffn_ratio * slot_dim,
            dropout=dropout,
            activation=activation,
            batch_first=True,
            norm_first=False,
            bias=False,
        )

    def sample_times(
        self, frame: int, batch_size: int, device=None, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-sample slot time ts uniform in {0..frame-1} and feature time te uniform in
        {1..frame}, drawn independently, both kept inside the window (offsets < window).
        Returns two int64 tensors (b,)."""
        if frame < 1:
            raise ValueError(f"the transit predicts frames >= 1, got frame {frame}")
        low_slot = max(0, frame - self.window + 1)
        low_feature = max(1, frame - self.window + 1)
        slot_time = torch.randint(low_slot, frame, (batch_size,), generator=generator)
        feature_time = torch.randint(low_feature, frame + 1, (batch_size,), generator=generator)
        return slot_time.to(device), feature_time.to(device)

    def forward(
        self,
        slots: torch.Tensor,
        slot_offset: torch.Tensor,
        features: torch.Tensor,
        feature_offset: torch.Tensor,
    ) -> torch.Tensor:
        """slots (b, S, D) at offset `slot_offset` (b,) frames back; features (b, N, Cin) at
        offset `feature_offset` (b,) -> queries (b, S, D)."""
        if int(slot_offset.max()) >= self.window or int(feature_offset.max()) >= self.window:
            raise ValueError(
                f"time offsets must be below the window {self.window}: raise `window` to the "
                "training clip length"
            )
        feature_table = self.offset_embedding if self.feature_offset_embedding is None else self.feature_offset_embedding
        target = slots.detach() + self.offset_embedding(slot_offset)[:, None]
        memory = self.feature_projection(features.detach()) + feature_table(feature_offset)[:, None]
        return self.layer(target, memory)

    def infer_times(self, frame: int, batch_size: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Inference pairing: the previous frame's slots with the current frame's features."""
        slot_time = torch.full((batch_size,), frame - 1, dtype=torch.long, device=device)
        feature_time = torch.full((batch_size,), frame, dtype=torch.long, device=device)
        return slot_time, feature_time
