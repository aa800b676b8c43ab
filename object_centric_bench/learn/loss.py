"""Losses that the standard torch ones do not cover."""

import torch
import torch.nn.functional as F
from torch import nn


class SumSquaredError(nn.Module):
    """SAVi's reconstruction loss: the squared error summed over every axis but the first (time,
    channels and pixels) and averaged over the batch (its first axis).

    This is not a constant multiple of the pixel mean in practice: under gradient-norm clipping
    (SAVi clips at 0.05) the summed loss's gradient is clipped on nearly every step, so training
    takes steps of the clip norm's length. The mean reproduces that only with the clip divided by
    the element count per sample (Adam's step does not depend on a constant gradient scale, up
    to its eps). ``input`` and ``target`` (b, ...) of equal shape.
    """

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if input.shape != target.shape:
            raise ValueError(
                f"prediction {tuple(input.shape)} and target {tuple(target.shape)} must have the same "
                "shape; map the loss to matching tensors"
            )
        return (input - target).square().sum() / input.shape[0]


class ForegroundWeightedMSELoss(nn.Module):
    """Pixel MSE that weighs pixels unlike their frame's dominant colour more, so that small
    objects on a large plain background are not drowned out by it.

    A pixel's weight is 1 plus ``foreground_weight - 1`` times its distance from the frame's
    median colour, divided by ``tolerance`` and capped at 1; weights are normalised to mean 1.
    This uses the target image alone (no labels). ``foreground_weight=1`` is plain MSE.
    The target is area-resized to the prediction's size when they differ, so a decoder may work
    at a lower resolution than the data. ``input`` (..., C, h, w), ``target`` (..., C, H, W).
    """

    def __init__(self, foreground_weight: float = 1.0, tolerance: float = 0.5):
        super().__init__()
        if foreground_weight < 1 or tolerance <= 0:
            raise ValueError(
                f"foreground_weight must be >= 1 and tolerance > 0, got {foreground_weight} and {tolerance}"
            )
        self.foreground_weight = foreground_weight
        self.tolerance = tolerance

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if input.shape[:-2] != target.shape[:-2]:
            raise ValueError(
                f"prediction {tuple(input.shape)} and target {tuple(target.shape)} must agree on "
                "all but the last two (spatial) axes; map the loss to matching tensors"
            )
        if input.shape[-2:] != target.shape[-2:]:
            frames = target.reshape(-1, *target.shape[-3:])  # (n, C, H, W)
            target = F.interpolate(frames, size=input.shape[-2:], mode="area").reshape(input.shape)
        error = (input - target).square()
        if self.foreground_weight == 1:
            return error.mean()
        dominant = target.flatten(-2).median(dim=-1).values[..., None, None]  # (..., C, 1, 1)
        distance = (target - dominant).norm(dim=-3, keepdim=True)  # (..., 1, h, w)
        weight = 1 + (self.foreground_weight - 1) * (distance / self.tolerance).clamp(max=1)
        weight = weight / weight.mean()
        return (weight * error).mean()


class CodebookLoss(nn.Module):
    """The VQ-VAE's bottleneck loss: the codebook term ``MSE(quant, sg(encode))`` moves the codes to
    the encodings, the commitment term ``commitment * MSE(encode, sg(quant))`` keeps the encoder near
    its codes (van den Oord et al. 2017; 0.25 as there). ``encode`` and ``quant`` of equal shape."""

    def __init__(self, commitment: float = 0.25):
        super().__init__()
        self.commitment = commitment

    def forward(self, encode: torch.Tensor, quant: torch.Tensor) -> torch.Tensor:
        codebook = F.mse_loss(quant.float(), encode.detach().float())
        commit = F.mse_loss(encode.float(), quant.detach().float())
        return codebook + self.commitment * commit
