"""ClevrTex converter on tiny packages laid out as clevrtex_<variant>/<n>/CLEVRTEX_<variant>_*."""

import argparse

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import convert_clevrtex
from object_centric_bench.datum.codec import decode_index
from object_centric_bench.datum.lmdb_io import LMDBReader

H, W = 6, 8


def _write_scene(folder, variant: str, index: int) -> np.ndarray:
    """Render, colour mask, 16-bit depth and JSON of one scene; returns the expected index map."""
    stem = folder / f"CLEVRTEX_{variant}_{index:06d}"
    rgba = np.full((H, W, 4), 255, np.uint8)
    rgba[..., 0] = index
    cv2.imwrite(f"{stem}.png", rgba)
    mask = np.zeros((H, W, 3), np.uint8)  # RGB
    mask[1:3, 1:3] = (200, 10, 10)
    mask[3:5, 4:7] = (10, 200, 10)
    mask[0, 7] = (10, 10, 200 + index)
    cv2.imwrite(f"{stem}_flat.png", mask[..., ::-1])
    cv2.imwrite(f"{stem}_depth_0001.png", np.full((H, W), 1000 + index, np.uint16))
    (folder / f"CLEVRTEX_{variant}_{index:06d}.json").write_text("{}")
    expected = np.zeros((H, W), np.uint8)  # ranks as 0xRRGGBB: blue-ish 1, green 2, red 3
    expected[1:3, 1:3] = 3
    expected[3:5, 4:7] = 2
    expected[0, 7] = 1
    return expected


@pytest.fixture
def packages(tmp_path):
    """clevrtex_full: scenes 0..2 in two sub-folders (written out of order); clevrtex_outd: one."""
    expected = {}
    for variant, layout in {"full": {"1": [2], "0": [1, 0]}, "outd": {"0": [0]}}.items():
        for sub, indices in layout.items():
            folder = tmp_path / f"clevrtex_{variant}" / sub
            folder.mkdir(parents=True)
            for index in indices:
                expected[variant, index] = _write_scene(folder, variant, index)
    return tmp_path, expected


def _run(argv):
    parser = argparse.ArgumentParser()
    convert_clevrtex.add_arguments(parser)
    convert_clevrtex.main(parser.parse_args(argv))


def test_converts_in_index_order_with_colour_ranks_and_depth(packages, tmp_path):
    root, expected = packages
    dst = tmp_path / "out"
    _run(["--src", str(root), "--dst", str(dst)])
    train, val = LMDBReader(dst / "train.lmdb"), LMDBReader(dst / "val.lmdb")
    assert len(train) == 3 and len(val) == 1
    for index in range(3):
        sample = train[index]
        image = cv2.imdecode(np.frombuffer(sample["image"], np.uint8), cv2.IMREAD_UNCHANGED)
        assert image[0, 0, 0] == index  # index order, not folder or file-system order
        np.testing.assert_array_equal(decode_index(sample["segment"]), expected["full", index])
        depth = cv2.imdecode(np.frombuffer(sample["depth"], np.uint8), cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16 and depth[0, 0] == 1000 + index


def test_refuses_to_overwrite_and_names_a_wrong_root(packages, tmp_path):
    root, _ = packages
    argv = ["--src", str(root), "--dst", str(tmp_path / "out"), "--split", "val"]
    _run(argv)
    with pytest.raises(FileExistsError):
        _run(argv)
    with pytest.raises(FileNotFoundError, match="CLEVRTEX_full"):
        _run(["--src", str(tmp_path / "out"), "--dst", str(tmp_path / "x"), "--split", "train"])
