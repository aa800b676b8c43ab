"""SAVi (Kipf et al. 2022): slot attention for video with a predictor-corrector recurrence."""

import torch
from torch import nn


class SAVi(nn.Module):
    """Video -> per-frame CNN encoder tokens; frame 0's queries come from the initializer
    (conditioned on first-frame boxes, or learned), later frames' queries are the predictor applied
    to the previous slots; the corrector (slot attention) refines the queries on each frame, and
    the spatial broadcast decoder reconstructs each frame (RGB or flow, as the config's target).

    `first_frame_iterations` overrides the corrector's iteration count on frame 0.
    """

    def __init__(
        self,
        encoder: nn.Module,
        initializer: nn.Module,
        corrector: nn.Module,
        predictor: nn.Module,
        decoder: nn.Module,
        first_frame_iterations: int | None = None,
    ):
        super().__init__()
        self.encoder = encoder
        self.initializer = initializer
        self.corrector = corrector
        self.predictor = predictor
        self.decoder = decoder
        self.first_frame_iterations = first_frame_iterations

    def forward(
        self, video: torch.Tensor, bbox: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """video (b, t, 3, H, W); bbox (b, t, S, 4) ltrb boxes, of which only frame 0 is used, for
        a conditional initializer (a centre or mask initializer takes its per-slot condition
        through the same argument).
        Returns recon (b, t, C, H', W'), alpha (b, t, S, H', W'), slots (b, t, S, D) and attent
        (b, t, S, h, w)."""
        b, t = video.shape[:2]
        tokens, grid = self.encoder(video.flatten(0, 1))  # (b*t, N, Cin)
        tokens = tokens.unflatten(0, (b, t))  # (b, t, N, Cin)
        queries = self.initializer(b, None if bbox is None else bbox[:, 0])
        frames_slots, frames_attent = [], []
        for i in range(t):
            if i > 0:
                queries = self.predictor(slots)
            iterations = self.first_frame_iterations if i == 0 else None
            slots, attent = self.corrector(tokens[:, i], queries, num_iterations=iterations)
            frames_slots.append(slots)
            frames_attent.append(attent)
        slots = torch.stack(frames_slots, dim=1)  # (b, t, S, D)
        attent = torch.stack(frames_attent, dim=1).unflatten(-1, grid)  # (b, t, S, h, w)
        recon, alpha = self.decoder(slots.flatten(0, 1))
        return dict(
            recon=recon.unflatten(0, (b, t)),
            alpha=alpha.unflatten(0, (b, t)),
            slots=slots,
            attent=attent,
        )
