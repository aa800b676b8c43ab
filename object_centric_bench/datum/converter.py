"""Plumbing shared by the dataset converters of ``convert.py``: output options and split writers."""

from contextlib import ExitStack, contextmanager
from pathlib import Path

from .lmdb_io import LMDBWriter


def add_output_arguments(parser, splits, default=None) -> None:
    """``--dst``, ``--split`` and ``--overwrite``, the same for every converter."""
    parser.add_argument("--dst", required=True, help="folder that receives <split>.lmdb")
    parser.add_argument("--split", nargs="+", choices=list(splits), default=list(default or splits))
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")


@contextmanager
def split_writers(dst, splits, overwrite):
    """One ``LMDBWriter`` per split, all opened before any work, so an existing output is refused
    at once rather than after converting the first split."""
    with ExitStack() as stack:
        yield {split: stack.enter_context(LMDBWriter(Path(dst) / f"{split}.lmdb", overwrite)) for split in splits}
    for split in splits:
        print(f"wrote {Path(dst) / f'{split}.lmdb'}")
