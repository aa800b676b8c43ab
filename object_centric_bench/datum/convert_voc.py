"""Convert PASCAL VOC ``SegmentationObject`` masks to LMDB: VOC2012 train, VOC2007 for validation.

Reads ``<src>/VOC2012`` and ``<src>/VOC2007`` (the ``VOCdevkit`` folder). train.lmdb holds the
images of VOC2012 ``ImageSets/Segmentation/<--train-list>.txt`` (``train`` by default: 1,464
images; ``trainval``: all 2,913 with object masks); val.lmdb those of VOC2007
``ImageSets/Segmentation/<--val-list>.txt`` (``test`` by default: the 210 images whose masks ship
with the VOC2007 test archive; ``val`` takes the 213 of the trainval archive, ``trainval`` its
422). ``--train-list trainval --val-list trainval`` is the split of the VQ-VFM-OCL / MetaSlot
code, which converts every mask of VOC2012 and of the VOC2007 trainval archive. Record keys:

- ``image``: the original JPEG bytes;
- ``segment``: uint8 index-map PNG whose ids are the ranks of the mask's colours (sorted as
  0xRRGGBB), with black background and the void/border colour mapped to 0.
"""

from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from .codec import encode_png
from .converter import add_output_arguments, split_writers

VOID_RGB = (224, 224, 192)  # palette index 255 of the VOC colour map: borders and ambiguous pixels
YEARS = {"train": "VOC2012", "val": "VOC2007"}


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """int64 0xRRGGBB of (..., 3) uint8 RGB values."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def index_map_from_colours(rgb: np.ndarray, void_rgb=None) -> np.ndarray:
    """uint8 (H, W) ids: ranks of the distinct colours of an (H, W, 3) mask; black, void -> 0."""
    packed = pack_rgb(rgb)
    if void_rgb is not None:
        packed[packed == pack_rgb(np.array(void_rgb))] = 0
    values, inverse = np.unique(np.concatenate([[0], packed.reshape(-1)]), return_inverse=True)
    if len(values) > 256:
        raise ValueError(f"{len(values) - 1} mask colours do not fit a uint8 index map")
    return inverse[1:].reshape(packed.shape).astype(np.uint8)


def read_rgb(path) -> np.ndarray:
    """uint8 (H, W, 3) RGB of any PNG (palette, gray or colour)."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(f"cannot read the mask {path}")
    return bgr[..., ::-1]


def image_sample(year_dir: Path, name: str) -> dict:
    """One record: the JPEG and the object mask of image ``name``."""
    rgb = read_rgb(year_dir / "SegmentationObject" / f"{name}.png")
    return {
        "image": (year_dir / "JPEGImages" / f"{name}.jpg").read_bytes(),
        "segment": encode_png(index_map_from_colours(rgb, VOID_RGB)),
    }


def add_arguments(parser) -> None:
    """Options of ``convert.py voc``."""
    parser.add_argument("--src", required=True, help="VOCdevkit folder with VOC2012/ and VOC2007/")
    add_output_arguments(parser, list(YEARS))
    parser.add_argument("--train-list", default="train", choices=["train", "trainval"],
                        help="VOC2012 ImageSets/Segmentation list used for train.lmdb")
    parser.add_argument("--val-list", default="test", choices=["test", "val", "trainval"],
                        help="VOC2007 ImageSets/Segmentation list used for val.lmdb")


def main(args) -> None:
    """Convert the splits asked for."""
    lists = {"train": args.train_list, "val": args.val_list}
    names = {}
    for split in args.split:
        list_file = Path(args.src) / YEARS[split] / "ImageSets/Segmentation" / f"{lists[split]}.txt"
        if not list_file.exists():
            raise FileNotFoundError(f"{list_file} not found; --src must be the VOCdevkit folder")
        names[split] = list_file.read_text().split()
    with split_writers(args.dst, args.split, args.overwrite) as writers:
        for split, writer in writers.items():
            year_dir = Path(args.src) / YEARS[split]
            for name in tqdm(names[split], desc=f"voc {split}", unit="image"):
                writer.write(image_sample(year_dir, name))
