"""Synthetic multi-object scenes: 2D sprites with exact masks, boxes and backward optical flow.

Each object is a small sprite (a shape mask and a colour patch) pasted at whole-pixel positions,
back to front, so objects occlude each other. Because objects move by whole pixels, the backward
flow of a visible pixel is exactly its object's displacement, and sampling frame t-1 at p + flow
reproduces frame t wherever the surface point is visible in both frames. Every sample is drawn
from its own generator seeded by (seed, split, index): sample i never depends on the others, and
the same seed gives the same bytes.
"""

import zlib
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from object_centric_bench.datum import codec
from object_centric_bench.datum.lmdb_io import LMDBWriter
from object_centric_bench.datum.transform import boxes_from_segment, hsv_to_rgb

SHAPES = ("disk", "square", "triangle", "diamond", "ellipse", "star", "cross")
TEXTURES = ("stripes", "checker", "noise")
DIFFICULTIES = ("flat", "textured")
KINDS = ("image", "video")

RADIUS_RANGE = (0.07, 0.16)  # sprite radius as a fraction of the resolution: 9-20 px wide at 64 px
BOUNCER_SPEED = (0.02, 0.04)  # pixels per frame as a fraction of the resolution
PASSER_SPEED = (0.035, 0.06)  # faster, so objects that ignore the borders cross them
PASSER_PROB = 0.3  # share of objects that ignore the borders and may enter or leave the frame
HUE_SLOTS = 12  # objects of one scene take distinct hues at least 30 degrees apart
MIN_RESOLUTION = 16


