"""SAVi (Kipf et al. 2022): slot attention for video with a predictor-corrector recurrence."""

import torch
from torch import nn

from . import renamed_keys_hook
from .slot_frames import (
    WHOLE_IMAGE_SCALE,
    frames_from_boxes,
    frames_from_centres,
    frames_from_masks,
    log_prior,
    pixel_centres,
    track_frames,
    whole_image_frames,
)


class SAVi(nn.Module):
    """Video -> per-frame CNN encoder tokens; frame 0's queries come from the initializer
    (conditioned on the first frame's boxes, centres of mass or object masks, or learned), later
    frames' queries are the predictor applied to the previous slots; the corrector (slot
    attention, `aggregator` as in every model here) refines the queries on each frame, and the
    spatial broadcast decoder reconstructs each frame (RGB, flow or depth, as the config's target).

    `first_frame_iterations` overrides the corrector's iteration count on frame 0.

    `position_prior` (None: the paper's model) gives every slot a frame (`slot_frames`): it starts
    at the slot's first-frame condition (a box, a mask's centroid and spread, or a centre with the
    fixed spread `centre_spread`; none: the whole image) and moves to the centroid of the slot's
    attention on every frame, keeping its spread. The corrector's attention and the decoder's
    alpha logits get `position_prior` times the log of a Gaussian around the frame, and the decoder
    draws each slot relative to its frame. Without it, the conditioned slots start nearly alike,
    slot attention averages them further together, and training sits on a symmetric plateau whose
    end depends on floating-point rounding; with it, each conditioned slot owns the pixels around
    its object at once.
    """

    def __init__(
        self,
        encoder: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        predictor: nn.Module,
        decoder: nn.Module,
        first_frame_iterations: int | None = None,
        position_prior: float | None = None,
        centre_spread: float = 0.06,
    ):
        super().__init__()
        self.encoder = encoder
        self.initializer = initializer
        self.aggregator = aggregator  # the paper's corrector
        self.register_load_state_dict_pre_hook(renamed_keys_hook("corrector", "aggregator"))
        self.predictor = predictor
        self.decoder = decoder
        self.first_frame_iterations = first_frame_iterations
        self.position_prior = position_prior
        self.centre_spread = centre_spread

    def forward(
        self,
        video: torch.Tensor,
        bbox: torch.Tensor | None = None,
        centre: torch.Tensor | None = None,
        first_mask: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """video (b, t, 3, H, W) and at most one condition for a conditional initializer: bbox
        (b, t, S, 4) ltrb boxes or centre (b, t, S, 2) centres of mass (x, y), of which frame 0 is
        used, or first_mask (b, S, H, W) the first frame's object masks.
        Returns recon (b, t, C, H', W'), mask (b, t, S, H', W'), slots (b, t, S, D), attention
        (b, t, S, h, w) and, with `position_prior`, the slot frames (b, t, S, 4)."""
        given = {name: value for name, value in (("bbox", bbox), ("centre", centre), ("first_mask", first_mask))
                 if value is not None}
        if len(given) > 1:
            raise ValueError(f"SAVi takes one conditioning signal, got {sorted(given)}: map only one in model_imap")
        kind, condition = next(iter(given.items()), (None, None))
        shapes = {"bbox": (4, "(b, t, S, 4)"), "centre": (2, "(b, t, S, 2)"), "first_mask": (None, "(b, S, H, W)")}
        if kind is not None and (condition.dim() != 4 or shapes[kind][0] not in (None, condition.shape[-1])):
            raise ValueError(f"SAVi's {kind} must be {shapes[kind][1]}, got {tuple(condition.shape)}")
        if kind in ("bbox", "centre"):
            condition = condition[:, 0]  # the first frame's
        b, t = video.shape[:2]
        tokens, grid = self.encoder(video.flatten(0, 1))  # (b*t, N, Cin)
        tokens = tokens.unflatten(0, (b, t))  # (b, t, N, Cin)
        queries = self.initializer(b, condition)
        if self.position_prior is not None:
            positions = pixel_centres(*grid, device=video.device)  # (N, 2) token centres
            frames = self.first_frames(kind, condition, queries, min_scale=WHOLE_IMAGE_SCALE / max(grid))  # one cell at least
        per_frame = {"slots": [], "attention": [], "frames": []}
        for i in range(t):
            iterations = self.first_frame_iterations if i == 0 else None
            bias = None if self.position_prior is None else self.position_prior * log_prior(frames, positions)
            slots, attent = self.aggregator(tokens[:, i], queries, num_iterations=iterations, logit_bias=bias)
            per_frame["slots"].append(slots)
            per_frame["attention"].append(attent)
            if self.position_prior is not None:
                frames = track_frames(attent, positions, frames)
                per_frame["frames"].append(frames)
            if i + 1 < t:
                queries = self.predictor(slots)  # the next frame's queries
        out = {key: torch.stack(values, dim=1) for key, values in per_frame.items() if values}  # (b, t, S, ...)
        out["attention"] = out["attention"].unflatten(-1, grid)  # (b, t, S, h, w)
        decoded = dict(frames=out["frames"].flatten(0, 1), position_prior=self.position_prior) if "frames" in out else {}
        recon, alpha = self.decoder(out["slots"].flatten(0, 1), **decoded)
        return dict(out, recon=recon.unflatten(0, (b, t)), mask=alpha.unflatten(0, (b, t)))

    def first_frames(self, kind: str | None, condition: torch.Tensor | None, queries: torch.Tensor,
                     min_scale: float) -> torch.Tensor:
        """The slots' frames before frame 0 (b, S, 4) from the condition of `kind`, spread at least
        `min_scale`; the whole image without a condition."""
        if kind == "bbox":
            return frames_from_boxes(condition, min_scale)
        if kind == "centre":
            return frames_from_centres(condition, max(self.centre_spread, min_scale))
        if kind == "first_mask":
            return frames_from_masks(condition, min_scale)
        return whole_image_frames(*queries.shape[:2], device=queries.device)
