"""Joint transforms of one sample: every key is cropped, resized and flipped with the same parameters.

A transform is called as ``transform(sample, rng)``: ``sample`` is a dict of tensors whose spatial
axes come last (``image`` (3, H, W), ``video`` (T, 3, H, W), ``segment`` (H, W) / (T, H, W), ``flow``
(T, 2, H, W) in pixels, ``depth`` (H, W) / (T, H, W)), ``rng`` the sample's ``numpy.random.Generator``.
Random parameters are drawn once per call, so all frames of a clip and all keys stay aligned.
Object keys (``bbox``, ``clazz``, ...) pass through; ``RecomputeBoxes`` makes boxes match the masks
again after a crop or flip.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

IMAGE_KEYS = ("image", "video")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESIZE_MODES = {
    "image": "bilinear",
    "video": "bilinear",
    "segment": "nearest-exact",
    "flow": "bilinear",
    "depth": "bilinear",
}
BOX_ROWS = ("numbered", "present")
BOX_EDGES = ("exclusive", "inclusive")


def _size_pair(size) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    height, width = size
    return int(height), int(width)


def _spatial_size(sample: dict) -> tuple[int, int]:
    for key in RESIZE_MODES:
        if key in sample:
            return tuple(sample[key].shape[-2:])
    raise ValueError(f"the sample has no spatial key ({', '.join(RESIZE_MODES)}); it has {sorted(sample)}")


def resize_tensor(x: torch.Tensor, size: tuple[int, int], mode: str) -> torch.Tensor:
    """Resize the last two axes of ``x``; ``nearest-exact`` keeps integer ids, bilinear antialiases."""
    lead = x.shape[:-2]
    flat = x.reshape(-1, 1, *x.shape[-2:]).float()  # (n, 1, h, w)
    if mode == "nearest-exact":
        out = F.interpolate(flat, size=size, mode="nearest-exact")
    else:
        out = F.interpolate(flat, size=size, mode=mode, align_corners=False, antialias=True)
    out = out.reshape(*lead, *size)
    return out.round().to(x.dtype) if not x.dtype.is_floating_point else out.to(x.dtype)


def crop_and_resize(sample: dict, top: int, left: int, height: int, width: int, size) -> dict:
    """Crop the box (top, left, height, width) of every spatial key, then resize it to ``size``.

    Flow vectors are rescaled with the image so they stay in pixels of the output.
    """
    out_h, out_w = _size_pair(size) if size is not None else (height, width)
    result = dict(sample)
    for key, mode in RESIZE_MODES.items():
        if key not in sample:
            continue
        x = sample[key][..., top : top + height, left : left + width]
        if (out_h, out_w) != (height, width):
            x = resize_tensor(x, (out_h, out_w), mode)
            if key == "flow":
                scale = torch.tensor([out_w / width, out_h / height], dtype=x.dtype)
                x = x * scale[:, None, None]  # (t, 2, h, w) times per-component (2, 1, 1)
        result[key] = x.contiguous()
    return result


class Compose:
    """Apply transforms in order with the same random generator."""

    def __init__(self, transforms: list):
        self.transforms = list(transforms)

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        for transform in self.transforms:
            sample = transform(sample, rng)
        return sample


class RandomResizedCrop:
    """Crop a random box of ``scale`` times the largest square's area and aspect ``ratio``, resize.

    The area is relative to the largest square (not the whole frame), so wide and tall frames are
    treated alike; after 10 failed draws the centre largest square is used.
    """

    def __init__(self, size, scale=(0.75, 1.0), ratio=(3 / 4, 4 / 3)):
        self.size = size
        self.scale = scale
        self.ratio = ratio

    def draw_box(self, height: int, width: int, rng: np.random.Generator) -> tuple[int, int, int, int]:
        area = min(height, width) ** 2
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            box_w = int(round(math.sqrt(target * aspect)))
            box_h = int(round(math.sqrt(target / aspect)))
            if 0 < box_w <= width and 0 < box_h <= height:
                top = int(rng.integers(0, height - box_h + 1))
                left = int(rng.integers(0, width - box_w + 1))
                return top, left, box_h, box_w
        return center_square(height, width)

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        top, left, box_h, box_w = self.draw_box(*_spatial_size(sample), rng)
        return crop_and_resize(sample, top, left, box_h, box_w, self.size)


def center_square(height: int, width: int) -> tuple[int, int, int, int]:
    """(top, left, side, side) of the largest centred square."""
    side = min(height, width)
    return (height - side) // 2, (width - side) // 2, side, side


class CenterCrop:
    """Crop the largest centred square (validation)."""

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        return crop_and_resize(sample, *center_square(*_spatial_size(sample)), None)


class Resize:
    """Resize every spatial key to ``size`` (int for square, or (height, width))."""

    def __init__(self, size):
        self.size = size

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        height, width = _spatial_size(sample)
        return crop_and_resize(sample, 0, 0, height, width, self.size)


class RandomHorizontalFlip:
    """Mirror every spatial key with probability ``p``; the flow's x component changes sign."""

    def __init__(self, p: float = 0.5):
        self.p = p

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if rng.uniform() >= self.p:
            return sample
        return horizontal_flip(sample)


