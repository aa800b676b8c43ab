"""VOC converter on a tiny VOCdevkit: palette PNG masks (written byte by byte here) and JPEGs."""

import argparse
import struct
import zlib

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import convert_voc
from object_centric_bench.datum.codec import decode_index
from object_centric_bench.datum.lmdb_io import LMDBReader

H, W = 5, 7


def voc_palette() -> np.ndarray:
    """The VOC colour map: the bits of the index spread over R, G, B from the high bit down."""
    palette = np.zeros((256, 3), np.uint8)
    for index in range(256):
        value, rgb = index, [0, 0, 0]
        for bit in range(8):
            for channel in range(3):
                rgb[channel] |= ((value >> channel) & 1) << (7 - bit)
            value >>= 3
        palette[index] = rgb
    return palette


def palette_png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG (colour type 3), as VOC ships its masks."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    height, width = indices.shape
    rows = b"".join(b"\x00" + row.tobytes() for row in indices.astype(np.uint8))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"PLTE", palette.tobytes())
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def devkit(tmp_path):
    """VOC2012 with train.txt (2 images) and trainval.txt (3), VOC2007 with test.txt (1) and
    val.txt (2)."""
    masks = {}
    lists = {"VOC2012": {"train": ["2008_000001", "2008_000002"],
                         "trainval": ["2008_000001", "2008_000002", "2008_000003"]},
             "VOC2007": {"test": ["000001"], "val": ["000005", "000006"]}}
    for year, named in lists.items():
        for folder in ("JPEGImages", "SegmentationObject", "ImageSets/Segmentation"):
            (tmp_path / year / folder).mkdir(parents=True)
        for list_name, names in named.items():
            list_file = tmp_path / year / "ImageSets/Segmentation" / f"{list_name}.txt"
            list_file.write_text("\n".join(names) + "\n")
            for name in names:
                indices = np.zeros((H, W), np.uint8)
                indices[0, :] = 255  # void border
                indices[1:3, 1:3] = 1
                indices[3:, 4:] = 2
                indices[1, 5] = 3
                masks[name] = indices
                (tmp_path / year / "SegmentationObject" / f"{name}.png").write_bytes(
                    palette_png(indices, voc_palette()))
                image = np.zeros((H, W, 3), np.uint8)
                cv2.imwrite(str(tmp_path / year / "JPEGImages" / f"{name}.jpg"), image)
    return tmp_path, masks


def _run(argv):
    parser = argparse.ArgumentParser()
    convert_voc.add_arguments(parser)
    convert_voc.main(parser.parse_args(argv))


def test_palette_masks_become_colour_ranks_with_void_as_background(devkit, tmp_path):
    root, masks = devkit
    dst = tmp_path / "out"
    _run(["--src", str(root), "--dst", str(dst)])
    train, val = LMDBReader(dst / "train.lmdb"), LMDBReader(dst / "val.lmdb")
    assert len(train) == 2 and len(val) == 1  # VOC2007 test list by default

    # palette 1 = (128, 0, 0), 2 = (0, 128, 0), 3 = (128, 128, 0): ranks as 0xRRGGBB are 2, 1, 3
    rank_of_index = np.zeros(256, np.uint8)
    rank_of_index[[1, 2, 3]] = [2, 1, 3]
    expected = rank_of_index[masks["2008_000002"]]
    np.testing.assert_array_equal(decode_index(train[1]["segment"]), expected)
    assert decode_index(train[1]["segment"])[0].max() == 0  # the void border is background
    assert train[0]["image"] == (root / "VOC2012/JPEGImages/2008_000001.jpg").read_bytes()


def test_lists_can_be_chosen_and_overwrite_is_refused(devkit, tmp_path):
    root, masks = devkit
    dst = tmp_path / "out"
    argv = ["--src", str(root), "--dst", str(dst), "--train-list", "trainval", "--val-list", "val"]
    _run(argv)
    assert len(LMDBReader(dst / "val.lmdb")) == 2
    train = LMDBReader(dst / "train.lmdb")
    assert len(train) == 3  # the trainval list: the VQ-VFM-OCL split
    assert train[2]["image"] == (root / "VOC2012/JPEGImages/2008_000003.jpg").read_bytes()
    with pytest.raises(FileExistsError):
        _run(argv)


def test_ids_are_ranks_even_without_background():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[0] = (10, 0, 0)
    rgb[1] = (0, 0, 10)
    np.testing.assert_array_equal(convert_voc.index_map_from_colours(rgb), [[2, 2], [1, 1]])
