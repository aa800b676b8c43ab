"""Convert the Kubric MOVi-A..E TFDS shards (128x128 or 256x256, 1.0.0) to LMDB, without TensorFlow.

Reads ``<src>/<variant>/<res>x<res>/1.0.0/<variant>-{train,validation}.tfrecord-*`` (or the shards
directly in ``<src>``) and writes ``<dst>/train.lmdb`` and ``<dst>/val.lmdb``, one video per record:

- ``video``: 24 per-frame RGB PNGs, the source's own PNG bytes (lossless, untouched);
- ``segment``: 24 per-frame uint8 index-map PNGs, the source's own (0 background, k instance k-1);
- ``bbox``: float32 (T, K, 4) left-top-right-bottom in [0, 1], zeros where an instance is hidden;
- ``clazz``: uint8 (T, K), the instance's class + 1 (0 is kept for "no object"): Kubric's
  ``instances/category`` on MOVi-C/D/E, the ``instances/shape_label`` on MOVi-A/B, which have no
  category;
- the other per-instance labels of the variant, uint8 (K,): ``size``, ``color`` and ``material``
  on MOVi-A, ``material`` on MOVi-B (``LABELS``);
- ``flow`` (default on): 24 backward-flow PNGs from ``codec.encode_flow16`` with channels (dx, dy)
  in pixels, and ``flow_range`` float32 [lo, hi], the source's ``metadata/backward_flow_range``;
- ``depth`` (opt-in): 24 single-channel uint16 PNGs, the source's own, and ``depth_range`` float32
  [lo, hi]; metres are ``v / 65535 * (hi - lo) + lo``.
"""

from pathlib import Path

import numpy as np
from tqdm import tqdm

from .codec import dequantize_uint16, encode_flow16
from .converter import add_output_arguments, split_writers
from .tfrecord import count_records, iter_examples

VARIANTS = ("movi_a", "movi_b", "movi_c", "movi_d", "movi_e")  # subcommands = the TFDS names
RESOLUTIONS = (128, 256)  # the builder configs every variant has
# variant -> (the label that becomes clazz, the other per-instance labels: record key -> feature)
LABELS = {
    "movi_a": ("instances/shape_label", {"size": "instances/size_label", "color": "instances/color_label",
                                         "material": "instances/material_label"}),
    "movi_b": ("instances/shape_label", {"material": "instances/material_label"}),
    "movi_c": ("instances/category", {}),
    "movi_d": ("instances/category", {}),
    "movi_e": ("instances/category", {}),
}
SPLITS = {"train": "train", "val": "validation"}  # ours -> TFDS split name
EXTRAS = ("flow", "depth")
RAGGED_VALUES = "{}/ragged_flat_values"
RAGGED_LENGTHS = "{}/ragged_row_lengths_0"
FEATURES_READ = {
    "video", "segmentations", "backward_flow", "depth",
    *{name for clazz, others in LABELS.values() for name in (clazz, *others.values())},
    "metadata/num_instances", "metadata/height", "metadata/width",
    "metadata/backward_flow_range", "metadata/depth_range",
    RAGGED_VALUES.format("instances/bboxes"), RAGGED_LENGTHS.format("instances/bboxes"),
    RAGGED_VALUES.format("instances/bbox_frames"), RAGGED_LENGTHS.format("instances/bbox_frames"),
}  # only these are decoded; forward flow, normals and the rest are skipped


def find_shards(src, variant: str, tfds_split: str, resolution: int = 256) -> list[Path]:
    """The sorted shards of one split, under the TFDS folder layout or directly in ``src``."""
    src = Path(src)
    pattern = f"{variant}-{tfds_split}.tfrecord-*"
    config = f"{variant}/{resolution}x{resolution}/1.0.0"
    places = [src / config, src]
    for place in places:
        shards = sorted(place.glob(pattern))
        if shards:
            return shards
    raise FileNotFoundError(
        f"no {pattern} shards in {' or '.join(str(p) for p in places)}; point --src at the folder "
        f"that holds {config} (the TFDS data dir) or at that folder itself"
    )


def _feature(example: dict, name: str):
    if name not in example:
        raise KeyError(
            f"the Example has no feature {name!r} (of those read it has {sorted(example)}); "
            "is this a TFDS MOVi release (movi_a..movi_e 1.0.0) of the variant asked for?"
        )
    return example[name]


def _ragged(example: dict, name: str, count: int) -> list[np.ndarray]:
    """Split a TFDS nested sequence (flat values + per-row lengths) into ``count`` rows."""
    values = _feature(example, RAGGED_VALUES.format(name))
    lengths = _feature(example, RAGGED_LENGTHS.format(name))
    items = int(lengths.sum())
    values_per_item = len(values) // items if items else 0
    if len(lengths) != count or values_per_item * items != len(values):
        raise ValueError(
            f"{name}: {len(lengths)} row lengths summing to {items} do not fit {count} "
            f"instances and {len(values)} values"
        )
    ends = np.cumsum(lengths) * values_per_item
    return [values[end - length * values_per_item:end] for end, length in zip(ends, lengths)]