def horizontal_flip(sample: dict) -> dict:
    """Mirror every spatial key left-right."""
    result = dict(sample)
    for key in RESIZE_MODES:
        if key in sample:
            result[key] = sample[key].flip(-1)
    if "flow" in sample:
        sign = torch.tensor([-1.0, 1.0], dtype=result["flow"].dtype)
        result["flow"] = result["flow"] * sign[:, None, None]  # (t, 2, h, w): negate dx
    return result


class Normalize:
    """Standardise ``image`` / ``video`` channels (ImageNet statistics by default)."""

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        self.mean = torch.tensor(mean, dtype=torch.float32)[:, None, None]  # (3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32)[:, None, None]

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        result = dict(sample)
        for key in IMAGE_KEYS:
            if key in sample:
                result[key] = (sample[key] - self.mean) / self.std
        return result


def check_choice(name: str, value: str, choices: tuple) -> None:
    """Refuse an option outside ``choices`` with a ``ValueError`` naming them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def boxes_from_segment(segment: torch.Tensor, num_objects: int, edges: str = "exclusive") -> torch.Tensor:
    """Normalised ltrb boxes of ids 1..num_objects: (..., H, W) -> (..., num_objects, 4), row k for
    id k + 1 (``boxes_of_ids``)."""
    return boxes_of_ids(segment, torch.arange(1, num_objects + 1, device=segment.device), edges)


def boxes_of_ids(segment: torch.Tensor, ids: torch.Tensor, edges: str = "exclusive") -> torch.Tensor:
    """Normalised ltrb boxes of the masks of ``ids``: (..., H, W) -> (..., len(ids), 4).

    Row k belongs to ``ids[k]``; an id absent from a frame gets a zero row. ``edges="exclusive"``:
    right and bottom are the pixel edges (``(max + 1) / size``), so a full-frame object spans 0..1.
    ``"inclusive"``: they are the last pixel's index (``max / size``), as the RandSF.Q v3 reference
    computes them; left and top are ``min / size`` either way.
    """
    check_choice("edges", edges, BOX_EDGES)
    height, width = segment.shape[-2:]
    masks = segment.unsqueeze(-3) == ids[:, None, None]  # (..., k, h, w)
    rows = masks.any(-1)  # (..., k, h)
    cols = masks.any(-2)  # (..., k, w)
    present = rows.any(-1)  # (..., k)
    row_index = torch.arange(height, device=segment.device)
    col_index = torch.arange(width, device=segment.device)
    past_last = 1 if edges == "exclusive" else 0
    top = torch.where(rows, row_index, height).amin(-1)
    bottom = torch.where(rows, row_index, -1).amax(-1) + past_last
    left = torch.where(cols, col_index, width).amin(-1)
    right = torch.where(cols, col_index, -1).amax(-1) + past_last
    boxes = torch.stack([left / width, top / height, right / width, bottom / height], dim=-1)
    return torch.where(present.unsqueeze(-1), boxes, torch.zeros(())).float()


class RecomputeBoxes:
    """Replace ``bbox`` (when the sample has one) by the boxes of the augmented ``segment``.

    ``rows="numbered"``: row k for id k + 1; the row count is kept (objects of the whole video
    stay numbered even when they leave the clip or the crop) and grows if the segment holds larger
    ids. ``"present"``: one row per object id present in the segment (in any frame), in id order,
    no background row, as the RandSF.Q v3 reference builds them: ids absent from the clip are
    dropped, so samples differ in row count (the collate pads them per batch) and other object
    keys (``clazz``) keep their numbering. ``edges`` as in ``boxes_of_ids``. ``max_objects``
    refuses a sample with more rows (None: no limit).
    """

    def __init__(self, rows: str = "numbered", edges: str = "exclusive", max_objects: int | None = None):
        check_choice("rows", rows, BOX_ROWS)
        check_choice("edges", edges, BOX_EDGES)
        self.rows = rows
        self.edges = edges
        self.max_objects = max_objects

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if "bbox" not in sample:
            return sample
        if "segment" not in sample:
            raise ValueError("recomputing boxes needs the 'segment' key; add it to the dataset's keys")
        segment = sample["segment"]
        if self.rows == "present":
            ids = segment.unique()
            boxes = boxes_of_ids(segment, ids[ids != 0], self.edges)
        else:
            num_objects = max(sample["bbox"].shape[-2], int(segment.max()) if segment.numel() else 0)
            boxes = boxes_from_segment(segment, num_objects, self.edges)
        if self.max_objects is not None and boxes.shape[-2] > self.max_objects:
            raise ValueError(
                f"the sample has {boxes.shape[-2]} objects, more than max_objects={self.max_objects}; "
                "raise the count (e.g. num_slots)"
            )
        return dict(sample, bbox=boxes)


CONDITIONS = ("centre", "first_mask")


def centres_of_ids(segment: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Normalised centres of mass (x, y) of the masks of ``ids``: (..., H, W) -> (..., len(ids), 2).

    Row k belongs to ``ids[k]``; pixel (i, j) sits at ((j + 0.5) / W, (i + 0.5) / H), so a centre
    lies inside the object's box. An id absent from a frame gets (-1, -1), the fixed "empty" input
    of SAVi's centre conditioning."""
    height, width = segment.shape[-2:]
    masks = (segment.unsqueeze(-3) == ids[:, None, None]).float()  # (..., k, h, w)
    area = masks.sum((-2, -1))  # (..., k)
    x = (torch.arange(width, device=segment.device) + 0.5) / width
    y = (torch.arange(height, device=segment.device) + 0.5) / height
    centre = torch.stack([(masks.sum(-2) * x).sum(-1), (masks.sum(-1) * y).sum(-1)], dim=-1)  # (..., k, 2)
    centre = centre / area.clamp(min=1).unsqueeze(-1)
    return torch.where(area.unsqueeze(-1) > 0, centre, torch.full((), -1.0))


