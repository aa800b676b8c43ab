"""Convert ClevrTex to LMDB: the ``clevrtex_full`` package as train, ``clevrtex_outd`` as val.

Each package holds numbered sub-folders with, per image ``CLEVRTEX_<variant>_XXXXXX``: the ``.png``
render, the ``_flat.png`` object mask, the ``_depth_0001.png`` depth render and a ``.json``.
Images are taken in index order. Record keys:

- ``image``: the original PNG bytes (may carry alpha; readers keep RGB);
- ``segment``: uint8 index-map PNG; ids are the ranks of the mask colours (0xRRGGBB), black is 0;
- ``depth``: the original ``_depth_0001.png`` bytes, unchanged.
"""

import re
from pathlib import Path

from tqdm import tqdm

from .codec import encode_png
from .convert_voc import index_map_from_colours, read_rgb
from .converter import add_output_arguments, split_writers

PACKAGES = {"train": "full", "val": "outd"}


def find_images(src, variant: str) -> list[Path]:
    """The renders of one package in index order, under ``<src>/clevrtex_<variant>`` or ``src``."""
    src = Path(src)
    pattern = re.compile(rf"CLEVRTEX_{variant}_(\d{{6}})\.png")
    for root in (src / f"clevrtex_{variant}", src):
        found = [p for p in root.glob(f"**/CLEVRTEX_{variant}_*.png") if pattern.fullmatch(p.name)]
        if found:
            return sorted(found, key=lambda p: int(pattern.fullmatch(p.name).group(1)))
    raise FileNotFoundError(
        f"no CLEVRTEX_{variant}_XXXXXX.png under {src / f'clevrtex_{variant}'} or {src}; "
        "point --src at the folder holding the extracted clevrtex_full / clevrtex_outd packages"
    )


def image_sample(image_path: Path) -> dict:
    """One record from a render and the mask and depth files beside it."""
    stem = image_path.with_suffix("")
    mask_path = stem.with_name(stem.name + "_flat.png")
    depth_path = stem.with_name(stem.name + "_depth_0001.png")
    if not depth_path.exists():
        raise FileNotFoundError(f"{depth_path} is missing; is the package fully extracted?")
    return {
        "image": image_path.read_bytes(),
        "segment": encode_png(index_map_from_colours(read_rgb(mask_path))),
        "depth": depth_path.read_bytes(),
    }


def add_arguments(parser) -> None:
    """Options of ``convert.py clevrtex``."""
    parser.add_argument("--src", required=True,
                        help="folder holding the extracted clevrtex_full/ and clevrtex_outd/")
    add_output_arguments(parser, list(PACKAGES))


def main(args) -> None:
    """Convert the splits asked for."""
    images = {split: find_images(args.src, PACKAGES[split]) for split in args.split}
    with split_writers(args.dst, args.split, args.overwrite) as writers:
        for split, writer in writers.items():
            for image_path in tqdm(images[split], desc=f"clevrtex {split}", unit="image"):
                writer.write(image_sample(image_path))
