"""Convert COCO 2017 images with the panoptic annotations to LMDB, one image per record.

Reads ``annotations/panoptic_<split>2017.json``, the panoptic PNGs in
``annotations/panoptic_<split>2017/`` (segment id = R + 256 G + 256^2 B) and the JPEGs in
``<split>2017/``. Record keys:

- ``image``: the original JPEG bytes;
- ``segment``: uint8 index-map PNG; segment k of ``segments_info`` (in annotation order) is id k,
  0 is unlabelled;
- ``bbox``: float32 (n, 4) ltrb in [0, 1] from each segment's xywh pixel box;
- ``clazz``: uint8 (n,) panoptic category id; ``isthing``: bool (n,) from the category list, so a
  loader can merge stuff into the background.
"""

import json
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from .codec import encode_png
from .converter import add_output_arguments, split_writers

SPLITS = {"train": "train2017", "val": "val2017"}
MAX_SEGMENTS = 255  # ids must fit the uint8 index map


def panoptic_ids(png_path) -> np.ndarray:
    """int64 (H, W) segment ids of a panoptic PNG: R + 256 G + 256^2 B."""
    bgr = cv2.imread(str(png_path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"cannot read the panoptic PNG {png_path}")
    bgr = bgr.astype(np.int64)
    return bgr[..., 2] + 256 * bgr[..., 1] + 256 * 256 * bgr[..., 0]


def image_sample(
    annotation: dict, image: dict, isthing: dict, image_dir: Path, png_dir: Path
) -> dict:
    """One record from a panoptic annotation, its ``images`` entry and the category flags."""
    segments = annotation["segments_info"]
    if len(segments) > MAX_SEGMENTS:
        raise ValueError(f"{annotation['file_name']} has {len(segments)} segments; at most "
                         f"{MAX_SEGMENTS} fit a uint8 index map")
    ids = panoptic_ids(png_dir / annotation["file_name"])
    values, inverse = np.unique(ids, return_inverse=True)
    lookup = np.zeros(len(values), np.uint8)  # ids not listed in segments_info stay 0
    position = {segment["id"]: k + 1 for k, segment in enumerate(segments)}
    for v, value in enumerate(values.tolist()):
        lookup[v] = position.get(value, 0)
    segment = lookup[inverse.reshape(ids.shape)]
    height, width = ids.shape
    xywh = np.array([s["bbox"] for s in segments], np.float32).reshape(-1, 4)
    scale = np.array([width, height, width, height], np.float32)
    return {
        "image": (image_dir / image["file_name"]).read_bytes(),
        "segment": encode_png(segment),
        "bbox": np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1) / scale,
        "clazz": np.array([s["category_id"] for s in segments], np.uint8),
        "isthing": np.array([isthing[s["category_id"]] for s in segments], bool),
    }


def add_arguments(parser) -> None:
    """Options of ``convert.py coco``."""
    parser.add_argument("--src", required=True,
                        help="COCO root holding annotations/ (panoptic JSON + PNGs) and *2017/")
    add_output_arguments(parser, list(SPLITS))


def main(args) -> None:
    """Convert the splits asked for."""
    src = Path(args.src)
    files = {split: src / "annotations" / f"panoptic_{SPLITS[split]}.json" for split in args.split}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise FileNotFoundError(f"not found: {', '.join(missing)}; --src must be the COCO root")
    with split_writers(args.dst, args.split, args.overwrite) as writers:
        for split, writer in writers.items():
            data = json.loads(files[split].read_text())
            images = {image["id"]: image for image in data["images"]}
            isthing = {category["id"]: bool(category["isthing"]) for category in data["categories"]}
            image_dir = src / SPLITS[split]
            png_dir = src / "annotations" / f"panoptic_{SPLITS[split]}"
            for annotation in tqdm(data["annotations"], desc=f"coco {split}", unit="image"):
                image = images[annotation["image_id"]]
                writer.write(image_sample(annotation, image, isthing, image_dir, png_dir))
