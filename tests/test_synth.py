"""The synthetic scene generator: determinism, masks vs boxes, exact flow, motion, the CLI."""

import numpy as np
import pytest

import convert
from object_centric_bench.datum import codec, synth
from object_centric_bench.datum.lmdb_io import LMDBReader

SMALL = dict(resolution=32, frames=8, max_objects=4)


def videos(num, difficulty="textured", seed=0, **overrides):
    options = dict(SMALL, difficulty=difficulty, **overrides)
    return [synth.generate_sample(seed, "train", i, "video", **options) for i in range(num)]


def raw_records(path):
    reader = LMDBReader(path)
    return [reader.get_raw(i) for i in range(len(reader))]


def test_same_seed_gives_same_bytes_and_another_seed_differs(tmp_path):
    options = dict(SMALL, difficulty="textured", progress=False)
    first = synth.generate_split(tmp_path / "a", "train", 3, seed=5, **options)
    again = synth.generate_split(tmp_path / "b", "train", 3, seed=5, **options)
    other = synth.generate_split(tmp_path / "c", "train", 3, seed=6, **options)
    assert raw_records(first) == raw_records(again)
    assert all(a != b for a, b in zip(raw_records(first), raw_records(other)))


def test_sample_does_not_depend_on_the_others(tmp_path):
    path = synth.generate_split(tmp_path, "val", 3, seed=2, progress=False, **SMALL)
    stored = LMDBReader(path)[2]
    alone = synth.generate_sample(2, "val", 2, "video", **SMALL)
    decoded = np.stack([codec.decode_rgb(frame) for frame in stored["video"]])
    np.testing.assert_array_equal(decoded, alone["video"])
    train = synth.generate_sample(2, "train", 2, "video", **SMALL)
    assert not np.array_equal(train["video"], alone["video"])


@pytest.mark.parametrize("difficulty", synth.DIFFICULTIES)
def test_boxes_are_the_extents_of_each_id_per_frame(difficulty):
    for sample in videos(6, difficulty):
        frames, height, width = sample["segment"].shape
        assert sample["bbox"].shape == (frames, SMALL["max_objects"], 4)
        for t in range(frames):
            for k in range(SMALL["max_objects"]):
                rows, cols = np.nonzero(sample["segment"][t] == k + 1)
                box = sample["bbox"][t, k]
                if rows.size == 0:
                    assert np.all(box == 0)
                    continue
                expected = [cols.min() / width, rows.min() / height,
                            (cols.max() + 1) / width, (rows.max() + 1) / height]
                np.testing.assert_allclose(box, expected, atol=1e-6)


def warp_mismatches(sample, flow):
    """Visible-in-both pixels (same id at p in t and p + flow in t-1) whose colours differ."""
    video, segment = sample["video"], sample["segment"]
    frames, height, width = segment.shape
    rows, cols = np.mgrid[0:height, 0:width]
    checked = mismatched = 0
    for t in range(1, frames):
        source_x = cols + np.rint(flow[t, ..., 0]).astype(int)
        source_y = rows + np.rint(flow[t, ..., 1]).astype(int)
        inside = (source_x >= 0) & (source_x < width) & (source_y >= 0) & (source_y < height)
        source_x, source_y = source_x.clip(0, width - 1), source_y.clip(0, height - 1)
        same_surface = inside & (segment[t - 1][source_y, source_x] == segment[t])
        warped = video[t - 1][source_y, source_x]
        checked += same_surface.sum()
        mismatched += np.any(warped != video[t], axis=-1)[same_surface].sum()
    return checked, mismatched


def test_backward_flow_warps_the_previous_frame_onto_the_current():
    foreground_checked = 0
    for sample in videos(6, "textured"):
        flow = sample["flow"]
        assert np.all(flow[0] == 0)
        assert np.all(flow[sample["segment"] == 0] == 0)
        assert np.array_equal(flow, np.rint(flow))
        checked, mismatched = warp_mismatches(sample, flow)
        assert checked > 0.5 * sample["segment"][1:].size
        assert mismatched == 0
        foreground_checked += (sample["segment"][1:] > 0).sum()
    assert foreground_checked > 0


def test_wrong_flow_is_caught_by_the_warp_check():
    sample = next(s for s in videos(6, "textured") if np.abs(s["flow"]).max() > 0)
    _, mismatched = warp_mismatches(sample, np.zeros_like(sample["flow"]))
    assert mismatched > 0


