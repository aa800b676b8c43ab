"""COCO panoptic converter on a tiny fixture: JSON, panoptic PNGs (R + 256 G + 256^2 B), JPEGs."""

import argparse
import json

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import convert_coco
from object_centric_bench.datum.codec import decode_index
from object_centric_bench.datum.lmdb_io import LMDBReader

H, W = 6, 10
CATEGORIES = [
    {"id": 1, "name": "person", "isthing": 1},
    {"id": 184, "name": "tree-merged", "isthing": 0},
]


def _write_panoptic_png(path, ids: np.ndarray) -> None:
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1).astype(np.uint8)
    cv2.imwrite(str(path), rgb[..., ::-1])


@pytest.fixture
def coco_root(tmp_path):
    """train: two images (one with a thing and a stuff segment); val: one image, no segments."""
    (tmp_path / "annotations").mkdir()
    thing_id, stuff_id = 3 + 256 * 7 + 65536 * 2, 9  # exercise all three channels
    ids = np.zeros((H, W), np.int64)
    ids[:3, :] = stuff_id
    ids[3:5, 2:6] = thing_id
    layouts = {"train": [ids, np.full((H, W), 77)], "val": [np.zeros((H, W), np.int64)]}
    segments = {
        "train": [
            [  # stuff listed first: ids follow segments_info order, not pixel values
                {"id": stuff_id, "category_id": 184, "iscrowd": 0, "bbox": [0, 0, 10, 3]},
                {"id": thing_id, "category_id": 1, "iscrowd": 0, "bbox": [2, 3, 4, 2]},
            ],
            [{"id": 77, "category_id": 1, "iscrowd": 0, "bbox": [0, 0, 10, 6]}],
        ],
        "val": [[]],
    }
    for split, id_maps in layouts.items():
        (tmp_path / f"{split}2017").mkdir()
        (tmp_path / "annotations" / f"panoptic_{split}2017").mkdir()
        images, annotations = [], []
        for i, id_map in enumerate(id_maps):
            name = f"{split}{i:012d}"
            image = np.full((H, W, 3), 40 * i, np.uint8)
            cv2.imwrite(str(tmp_path / f"{split}2017" / f"{name}.jpg"), image)
            png_dir = tmp_path / "annotations" / f"panoptic_{split}2017"
            _write_panoptic_png(png_dir / f"{name}.png", id_map)
            images.append({"id": 100 + i, "file_name": f"{name}.jpg", "height": H, "width": W})
            annotations.append({"image_id": 100 + i, "file_name": f"{name}.png",
                                "segments_info": segments[split][i]})
        data = {"images": images, "annotations": annotations, "categories": CATEGORIES}
        (tmp_path / "annotations" / f"panoptic_{split}2017.json").write_text(json.dumps(data))
    return tmp_path


def _run(argv):
    parser = argparse.ArgumentParser()
    convert_coco.add_arguments(parser)
    convert_coco.main(parser.parse_args(argv))


def test_segments_follow_annotation_order_with_boxes_classes_and_thing_flags(coco_root, tmp_path):
    dst = tmp_path / "out"
    _run(["--src", str(coco_root), "--dst", str(dst)])
    train, val = LMDBReader(dst / "train.lmdb"), LMDBReader(dst / "val.lmdb")
    assert len(train) == 2 and len(val) == 1

    first = train[0]
    assert first["image"] == (coco_root / "train2017" / "train000000000000.jpg").read_bytes()
    expected = np.zeros((H, W), np.uint8)
    expected[:3] = 1
    expected[3:5, 2:6] = 2
    np.testing.assert_array_equal(decode_index(first["segment"]), expected)
    np.testing.assert_allclose(first["bbox"], [[0, 0, 1, 0.5], [0.2, 0.5, 0.6, 5 / 6]], rtol=1e-6)
    assert first["bbox"].dtype == np.float32
    np.testing.assert_array_equal(first["clazz"], [184, 1])
    np.testing.assert_array_equal(first["isthing"], [False, True])

    np.testing.assert_array_equal(decode_index(train[1]["segment"]), np.ones((H, W)))
    empty = val[0]
    assert empty["bbox"].shape == (0, 4) and empty["clazz"].shape == (0,)
    np.testing.assert_array_equal(decode_index(empty["segment"]), np.zeros((H, W)))


def test_refuses_to_overwrite(coco_root, tmp_path):
    argv = ["--src", str(coco_root), "--dst", str(tmp_path / "out"), "--split", "val"]
    _run(argv)
    with pytest.raises(FileExistsError):
        _run(argv)
    _run(argv + ["--overwrite"])


def test_a_wrong_root_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="panoptic_val2017.json"):
        _run(["--src", str(tmp_path), "--dst", str(tmp_path / "out"), "--split", "val"])