def instance_boxes(example: dict, num_frames: int) -> np.ndarray:
    """float32 (T, K, 4) ltrb boxes from Kubric's per-instance (ymin, xmin, ymax, xmax) lists."""
    num_instances = int(_feature(example, "metadata/num_instances")[0])
    boxes = np.zeros((num_frames, num_instances, 4), np.float32)
    rows = _ragged(example, "instances/bboxes", num_instances)
    frames = _ragged(example, "instances/bbox_frames", num_instances)
    for k, (row, frame) in enumerate(zip(rows, frames)):
        yx = row.reshape(-1, 4)  # (n_visible, 4): ymin, xmin, ymax, xmax
        if len(yx) != len(frame):
            raise ValueError(f"instance {k}: {len(yx)} boxes for {len(frame)} bbox_frames")
        boxes[frame, k] = yx[:, [1, 0, 3, 2]]
    return boxes


def backward_flow(example: dict, num_frames: int) -> tuple[list[bytes], np.ndarray]:
    """Per-frame flow PNGs (dx, dy in pixels) and their float32 [lo, hi] range."""
    height = int(_feature(example, "metadata/height")[0])
    width = int(_feature(example, "metadata/width")[0])
    codes = _feature(example, "backward_flow")
    if not isinstance(codes, np.ndarray) or codes.size != num_frames * height * width * 2:
        raise ValueError(
            f"backward_flow should be an int64 list of {num_frames}x{height}x{width}x2 uint16 codes"
        )
    lo, hi = (float(v) for v in _feature(example, "metadata/backward_flow_range"))
    if not hi > lo:  # a motionless video: every code decodes to lo
        hi = lo + 1.0
    codes = codes.astype(np.uint16).reshape(num_frames, height, width, 2)  # (t, h, w, [dy, dx])
    flow = np.clip(dequantize_uint16(codes[..., ::-1], lo, hi), lo, hi)  # (t, h, w, [dx, dy])
    frames = [encode_flow16(frame, lo, hi) for frame in flow]
    return frames, np.array([lo, hi], np.float32)


def video_sample(example: dict, extras=("flow",), variant: str = "movi_c") -> dict:
    """One LMDB record from one parsed Example of a MOVi ``variant``."""
    video = _feature(example, "video")
    num_frames = len(video)
    segment = _feature(example, "segmentations")
    if len(segment) != num_frames:
        raise ValueError(f"{len(segment)} segmentation frames for {num_frames} video frames")
    boxes = instance_boxes(example, num_frames)
    clazz_feature, others = LABELS[variant]
    labels = {key: _feature(example, name) for key, name in [("clazz", clazz_feature), *others.items()]}
    for key, label in labels.items():
        if len(label) != boxes.shape[1]:
            raise ValueError(f"{key}: {len(label)} labels for {boxes.shape[1]} instances")
    sample = {
        "video": list(video),
        "segment": list(segment),
        "bbox": boxes,
        "clazz": np.broadcast_to(labels.pop("clazz").astype(np.uint8) + 1, boxes.shape[:2]).copy(),
    }
    sample.update((key, label.astype(np.uint8)) for key, label in labels.items())
    if "flow" in extras:
        sample["flow"], sample["flow_range"] = backward_flow(example, num_frames)
    if "depth" in extras:
        sample["depth"] = list(_feature(example, "depth"))
        sample["depth_range"] = np.asarray(_feature(example, "metadata/depth_range"), np.float32)
    return sample


def add_arguments(parser) -> None:
    """Options of ``convert.py movi_a`` .. ``convert.py movi_e``."""
    parser.add_argument("--src", required=True,
                        help="TFDS data dir holding <variant>/<res>x<res>/1.0.0 (or that folder)")
    parser.add_argument("--resolution", type=int, choices=RESOLUTIONS, default=256,
                        help="which builder config to read (the configs resize to their own size)")
    add_output_arguments(parser, list(SPLITS))
    parser.add_argument("--extras", nargs="*", choices=EXTRAS, default=["flow"],
                        help="optional streams to keep (backward flow by default; depth is large)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the TFRecord checksums (faster, but corruption goes unnoticed)")


def main(args) -> None:
    """Convert the splits asked for; ``args.dataset`` (movi_a .. movi_e) picks the variant."""
    variant = args.dataset
    if variant not in VARIANTS:
        raise ValueError(f"unknown MOVi variant {variant!r}; expected one of {VARIANTS}")
    shards = {split: find_shards(args.src, variant, SPLITS[split], args.resolution) for split in args.split}
    with split_writers(args.dst, args.split, args.overwrite) as writers:
        for split, writer in writers.items():
            total = sum(count_records(shard) for shard in shards[split])
            with tqdm(total=total, desc=f"{variant} {split}", unit="video") as progress:
                for shard in shards[split]:
                    for example in iter_examples(shard, FEATURES_READ, not args.no_verify):
                        writer.write(video_sample(example, args.extras, variant))
                        progress.update()