def test_some_objects_enter_or_leave_the_frame():
    crossings = 0
    for sample in videos(20, "flat", resolution=64, frames=24, max_objects=6):
        visible = np.any(sample["bbox"] != 0, axis=-1)  # (t, k)
        for k in range(visible.shape[1]):
            for t in range(1, visible.shape[0]):
                if visible[t, k] == visible[t - 1, k]:
                    continue
                box = sample["bbox"][t if visible[t, k] else t - 1, k]
                crossings += bool(box[0] == 0 or box[1] == 0 or box[2] == 1 or box[3] == 1)
    assert crossings >= 3


def test_object_count_stays_within_the_limits():
    counts = []
    for index in range(40):
        sample = synth.generate_sample(1, "train", index, "image", resolution=32, max_objects=3)
        assert sample["bbox"].shape == (3, 4)
        assert sample["segment"].max() <= 3
        counts.append(len(np.unique(sample["segment"])) - 1)
    assert max(counts) == 3 and min(counts) >= 1
    with pytest.raises(ValueError, match="max_objects"):
        synth.generate_sample(0, "train", 0, "image", max_objects=0)


def test_radius_range_sets_the_sprite_size():
    def widths(radius_range):  # box widths in pixels of one-object scenes at 64 px
        samples = [synth.generate_sample(2, "train", i, "image", resolution=64, max_objects=1,
                                         radius_range=radius_range) for i in range(30)]
        return np.array([(s["bbox"][0, 2] - s["bbox"][0, 0]) * 64 for s in samples])

    small, large = widths((0.1, 0.1)), widths((0.2, 0.2))
    assert small.max() <= 2 * 0.1 * 64 + 2 and large.max() <= 2 * 0.2 * 64 + 2
    assert np.median(large) > 1.6 * np.median(small)
    for bad in ((0.0, 0.1), (0.2, 0.1), (0.1, 0.5)):
        with pytest.raises(ValueError, match="radius_range"):
            synth.generate_sample(0, "train", 0, "image", radius_range=bad)


def test_cli_writes_readable_video_and_image_files(tmp_path):
    convert.main(["synth", "--dst", str(tmp_path / "v"), "--num-train", "2", "--num-val", "1",
                  "--resolution", "32", "--frames", "5", "--max-objects", "3", "--seed", "4",
                  "--radius-range", "0.1", "0.2"])
    train, val = LMDBReader(tmp_path / "v" / "train.lmdb"), LMDBReader(tmp_path / "v" / "val.lmdb")
    assert (len(train), len(val)) == (2, 1)
    record = train[1]
    assert len(record["video"]) == len(record["segment"]) == len(record["flow"]) == 5
    assert codec.decode_rgb(record["video"][0]).shape == (32, 32, 3)
    assert record["bbox"].shape == (5, 3, 4) and record["bbox"].dtype == np.float32
    exact = synth.generate_sample(4, "train", 1, "video", resolution=32, frames=5, max_objects=3,
                                  radius_range=(0.1, 0.2))
    lo, hi = record["flow_range"]
    decoded = np.stack([codec.decode_flow16(frame, lo, hi) for frame in record["flow"]])
    np.testing.assert_allclose(decoded, exact["flow"], atol=1e-3)
    segment = np.stack([codec.decode_index(frame) for frame in record["segment"]])
    np.testing.assert_array_equal(segment, exact["segment"])

    convert.main(["synth", "--dst", str(tmp_path / "i"), "--kind", "image", "--num-train", "1",
                  "--num-val", "1", "--resolution", "32", "--max-objects", "3"])
    image = LMDBReader(tmp_path / "i" / "val.lmdb")[0]
    assert codec.decode_rgb(image["image"]).shape == (32, 32, 3)
    assert codec.decode_index(image["segment"]).shape == (32, 32)
    assert image["bbox"].shape == (3, 4)


def test_cli_refuses_to_overwrite_without_the_flag(tmp_path):
    argv = ["synth", "--dst", str(tmp_path), "--num-train", "1", "--num-val", "1",
            "--resolution", "16", "--frames", "2"]
    convert.main(argv)
    with pytest.raises(SystemExit, match="--overwrite"):
        convert.main(argv)
    convert.main(argv + ["--overwrite"])
    assert len(LMDBReader(tmp_path / "train.lmdb")) == 1
