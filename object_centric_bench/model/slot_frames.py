"""Slot reference frames: where each slot's object is and how far it extends in the image.

A frame is (x, y, sx, sy) in image coordinates normalised to [0, 1] (pixel edges, like boxes): the
centre and the spread (standard deviation along each axis) of the slot's object. A video model
starts the frames from the first-frame boxes (an empty box stands for the whole image), moves each
to the centroid of its slot's attention frame by frame, and uses them twice: a Gaussian prior in
the slot's own coordinates, added to the attention and alpha logits, gives a conditioned slot the
pixels around its box from the first training step; and the decoder draws every slot in
coordinates relative to its frame, so one shape is one code wherever the object is (as in
Invariant Slot Attention, Biza et al. 2023).
"""

import math

import torch

# The frame of an empty slot: centred, with the spread of a uniform distribution over the image.
WHOLE_IMAGE_SCALE = 1 / math.sqrt(12)


def pixel_centres(height: int, width: int, device=None) -> torch.Tensor:
    """(height * width, 2) float32 (x, y) of the cell centres of a height x width grid over [0, 1]^2,
    row-major like flattened feature maps."""
    y, x = torch.meshgrid(
        (torch.arange(height, device=device, dtype=torch.float32) + 0.5) / height,
        (torch.arange(width, device=device, dtype=torch.float32) + 0.5) / width,
        indexing="ij",
    )
    return torch.stack([x, y], dim=-1).flatten(0, 1)


def frames_from_boxes(bbox: torch.Tensor, min_scale: float = 0.0) -> torch.Tensor:
    """ltrb boxes (..., S, 4) in [0, 1] -> frames (..., S, 4): the centre and the spread of a uniform
    box (its side / sqrt(12)), at least ``min_scale``. An empty box (no positive area, or
    non-finite) gets the whole image."""
    bbox = bbox.float()
    left, top, right, bottom = bbox.unbind(-1)
    valid = bbox.isfinite().all(-1) & (right > left) & (bottom > top)
    spread = torch.stack([right - left, bottom - top], dim=-1).div(math.sqrt(12)).clamp(min=min_scale)
    frames = torch.cat([torch.stack([(left + right) / 2, (top + bottom) / 2], dim=-1), spread], dim=-1)
    return torch.where(valid[..., None], frames, whole_image_frames(1, 1, bbox.device)[0])


def frames_from_centres(centre: torch.Tensor, spread: float) -> torch.Tensor:
    """Centres of mass (..., S, 2) (x, y) in [0, 1] -> frames (..., S, 4) of that centre and the
    fixed ``spread`` (a centre says nothing of the object's size). A negative or non-finite
    centre (an empty slot) gets the whole image."""
    centre = centre.float()
    valid = (centre.isfinite() & (centre >= 0)).all(-1)
    frames = torch.cat([centre, torch.full_like(centre, spread)], dim=-1)
    return torch.where(valid[..., None], frames, whole_image_frames(1, 1, centre.device)[0])


def frames_from_masks(masks: torch.Tensor, min_scale: float = 0.0) -> torch.Tensor:
    """Binary masks (..., S, H, W) -> frames (..., S, 4): each mask's centroid and its standard
    deviation along x and y (a uniform box gets the spread ``frames_from_boxes`` gives it), at
    least ``min_scale``. An empty mask gets the whole image."""
    height, width = masks.shape[-2:]
    weights = masks.float().nan_to_num(0.0).clamp(min=0).flatten(-2)  # (..., S, N)
    positions = pixel_centres(height, width, device=masks.device)  # (N, 2)
    area = weights.sum(-1, keepdim=True)  # (..., S, 1)
    mean = weights @ positions / area.clamp(min=1e-12)
    variance = weights @ positions.square() / area.clamp(min=1e-12) - mean.square()
    # a row of single pixels still has the pixel's own width: a uniform cell spreads 1 / sqrt(12) of it
    cell = torch.tensor([1 / width, 1 / height], device=masks.device) / math.sqrt(12)
    spread = (variance.clamp(min=0) + cell.square()).sqrt().clamp(min=min_scale)
    frames = torch.cat([mean, spread], dim=-1)
    return torch.where(area > 0, frames, whole_image_frames(1, 1, masks.device)[0])


def whole_image_frames(batch_size: int, num_slots: int, device=None) -> torch.Tensor:
    """(b, S, 4) frames that all cover the whole image (slots with no condition)."""
    whole = torch.tensor([0.5, 0.5, WHOLE_IMAGE_SCALE, WHOLE_IMAGE_SCALE], device=device)
    return whole.expand(batch_size, num_slots, 4)


def track_frames(attention: torch.Tensor, positions: torch.Tensor, previous: torch.Tensor, inertia: float = 1.0) -> torch.Tensor:
    """Move each slot's frame to the centroid of its attention: attention (b, S, N) over tokens at
    ``positions`` (N, 2), previous frames (b, S, 4) -> frames (b, S, 4) with the previous spreads.

    The previous centre counts as ``inertia`` tokens of attention, so a slot that takes (almost)
    nothing keeps its place instead of jumping to wherever its few tokens are. The spread stays the
    one its first-frame box gave: the attention of a slot that has not bound yet spreads over much
    of the image, and a frame that grew with it would lose the box that was to bind it.
    """
    attention = attention.float()
    mass = attention.sum(-1, keepdim=True) + inertia  # (b, S, 1)
    centre = (attention @ positions + inertia * previous[..., :2]) / mass  # (b, S, 2)
    return torch.cat([centre, previous[..., 2:]], dim=-1)


def relative_positions(frames: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """``positions`` (N, 2) in each slot's frame: (b, S, 4) -> (b, S, N, 2), (p - centre) / spread."""
    centre, scale = frames[..., None, :2], frames[..., None, 2:]
    return (positions - centre) / scale


def log_prior(frames: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Log density of each frame's Gaussian at ``positions`` (b, S, N), up to a constant shared by
    all slots: -|rel|^2 / 2 - log(sx * sy). Normalised like the components of a mixture, so a small
    object's slot outweighs a broad one (the background) near its centre, and not only off it."""
    squared = relative_positions(frames, positions).square().sum(-1)  # (b, S, N)
    return -0.5 * squared - frames[..., None, 2:].log().sum(-1)