def check_scene_args(
    kind: str,
    resolution: int,
    frames: int,
    max_objects: int,
    min_objects: int,
    difficulty: str,
    radius_range: tuple[float, float] = RADIUS_RANGE,
) -> None:
    """Raise ``ValueError`` with a fix for parameters the generator cannot honour."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {DIFFICULTIES}, got {difficulty!r}")
    if resolution < MIN_RESOLUTION:
        raise ValueError(f"resolution must be at least {MIN_RESOLUTION} pixels, got {resolution}")
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    if not 1 <= max_objects <= 255:
        raise ValueError(f"max_objects must be in 1..255 (uint8 segment ids), got {max_objects}")
    if not 1 <= min_objects <= max_objects:
        raise ValueError(f"min_objects must be in 1..max_objects={max_objects}, got {min_objects}")
    low, high = radius_range
    if not 0 < low <= high < 0.5:
        raise ValueError(
            f"radius_range must satisfy 0 < low <= high < 0.5 (fractions of the resolution), "
            f"got {tuple(radius_range)}"
        )


def sample_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of one sample, a pure function of (seed, split, index)."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return np.random.default_rng([seed, zlib.crc32(split.encode()), index])


def hsv_colours(hue, saturation, value) -> np.ndarray:
    """HSV colours (arrays of one shape, each in [0, 1]) -> RGB float64 in [0, 1], shape (..., 3).

    ``transform.hsv_to_rgb`` works on maps with channels at axis -3; each colour is a 1x1 map.
    """
    maps = [torch.as_tensor(np.asarray(x, np.float64))[..., None, None] for x in (hue, saturation, value)]
    return hsv_to_rgb(*maps)[..., 0, 0].numpy()  # (..., 3, 1, 1) -> (..., 3)


def value_noise(height: int, width: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in [0, 1]: a (cells+1)^2 random lattice, bilinearly interpolated."""
    lattice = rng.random((cells + 1, cells + 1))
    ys = np.linspace(0.0, cells, height, endpoint=False)
    xs = np.linspace(0.0, cells, width, endpoint=False)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    top = lattice[y0][:, x0] * (1 - fx) + lattice[y0][:, x0 + 1] * fx
    bottom = lattice[y0 + 1][:, x0] * (1 - fx) + lattice[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy  # (height, width)


def shape_mask(shape: str, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean (S, S) mask of a shape of the given radius, S = 2 * ceil(radius) + 1, centred."""
    half = int(np.ceil(radius))
    offsets = np.arange(-half, half + 1) / radius
    x, y = offsets[None, :], offsets[:, None]
    if shape == "disk":
        return x * x + y * y <= 1.0
    if shape == "square":
        return np.maximum(np.abs(x), np.abs(y)) <= 0.8
    if shape == "triangle":
        return (y <= 0.7) & (np.abs(x) <= (y + 1.0) * 0.55)
    if shape == "diamond":
        return np.abs(x) + np.abs(y) <= 1.0
    if shape == "ellipse":
        if rng.random() < 0.5:
            x, y = y, x
        return x * x + (y / 0.55) ** 2 <= 1.0
    if shape == "star":
        angle = np.arctan2(y, x) + np.pi / 2  # one point straight up
        return np.hypot(x, y) <= 0.6 + 0.4 * np.cos(5 * angle)
    if shape == "cross":
        arm, reach = np.minimum(np.abs(x), np.abs(y)), np.maximum(np.abs(x), np.abs(y))
        return (arm <= 0.33) & (reach <= 0.95)
    raise ValueError(f"unknown shape {shape!r}; choose one of {SHAPES}")


def texture_shade(texture: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """Shading factor (S, S) in [0.45, 1] that patterns a sprite; it moves with the sprite."""
    rows, cols = np.mgrid[0:size, 0:size]
    if texture == "stripes":
        angle = rng.uniform(0, np.pi)
        half_period = rng.uniform(1.5, 3.0)
        pattern = np.floor((cols * np.cos(angle) + rows * np.sin(angle)) / half_period) % 2
    elif texture == "checker":
        cell = rng.integers(2, 5)
        pattern = (rows // cell + cols // cell) % 2
    elif texture == "noise":
        pattern = value_noise(size, size, max(2, size // 3), rng)
    else:
        raise ValueError(f"unknown texture {texture!r}; choose one of {TEXTURES}")
    return 1.0 - 0.55 * pattern


def background(resolution: int, difficulty: str, rng: np.random.Generator) -> np.ndarray:
    """Static uint8 (H, W, 3) background: plain dark grey, or a muted textured field."""
    if difficulty == "flat":
        grey = rng.integers(20, 70)
        return np.full((resolution, resolution, 3), grey, np.uint8)
    base = hsv_colours(rng.random(()), rng.uniform(0.15, 0.35, ()), rng.uniform(0.35, 0.55, ()))
    cloud = value_noise(resolution, resolution, 4, rng)
    angle = rng.uniform(0, np.pi)
    rows, cols = np.mgrid[0:resolution, 0:resolution]
    stripes = np.floor((cols * np.cos(angle) + rows * np.sin(angle)) / rng.uniform(3, 6)) % 2
    shade = (0.6 + 0.5 * cloud) * (1.0 - 0.2 * stripes)
    return np.clip(shade[..., None] * base * 255, 0, 255).astype(np.uint8)


def track(frames: int, resolution: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Integer centre (x, y) per frame, (T, 2): bouncing inside the frame, or passing through it."""
    low, high = radius, resolution - 1 - radius  # centres that keep the sprite inside the frame
    passes = rng.random() < PASSER_PROB
    speed = rng.uniform(*(PASSER_SPEED if passes else BOUNCER_SPEED)) * resolution
    angle = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.cos(angle), np.sin(angle)])
    anchor = rng.uniform(low, high, 2)
    time = np.arange(frames, dtype=np.float64)[:, None]
    if passes:
        anchor_time = rng.uniform(0, frames - 1)  # in view then; before or after it may be outside
        centre = anchor + velocity * (time - anchor_time)
    else:
        span = high - low
        folded = np.mod(anchor + velocity * time - low, 2 * span)
        centre = low + np.where(folded <= span, folded, 2 * span - folded)  # reflect at borders
    return np.rint(centre).astype(np.int64)