class ObjectConditions:
    """Add the first-frame conditioning signals SAVi can start its slots from, computed from the
    augmented ``segment`` next to its boxes, rows numbered like ``bbox`` (row k for id k + 1):

    - ``centre`` float32 (T, K, 2): each object's centre of mass (x, y) in [0, 1] on every frame
      (the model reads frame 0), (-1, -1) where the object is not visible (``centres_of_ids``);
    - ``first_mask`` uint8 (K, H, W): each object's binary mask on the clip's first frame, zeros
      where it is not visible.

    K is the segment's largest id, or the sample's box row count when larger; ``PadObjects`` pads
    both to the slot count (-1 centres, zero masks: SAVi's fixed inputs of unconditioned slots).
    """

    def __init__(self, keys=CONDITIONS):
        self.keys = tuple(keys)
        for key in self.keys:
            check_choice("condition", key, CONDITIONS)

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if "segment" not in sample:
            raise ValueError("conditioning signals are computed from the masks: add 'segment' to the dataset's keys")
        segment = sample["segment"]
        if segment.dim() != 3:
            raise ValueError(f"conditioning signals need a video segment (T, H, W), got {tuple(segment.shape)}")
        rows = int(segment.max()) if segment.numel() else 0
        if "bbox" in sample:
            rows = max(rows, sample["bbox"].shape[-2])
        ids = torch.arange(1, rows + 1, device=segment.device)
        result = dict(sample)
        if "centre" in self.keys:
            result["centre"] = centres_of_ids(segment, ids)
        if "first_mask" in self.keys:
            result["first_mask"] = (segment[0] == ids[:, None, None]).to(torch.uint8)
        return result


class MergeStuffIntoBackground:
    """COCO object discovery: stuff segments become background and thing ids are compacted to 1..n.

    Needs ``isthing`` (S,) for ids 1..S; rows of ``bbox`` / ``clazz`` / ``isthing`` keep things only.
    """

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if "isthing" not in sample:
            raise ValueError("merging stuff needs the 'isthing' key; add it to the dataset's keys")
        isthing = sample["isthing"].bool()
        new_ids = torch.zeros(len(isthing) + 1, dtype=torch.long)  # old id -> new id, 0 for stuff
        new_ids[1:][isthing] = torch.arange(1, int(isthing.sum()) + 1)
        result = dict(sample, segment=new_ids[sample["segment"]])
        for key in ("bbox", "clazz", "isthing"):
            if key in sample:
                result[key] = sample[key][isthing]
        return result


OBJECT_AXES = {"bbox": -2, "clazz": -1, "isthing": -1, "centre": -2, "first_mask": -3}
PAD_VALUES = {"centre": -1.0}  # an absent object's centre; every other key pads with zeros


