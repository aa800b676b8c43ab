"""YTVIS converter on a tiny ytvis-format fixture: JPEG frames, JSON with RLE and polygon masks."""

import argparse
import json

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import convert_ytvis
from object_centric_bench.datum.codec import decode_index
from object_centric_bench.datum.lmdb_io import LMDBReader

H, W = 6, 8


def _runs(mask: np.ndarray) -> list[int]:
    """COCO run lengths: column-major, starting with a (possibly empty) run of zeros."""
    flat = mask.T.reshape(-1).astype(np.int64)
    change = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(edges).tolist()
    return runs if flat[0] == 0 else [0] + runs


def _rle_string(runs: list[int]) -> str:
    """COCO's compressed RLE: deltas to the run two back (after the second), 5 bits per char."""
    chars = []
    for i, run in enumerate(runs):
        value = run - runs[i - 2] if i > 2 else run
        more = True
        while more:
            group = value & 0x1F
            value >>= 5
            more = value != -1 if group & 0x10 else value != 0
            chars.append(chr(group + (0x20 if more else 0) + 48))
    return "".join(chars)


def _box_mask(top, left, bottom, right):
    mask = np.zeros((H, W), bool)
    mask[top:bottom, left:right] = True
    return mask


@pytest.fixture
def ytvis_root(tmp_path):
    """Videos a (3 frames, 2 tracks) and b (2 frames, 1 track) in train, c in val."""
    frames = tmp_path / "train_all_frames" / "JPEGImages"
    rng = np.random.default_rng(0)
    videos = {"a": 3, "b": 2, "c": 2}
    for name, length in videos.items():
        (frames / name).mkdir(parents=True)
        for t in range(length):
            image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
            cv2.imwrite(str(frames / name / f"{5 * t:05d}.jpg"), image)

    def video_entry(video_id, name):
        names = [f"{name}/{5 * t:05d}.jpg" for t in range(videos[name])]
        return {"id": video_id, "height": H, "width": W, "length": len(names), "file_names": names}

    person = [_box_mask(0, 0, 3, 4), _box_mask(1, 1, 4, 5), _box_mask(2, 2, 4, 5)]
    car = [None, None, _box_mask(2, 3, 6, 8)]  # the later track: covers the person where they meet
    car_polygon = [[3, 2, 7.4, 2, 7.4, 5.4, 3, 5.4]]  # x, y pairs: cols 3..7, rows 2..5
    wide = _box_mask(0, 0, 6, 8)
    annotations = {
        "train": [
            {"id": 1, "video_id": 1, "category_id": 7, "segmentations": [
                {"size": [H, W], "counts": _rle_string(_runs(person[0]))},
                {"size": [H, W], "counts": _runs(person[1])},
                {"size": [H, W], "counts": _rle_string(_runs(person[2]))},
            ]},
            {"id": 2, "video_id": 2, "category_id": 3, "segmentations": [
                {"size": [H, W], "counts": _rle_string(_runs(wide))}, None,
            ]},
            {"id": 3, "video_id": 1, "category_id": 40, "segmentations": [None, None, car_polygon]},
        ],
        "val": [{"id": 4, "video_id": 5, "category_id": 1, "segmentations": [None, None]}],
    }
    splits = {"train": [video_entry(1, "a"), video_entry(2, "b")], "val": [video_entry(5, "c")]}
    for split, entries in splits.items():
        data = {"videos": entries, "annotations": annotations[split], "categories": []}
        (tmp_path / f"ytvis_hq-{split}.json").write_text(json.dumps(data))
    expected_a = np.zeros((3, H, W), np.uint8)
    for t in range(3):
        expected_a[t][person[t]] = 1
        if car[t] is not None:
            expected_a[t][car[t]] = 2
    return tmp_path, expected_a


def _run(argv):
    parser = argparse.ArgumentParser()
    convert_ytvis.add_arguments(parser)
    convert_ytvis.main(parser.parse_args(argv))


def test_rle_string_decoding_matches_runs_with_negative_deltas():
    runs = [0, 5, 30, 2, 1, 40, 3]  # deltas to two back go negative
    np.testing.assert_array_equal(convert_ytvis.rle_counts_from_string(_rle_string(runs)), runs)


def test_converts_tracks_in_order_with_classes_and_boxes(ytvis_root, tmp_path):
    root, expected_a = ytvis_root
    dst = tmp_path / "out"
    _run(["--src", str(root), "--dst", str(dst)])

    train = LMDBReader(dst / "train.lmdb")
    assert len(train) == 2 and len(LMDBReader(dst / "val.lmdb")) == 1
    a, b = train[0], train[1]
    assert a["video"][1] == (root / "train_all_frames/JPEGImages/a/00005.jpg").read_bytes()
    segment = np.stack([decode_index(frame) for frame in a["segment"]])
    np.testing.assert_array_equal(segment, expected_a)
    np.testing.assert_array_equal(a["clazz"], [[7, 40]] * 3)
    assert a["clazz"].dtype == np.uint8
    np.testing.assert_allclose(a["bbox"][0], [[0, 0, 4 / W, 3 / H], [0, 0, 0, 0]])
    np.testing.assert_allclose(a["bbox"][2], [[2 / W, 2 / H, 3 / W, 4 / H], [3 / W, 2 / H, 1, 1]])
    np.testing.assert_array_equal(decode_index(b["segment"][0]), np.ones((H, W)))
    np.testing.assert_array_equal(decode_index(b["segment"][1]), np.zeros((H, W)))
    np.testing.assert_array_equal(b["clazz"], [[3], [3]])


def test_refuses_to_overwrite_and_reports_missing_annotations(ytvis_root, tmp_path):
    root, _ = ytvis_root
    dst = tmp_path / "out"
    _run(["--src", str(root), "--dst", str(dst), "--split", "val"])
    with pytest.raises(FileExistsError):
        _run(["--src", str(root), "--dst", str(dst), "--split", "val"])
    with pytest.raises(FileNotFoundError, match="ytvis_hq-test.json"):
        _run(["--src", str(root), "--dst", str(dst), "--split", "test"])


def test_a_corrupt_rle_is_refused():
    with pytest.raises(ValueError, match="corrupt"):
        convert_ytvis.decode_rle({"size": [2, 2], "counts": [1, 2]})