def make_sprite(
    colour: np.ndarray, radius: float, difficulty: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shape mask bool (S, S) and colour patch uint8 (S, S, 3) of one object."""
    mask = shape_mask(SHAPES[rng.integers(len(SHAPES))], radius, rng)
    shade = np.ones(mask.shape)
    if difficulty == "textured":
        shade = texture_shade(TEXTURES[rng.integers(len(TEXTURES))], mask.shape[0], rng)
    patch = np.clip(shade[..., None] * colour * 255, 0, 255).astype(np.uint8)  # (s, s, 3)
    return mask, patch


def paste(
    video: np.ndarray,
    segment: np.ndarray,
    mask: np.ndarray,
    patch: np.ndarray,
    centre: np.ndarray,
    object_id: int,
) -> None:
    """Paint a sprite centred at the integer ``centre`` (T, 2) as (x, y) into every frame, in place.

    Each pixel looks up the sprite pixel under it, so parts outside the frame are simply cut off.
    """
    size = mask.shape[0]
    _, height, width = segment.shape
    local_y = np.arange(height)[None, :] - (centre[:, 1:2] - size // 2)  # (t, h) sprite row
    local_x = np.arange(width)[None, :] - (centre[:, 0:1] - size // 2)  # (t, w) sprite column
    inside_y = (local_y >= 0) & (local_y < size)
    inside_x = (local_x >= 0) & (local_x < size)
    sprite_y = np.broadcast_to(np.clip(local_y, 0, size - 1)[:, :, None], segment.shape)
    sprite_x = np.broadcast_to(np.clip(local_x, 0, size - 1)[:, None, :], segment.shape)
    cover = inside_y[:, :, None] & inside_x[:, None, :] & mask[sprite_y, sprite_x]  # (t, h, w)
    video[cover] = patch[sprite_y[cover], sprite_x[cover]]
    segment[cover] = object_id


def generate_scene(
    rng: np.random.Generator,
    resolution: int = 64,
    frames: int = 24,
    max_objects: int = 6,
    difficulty: str = "flat",
    min_objects: int = 1,
    radius_range: tuple[float, float] = RADIUS_RANGE,
) -> dict:
    """Render one clip as numpy arrays. Sprite radii are drawn from ``radius_range``, as fractions
    of the resolution.

    Returns ``video`` uint8 (T, H, W, 3), ``segment`` uint8 (T, H, W) with 0 background and
    1..n objects (n <= max_objects), ``bbox`` float32 (T, max_objects, 4) and ``flow`` float32
    (T, H, W, 2): backward flow (dx, dy) in pixels, zero on the background and in frame 0.
    """
    num_objects = int(rng.integers(min_objects, max_objects + 1))
    hue_slots = max(HUE_SLOTS, num_objects)
    hues = (rng.random() + rng.permutation(hue_slots)[:num_objects] / hue_slots) % 1.0
    saturations = rng.uniform(0.75, 1.0, num_objects)
    colours = hsv_colours(hues, saturations, rng.uniform(0.85, 1.0, num_objects))  # (n, 3)
    canvas = background(resolution, difficulty, rng)

    video = np.broadcast_to(canvas, (frames,) + canvas.shape).copy()  # (t, h, w, 3)
    segment = np.zeros((frames, resolution, resolution), np.uint8)
    displacement = np.zeros((frames, max_objects + 1, 2), np.float32)  # row 0: background
    for k in rng.permutation(num_objects):  # painted back to front
        radius = rng.uniform(*radius_range) * resolution
        mask, patch = make_sprite(colours[k], radius, difficulty, rng)
        centre = track(frames, resolution, radius, rng)  # (t, 2) as (x, y)
        displacement[1:, k + 1] = centre[:-1] - centre[1:]
        paste(video, segment, mask, patch, centre, k + 1)

    frame_index = np.arange(frames)[:, None, None]
    flow = displacement[frame_index, segment]  # (t, h, w, 2)
    bbox = boxes_from_segment(torch.from_numpy(segment), max_objects).numpy()  # (t, k, 4)
    return dict(video=video, segment=segment, bbox=bbox, flow=flow)


def generate_sample(
    seed: int,
    split: str,
    index: int,
    kind: str = "video",
    resolution: int = 64,
    frames: int = 24,
    max_objects: int = 6,
    difficulty: str = "flat",
    min_objects: int = 1,
    radius_range: tuple[float, float] = RADIUS_RANGE,
) -> dict:
    """Sample ``index`` of a split as numpy arrays (see ``generate_scene``).

    An image sample is a one-frame scene with keys ``image`` (H, W, 3), ``segment`` (H, W) and
    ``bbox`` (K, 4); a video sample keeps the keys of ``generate_scene``.
    """
    check_scene_args(kind, resolution, frames, max_objects, min_objects, difficulty, radius_range)
    rng = sample_rng(seed, split, index)
    if kind == "image":
        scene = generate_scene(rng, resolution, 1, max_objects, difficulty, min_objects, radius_range)
        return dict(image=scene["video"][0], segment=scene["segment"][0], bbox=scene["bbox"][0])
    return generate_scene(rng, resolution, frames, max_objects, difficulty, min_objects, radius_range)


def flow_range(flow: np.ndarray) -> np.ndarray:
    """A symmetric float32 [lo, hi] that covers ``flow``, at least [-1, 1] (16-bit quantisation)."""
    bound = max(1.0, float(np.abs(flow).max()))
    return np.array([-bound, bound], np.float32)


def encode_sample(sample: dict) -> dict:
    """The LMDB record of a sample from ``generate_sample``: per-frame PNGs, boxes, 16-bit flow."""
    if "image" in sample:
        return dict(
            image=codec.encode_png(sample["image"]),
            segment=codec.encode_png(sample["segment"]),
            bbox=sample["bbox"],
        )
    bounds = flow_range(sample["flow"])
    return dict(
        video=[codec.encode_png(frame) for frame in sample["video"]],
        segment=[codec.encode_png(frame) for frame in sample["segment"]],
        bbox=sample["bbox"],
        flow=[codec.encode_flow16(frame, *bounds) for frame in sample["flow"]],
        flow_range=bounds,
    )


def generate_split(
    dst,
    split: str,
    num: int,
    seed: int = 0,
    kind: str = "video",
    resolution: int = 64,
    frames: int = 24,
    max_objects: int = 6,
    difficulty: str = "flat",
    min_objects: int = 1,
    overwrite: bool = False,
    progress: bool = True,
    radius_range: tuple[float, float] = RADIUS_RANGE,
) -> Path:
    """Write ``num`` samples to ``dst/<split>.lmdb`` (with its manifest); returns that path."""
    check_scene_args(kind, resolution, frames, max_objects, min_objects, difficulty, radius_range)
    if num < 1:
        raise ValueError(f"the number of {split} samples must be at least 1, got {num}")
    path = Path(dst) / f"{split}.lmdb"
    with LMDBWriter(path, overwrite=overwrite) as writer:
        for index in tqdm(range(num), desc=f"synth {split}", unit=kind, disable=not progress):
            sample = generate_sample(
                seed, split, index, kind, resolution, frames, max_objects, difficulty, min_objects,
                radius_range,
            )
            writer.write(encode_sample(sample))
    return path


def add_arguments(parser) -> None:
    """Options of ``convert.py synth``."""
    parser.add_argument("--dst", required=True, help="folder that receives train.lmdb and val.lmdb")
    parser.add_argument("--kind", choices=KINDS, default="video")
    parser.add_argument("--resolution", type=int, default=64, help="square side in pixels")
    parser.add_argument("--frames", type=int, default=24, help="frames per video")
    parser.add_argument("--num-train", type=int, default=5000)
    parser.add_argument("--num-val", type=int, default=500)
    parser.add_argument("--max-objects", type=int, default=6, help="objects per scene at most")
    parser.add_argument("--min-objects", type=int, default=1, help="objects per scene at least")
    parser.add_argument(
        "--difficulty", choices=DIFFICULTIES, default="flat",
        help="flat: flat colours on a plain background; textured: textured sprites and background",
    )
    parser.add_argument(
        "--radius-range", type=float, nargs=2, default=RADIUS_RANGE, metavar=("LOW", "HIGH"),
        help="sprite radius range as fractions of the resolution (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")


def main(args) -> None:
    """Generate the train and val splits described by the parsed ``args``."""
    splits = (("train", args.num_train), ("val", args.num_val))
    taken = [str(Path(args.dst) / f"{split}.lmdb") for split, _ in splits]
    taken = [path for path in taken if Path(path).exists()]
    if taken and not args.overwrite:
        raise SystemExit(f"{' and '.join(taken)} already exist; add --overwrite to replace them")
    for split, num in splits:
        path = generate_split(
            args.dst, split, num, args.seed, args.kind, args.resolution, args.frames,
            args.max_objects, args.difficulty, args.min_objects, args.overwrite,
            radius_range=tuple(args.radius_range),
        )
        print(f"wrote {path}")
