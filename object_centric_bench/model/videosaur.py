"""VideoSAUR (Zadaianchuk et al. 2023): slots that track objects through a video by reconstructing
frozen self-supervised features, frame after frame.

SlotContrast (Manasyan et al. 2025) is the same skeleton with the broadcast MLP decoder, bi-level
slot attention and a slot-slot contrastive loss, so its configs build this class too.
"""

import torch
from torch import nn

from .token_grid import square_grid


class VideoSAUR(nn.Module):
    """Video -> frozen backbone features of all frames (also the reconstruction target) ->
    projection -> slot attention frame by frame: frame 0 refines the initializer's queries with
    `first_frame_iterations`, later frames refine `next_queries` (here the predictor applied to the
    previous slots) with `iterations` -> decoder per frame, whose masks segment the video.

    With `predict_similarity=True` the decoder renders C + N channels per token: the first C are
    the feature reconstruction, the last N the logits of the temporal similarity loss.
    """

    # the attribute (and state-dict prefix) of the module that makes the next frame's queries
    query_module = "predictor"

    def __init__(
        self,
        backbone: nn.Module,
        projection: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        predictor: nn.Module,
        decoder: nn.Module,
        first_frame_iterations: int = 3,
        iterations: int = 2,
        predict_similarity: bool = False,
    ):
        super().__init__()
        self.backbone = backbone
        self.projection = projection
        self.initializer = initializer
        self.aggregator = aggregator
        self.add_module(self.query_module, predictor)  # registered here, so parameter order is one for all
        self.decoder = decoder
        self.first_frame_iterations = first_frame_iterations
        self.iterations = iterations
        self.predict_similarity = predict_similarity

    def next_queries(self, frame: int, history: list[torch.Tensor], tokens: torch.Tensor) -> torch.Tensor:
        """Queries for `frame` >= 1 from the slots of frames 0..frame-1 (`history`, each (b, S, D))
        and the projected features of all frames `tokens` (b, t, N, Cin)."""
        return self.predictor(history[-1])

    def decode(self, slots: torch.Tensor, feature: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """slots (b', S, D), target features (b', N, C) -> rendered tokens (b', N, C[+N]) and masks
        (b', S, N)."""
        return self.decoder(slots)

    def forward(
        self, video: torch.Tensor, bbox: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """video (b, t, 3, H, W); bbox (b, t, S, 4) ltrb boxes, of which frame 0 conditions the
        initializer (leave it out for a learned initializer).

        Returns feature and recon (b, t, N, C), slots (b, t, S, D), mask (the decoder's masks, the
        segmentation) and attent (slot attention) (b, t, S, h, w), and with `predict_similarity`
        similarity (b, t, N, N) logits.
        """
        b, t = video.shape[:2]
        feature = self.backbone(video.flatten(0, 1)).detach().float()  # (b*t, N, C)
        tokens = self.projection(feature).unflatten(0, (b, t))  # (b, t, N, Cin)
        history, attents = [], []
        for i in range(t):
            if i == 0:
                queries = self.initializer(b, None if bbox is None else bbox[:, 0])
                iterations = self.first_frame_iterations
            else:
                queries = self.next_queries(i, history, tokens)
                iterations = self.iterations
            slots, attent = self.aggregator(tokens[:, i], queries, num_iterations=iterations)
            history.append(slots)
            attents.append(attent)
        slots = torch.stack(history, dim=1)  # (b, t, S, D)
        rendered, mask = self.decode(slots.flatten(0, 1), feature)
        grid = square_grid(feature.shape[1])
        out = dict(
            feature=feature.unflatten(0, (b, t)),
            slots=slots,
            mask=mask.unflatten(0, (b, t)).unflatten(-1, grid),
            attention=torch.stack(attents, dim=1).unflatten(-1, grid),
        )
        rendered = rendered.float().unflatten(0, (b, t))  # (b, t, N, C[+N])
        if self.predict_similarity:
            n = feature.shape[1]
            out["recon"], out["similarity"] = rendered[..., :-n], rendered[..., -n:]
        else:
            out["recon"] = rendered
        return out
