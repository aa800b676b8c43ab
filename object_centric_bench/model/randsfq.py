"""RandSF.Q: video slots whose next-frame queries come from a transit over a randomly paired past
slot set and frame features, decoded by a partially visible Transformer (DIAS)."""

import torch
from torch import nn

from . import renamed_keys_hook
from .videosaur import VideoSAUR


class RandSFQ(VideoSAUR):
    """The VideoSAUR skeleton with two changes: frame i >= 1 gets its queries from `transit`
    (previous slots and current features at inference; a random slot time and an independent
    random feature time per sample in training) and runs ONE slot attention iteration; the
    decoder is `PartiallyVisibleDecoder`, which also reads the target features. Checkpoints
    written when the transit was stored as `predictor` load under its own name."""

    query_module = "transit"

    def __init__(
        self,
        backbone: nn.Module,
        projection: nn.Module,
        initializer: nn.Module,
        aggregator: nn.Module,
        transit: nn.Module,
        decoder: nn.Module,
        first_frame_iterations: int = 3,
        iterations: int = 1,
        predict_similarity: bool = False,
    ):
        super().__init__(
            backbone,
            projection,
            initializer,
            aggregator,
            transit,
            decoder,
            first_frame_iterations,
            iterations,
            predict_similarity,
        )
        self.register_load_state_dict_pre_hook(renamed_keys_hook("predictor", "transit"))

    def next_queries(self, frame: int, history: list[torch.Tensor], tokens: torch.Tensor) -> torch.Tensor:
        b = tokens.shape[0]
        if self.training:
            slot_time, feature_time = self.transit.sample_times(frame, b, tokens.device)
        else:
            slot_time, feature_time = self.transit.infer_times(frame, b, tokens.device)
        samples = torch.arange(b, device=tokens.device)
        past_slots = torch.stack(history, dim=1)[samples, slot_time]  # (b, S, D)
        features = tokens[samples, feature_time]  # (b, N, Cin)
        return self.transit(past_slots, frame - slot_time, features, frame - feature_time)

    def decode(self, slots: torch.Tensor, feature: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(slots, feature)