class PadObjects:
    """Pad (or refuse to cut) object axes to a fixed count, e.g. ``num_slots`` for conditional slots.

    ``axes`` maps a key to its object axis: ``bbox`` (..., S, 4) and ``centre`` (..., S, 2) use -2,
    ``clazz`` (..., S) -1, ``first_mask`` (S, H, W) -3. Rows are zeros, but -1 for ``centre``
    (``values`` maps a key to another value).
    """

    def __init__(self, num_objects: int, axes: dict | None = None, values: dict | None = None):
        self.num_objects = num_objects
        self.axes = axes if axes is not None else OBJECT_AXES
        self.values = values if values is not None else PAD_VALUES

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        result = dict(sample)
        for key, axis in self.axes.items():
            if key in sample:
                result[key] = pad_axis(sample[key], axis, self.num_objects, key, self.values.get(key, 0))
        return result


def pad_axis(x: torch.Tensor, axis: int, length: int, name: str, value: float = 0) -> torch.Tensor:
    """Pad ``x`` along ``axis`` to ``length`` with ``value``; an error if it is already longer."""
    current = x.shape[axis]
    if current > length:
        raise ValueError(
            f"'{name}' has {current} objects, more than the fixed count {length}; "
            "raise the count (e.g. num_slots) or drop objects in the dataset"
        )
    if current == length:
        return x
    pad_shape = list(x.shape)
    pad_shape[axis] = length - current
    return torch.cat([x, x.new_full(pad_shape, value)], dim=axis)


FLOW_SATURATION = 7 / 64  # of the frame width: the motion per frame that renders fully saturated


class FlowToRGB:
    """Render ``flow`` (T, 2, H, W) as an RGB target in [0, 1] under ``key`` (SAVi's flow target).

    Hue is the flow direction (``flow_to_rgb``), saturation its magnitude divided by
    ``max_magnitude`` pixels (clipped to 1), value 1: zero flow is white. ``max_magnitude=None``
    scales with the frame: ``FLOW_SATURATION`` of its width, 7 px at 64 px and 28 px at 256 px, the
    scale at which MOVi's moving objects render in strong colours (a fixed 50 px left them nearly
    white at 64 px). Give the pixels when the motion differs (synthetic scenes).
    """

    def __init__(self, max_magnitude: float | None = None, key: str = "flow_rgb"):
        self.max_magnitude = max_magnitude
        self.key = key

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        flow = sample["flow"]
        scale = self.max_magnitude if self.max_magnitude is not None else FLOW_SATURATION * flow.shape[-1]
        return dict(sample, **{self.key: flow_to_rgb(flow, scale)})


def flow_to_rgb(flow: torch.Tensor, max_magnitude: float) -> torch.Tensor:
    """(..., 2, H, W) flow in pixels -> (..., 3, H, W) RGB in [0, 1] via HSV: the hue turns with
    the direction atan2(dy, dx) in image axes (y down), so motion right is red, down chartreuse
    (0.5, 1, 0), left cyan and up violet (0.5, 0, 1)."""
    dx, dy = flow.unbind(-3)
    hue = (torch.atan2(dy, dx) / (2 * math.pi)) % 1.0
    saturation = (torch.hypot(dx, dy) / max_magnitude).clamp(max=1.0)
    return hsv_to_rgb(hue, saturation, torch.ones_like(hue))


def hsv_to_rgb(hue: torch.Tensor, saturation: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """HSV in [0, 1] (hue in turns) -> RGB stacked on a new axis -3."""
    sector = hue * 6.0
    channel_offsets = torch.tensor([5.0, 3.0, 1.0], dtype=hue.dtype)  # r, g, b
    k = (sector.unsqueeze(-3) + channel_offsets[:, None, None]) % 6.0  # (..., 3, h, w)
    ramp = torch.minimum(k, 4.0 - k).clamp(0.0, 1.0)
    return value.unsqueeze(-3) - value.unsqueeze(-3) * saturation.unsqueeze(-3) * ramp


def train_transforms(size: int, num_objects: int | None = None, boxes: RecomputeBoxes | None = None) -> Compose:
    """The standard training pipeline: random resized crop, flip, ImageNet normalisation, boxes
    recomputed from the masks (``boxes``, default ``RecomputeBoxes()``), and object axes padded to
    ``num_objects`` when given."""
    steps = [RandomResizedCrop(size), RandomHorizontalFlip(), Normalize(), boxes or RecomputeBoxes()]
    return Compose(steps + _padding(num_objects))


def val_transforms(size: int, num_objects: int | None = None, boxes: RecomputeBoxes | None = None) -> Compose:
    """The standard validation pipeline: centre largest square, resize, normalisation, boxes."""
    steps = [CenterCrop(), Resize(size), Normalize(), boxes or RecomputeBoxes()]
    return Compose(steps + _padding(num_objects))


def _padding(num_objects: int | None) -> list:
    return [PadObjects(num_objects)] if num_objects is not None else []
