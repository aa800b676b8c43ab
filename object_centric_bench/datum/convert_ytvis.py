"""Convert YouTube-VIS 2019 frames with the HQ-YTVIS annotations to LMDB, one video per record.

Reads the ytvis-format JSON of each split (``videos`` with ``file_names``; ``annotations`` with
``video_id``, ``category_id`` and per-frame ``segmentations``: COCO RLE with string or list counts,
polygons, or null) and the JPEGs under ``train_all_frames/JPEGImages``. Record keys:

- ``video``: the original JPEG bytes of every annotated frame, in ``file_names`` order;
- ``segment``: per-frame uint8 index-map PNGs; track j of the video (annotation order) is id j + 1,
  0 is background; where tracks overlap the later one wins;
- ``bbox``: float32 (T, K, 4) ltrb boxes of the visible pixels of each id, zeros where absent;
- ``clazz``: uint8 (T, K), the YTVIS category id of track j in column j.

Masks are decoded here (RLE in numpy, polygons with ``cv2.fillPoly``); pycocotools is not needed.
"""

import json
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from .codec import encode_png
from .converter import add_output_arguments, split_writers
from .transform import boxes_from_segment

SPLITS = ("train", "val", "test")
FRAMES_DIR = Path("train_all_frames") / "JPEGImages"
ANNOTATION_NAME = "ytvis_hq-{}.json"


def rle_counts_from_string(counts: str) -> np.ndarray:
    """Run lengths of a compressed COCO RLE string (6-bit groups, deltas after the second run)."""
    runs = []
    pos = 0
    while pos < len(counts):
        value = 0
        shift = 0
        while True:
            group = ord(counts[pos]) - 48
            pos += 1
            value |= (group & 0x1F) << shift
            shift += 5
            if not group & 0x20:
                if group & 0x10:  # sign bit of the last group
                    value -= 1 << shift
                break
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return np.array(runs, np.int64)


def decode_rle(rle: dict) -> np.ndarray:
    """Binary (H, W) mask of a COCO RLE dict; runs alternate 0/1 in column-major order."""
    height, width = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        runs = rle_counts_from_string(counts)
    else:
        runs = np.asarray(counts, np.int64)
    if runs.sum() != height * width or (runs < 0).any():
        raise ValueError(f"RLE runs sum to {runs.sum()}, not {height}x{width}: corrupt annotation")
    flat = np.repeat(np.arange(len(runs)) % 2, runs).astype(bool)
    return flat.reshape(width, height).T


def decode_polygons(polygons: list, height: int, width: int) -> np.ndarray:
    """Binary (H, W) mask of COCO polygons ``[[x1, y1, x2, y2, ...], ...]``."""
    mask = np.zeros((height, width), np.uint8)
    points = [np.round(np.asarray(p, np.float64).reshape(-1, 2)).astype(np.int32) for p in polygons]
    cv2.fillPoly(mask, [p for p in points if len(p) >= 3], 1)
    return mask.astype(bool)


def decode_mask(segmentation, height: int, width: int) -> np.ndarray | None:
    """A per-frame annotation (RLE dict, polygon list or None) as a bool (H, W) mask or None."""
    if segmentation is None:
        return None
    if isinstance(segmentation, dict):
        mask = decode_rle(segmentation)
    else:
        mask = decode_polygons(segmentation, height, width)
    if mask.shape != (height, width):
        raise ValueError(f"mask of shape {mask.shape} in a {height}x{width} video")
    return mask


def video_sample(video: dict, tracks: list[dict], frames_dir: Path) -> dict:
    """One record from a ytvis ``videos`` entry and its annotations (tracks) in order."""
    height, width = video["height"], video["width"]
    num_frames = len(video["file_names"])
    segment = np.zeros((num_frames, height, width), np.uint8)  # (t, h, w)
    for j, track in enumerate(tracks):
        if len(track["segmentations"]) != num_frames:
            raise ValueError(
                f"annotation {track.get('id')} has {len(track['segmentations'])} masks for "
                f"{num_frames} frames of video {video['id']}"
            )
        for t, segmentation in enumerate(track["segmentations"]):
            mask = decode_mask(segmentation, height, width)
            if mask is not None:
                segment[t][mask] = j + 1
    category = np.array([track["category_id"] for track in tracks], np.uint8)
    frames = []
    for name in video["file_names"]:
        path = frames_dir / name
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; --src must hold YTVIS 2019 {FRAMES_DIR}")
        frames.append(path.read_bytes())
    return {
        "video": frames,
        "segment": [encode_png(frame) for frame in segment],
        "bbox": boxes_from_segment(torch.from_numpy(segment), len(tracks)).numpy(),
        "clazz": np.broadcast_to(category, (num_frames, len(tracks))).copy(),
    }


def read_annotations(annotation_file) -> tuple[list[dict], dict]:
    """The ``videos`` of a ytvis JSON and, per video id, its annotations in file order."""
    with open(annotation_file) as file:
        data = json.load(file)
    tracks = defaultdict(list)
    for annotation in data.get("annotations", []):
        tracks[annotation["video_id"]].append(annotation)
    return data["videos"], tracks


def add_arguments(parser) -> None:
    """Options of ``convert.py ytvis``."""
    parser.add_argument("--src", required=True, help=f"YTVIS 2019 root holding {FRAMES_DIR}")
    parser.add_argument("--annotations", default=None,
                        help=f"folder with the HQ-YTVIS {ANNOTATION_NAME.format('<split>')} files "
                             "(default: --src)")
    add_output_arguments(parser, SPLITS, default=["train", "val"])


def main(args) -> None:
    """Convert the splits asked for."""
    frames_dir = Path(args.src) / FRAMES_DIR
    annotations = Path(args.annotations or args.src)
    files = {split: annotations / ANNOTATION_NAME.format(split) for split in args.split}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"not found: {', '.join(missing)}; pass --annotations DIR")
    with split_writers(args.dst, args.split, args.overwrite) as writers:
        for split, writer in writers.items():
            videos, tracks = read_annotations(files[split])
            for video in tqdm(videos, desc=f"ytvis {split}", unit="video"):
                writer.write(video_sample(video, tracks[video["id"]], frames_dir))
