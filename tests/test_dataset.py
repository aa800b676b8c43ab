"""Datasets over project-format and released-format LMDB records."""

import io

import cv2
import numpy as np
import pytest
import torch

from object_centric_bench.datum import codec
from object_centric_bench.datum.dataset import ImageDataset, VideoDataset
from object_centric_bench.datum.lmdb_io import CorruptRecordError, LMDBWriter, manifest_path

H, W = 16, 20


def _video_arrays(num_frames, seed=0):
    """Flat frames whose red channel holds 5 x the frame number, so a clip's frames can be named."""
    rng = np.random.default_rng(seed)
    video = np.empty((num_frames, H, W, 3), np.uint8)
    video[..., 0] = np.arange(num_frames, dtype=np.uint8)[:, None, None] * 5
    video[..., 1:] = rng.integers(0, 256, (num_frames, 1, 1, 2), dtype=np.uint8)
    segment = np.zeros((num_frames, H, W), np.uint8)
    for t in range(num_frames):
        segment[t, 2:6, t % W : t % W + 3] = 1
        segment[t, 8:14, 10:18] = 2
    flow = rng.uniform(-2, 2, (num_frames, H, W, 2)).astype(np.float32)
    return video, segment, flow


def _project_video_record(num_frames, seed=0):
    video, segment, flow = _video_arrays(num_frames, seed)
    record = {
        "video": [codec.encode_png(frame) for frame in video],
        "segment": [codec.encode_png(frame) for frame in segment],
        "bbox": np.zeros((num_frames, 2, 4), np.float32),
        "flow": [codec.encode_flow16(frame, -2.0, 2.0) for frame in flow],
        "flow_range": np.array([-2.0, 2.0], np.float32),
    }
    return record, (video, segment, flow)


def _write(path, records):
    with LMDBWriter(path) as writer:
        for record in records:
            writer.write(record)
    return path


def _frame_numbers(video: torch.Tensor) -> list[int]:
    return (video[:, 0, 0, 0] * 255 / 5).round().long().tolist()


def test_image_dataset_decodes_project_records_and_derives_boxes(tmp_path):
    image = np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8)
    segment = np.zeros((H, W), np.uint8)
    segment[4:8, 5:15] = 1
    path = _write(tmp_path / "train.lmdb", [{"image": codec.encode_png(image), "segment": codec.encode_png(segment)}])
    sample = ImageDataset(path, keys=("image", "segment", "bbox"))[0]
    assert sample["image"].shape == (3, H, W) and sample["image"].dtype == torch.float32
    torch.testing.assert_close(sample["image"], torch.from_numpy(image).permute(2, 0, 1).float() / 255)
    assert sample["segment"].dtype == torch.int64
    np.testing.assert_array_equal(sample["segment"].numpy(), segment)
    torch.testing.assert_close(sample["bbox"], torch.tensor([[5 / W, 4 / H, 15 / W, 8 / H]]))


def test_image_dataset_reads_released_coco_style_records(tmp_path):
    gray = np.random.default_rng(2).integers(0, 256, (H, W), dtype=np.uint8)
    segment = np.zeros((H, W), np.uint8)
    segment[:5] = 2
    record = {
        "image": cv2.imencode(".jpg", gray)[1].tobytes(),
        "segment": codec.encode_webp_lossless(segment),
        "bbox": np.ones((2, 4), np.float32),
        "clazz": np.array([3, 7], np.uint8),
        "isthing": np.array([True, False]),
    }
    sample = ImageDataset(_write(tmp_path / "val.lmdb", [record]), keys=("image", "segment", "bbox", "clazz", "isthing"))[0]
    assert sample["image"].shape == (3, H, W)
    np.testing.assert_array_equal(sample["segment"].numpy(), segment)
    assert sample["clazz"].tolist() == [3, 7] and sample["isthing"].tolist() == [1, 0]
    assert sample["bbox"].shape == (2, 4)


def test_video_training_chunk_is_one_of_the_non_overlapping_chunks(tmp_path):
    record, (video, segment, flow) = _project_video_record(24)
    path = _write(tmp_path / "train.lmdb", [record])
    dataset = VideoDataset(path, chunk_len=6, keys=("video", "segment", "flow", "bbox"))
    starts = set()
    for seed in range(20):
        sample = dataset[(0, seed)]
        frames = _frame_numbers(sample["video"])
        assert frames[0] % 6 == 0 and frames == list(range(frames[0], frames[0] + 6))
        starts.add(frames[0])
        chunk = slice(frames[0], frames[0] + 6)
        np.testing.assert_array_equal(sample["segment"].numpy(), segment[chunk])
        assert sample["flow"].shape == (6, 2, H, W)
        assert (sample["flow"].permute(0, 2, 3, 1).numpy() - flow[chunk]).__abs__().max() <= 4 / 65535
        assert sample["bbox"].shape == (6, 2, 4)
    assert starts == {0, 6, 12, 18}
    again = dataset[(0, 3)]
    torch.testing.assert_close(again["video"], dataset[(0, 3)]["video"])


def test_video_validation_takes_the_whole_video_and_first_chunk_option(tmp_path):
    record, (video, _, _) = _project_video_record(24)
    path = _write(tmp_path / "val.lmdb", [record])
    whole = VideoDataset(path)[0]
    assert _frame_numbers(whole["video"]) == list(range(24))
    first = VideoDataset(path, chunk_len=6, chunk_pick="first")
    assert all(_frame_numbers(first[(0, seed)]["video"]) == list(range(6)) for seed in range(5))


@pytest.mark.parametrize("with_manifest", [True, False])
def test_clips_cut_videos_and_drop_short_ones(tmp_path, with_manifest):
    lengths = (45, 12, 20)
    path = _write(tmp_path / "train.lmdb", [_project_video_record(n, seed=n)[0] for n in lengths])
    if not with_manifest:
        manifest_path(path).unlink()
    dataset = VideoDataset(path, clip_len=20, chunk_len=5, keys=("video",))
    assert dataset.clips == [(0, 0), (0, 20), (2, 0)]
    frames = _frame_numbers(dataset[(1, 0)]["video"])
    assert frames[0] in (20, 25, 30, 35) and len(frames) == 5
    val = VideoDataset(path, clip_len=20, keys=("video",))
    assert _frame_numbers(val[1]["video"]) == list(range(20, 40))


@pytest.mark.parametrize("tail, starts", [("drop", [0, 20]), ("aligned", [0, 20, 25])])
def test_the_tail_of_a_video_is_dropped_or_cut_as_a_last_clip_aligned_to_its_end(tmp_path, tail, starts):
    lengths = (45, 15, 40)  # 45 frames: a tail of 5; 15: too short; 40: two whole clips, no tail
    path = _write(tmp_path / "val.lmdb", [_project_video_record(n, seed=n)[0] for n in lengths])
    dataset = VideoDataset(path, clip_len=20, tail=tail, keys=("video",))
    assert dataset.clips == [(0, start) for start in starts] + [(2, 0), (2, 20)]
    assert [_frame_numbers(dataset[i]["video"]) for i in range(len(starts))] == [list(range(s, s + 20)) for s in starts]
    assert dataset.protocol()["tail"] == tail
    with pytest.raises(ValueError, match=r"tail must be one of \('drop', 'aligned'\)"):
        VideoDataset(path, clip_len=20, tail="overlap")


def test_released_movi_record_streams_and_packed_flow(tmp_path):
    video, segment, flow = _video_arrays(24)
    lo, hi = np.float32(-2.0), np.float32(2.0)
    codes = codec.quantize_uint16(flow, lo, hi)
    depth_codes = codec.quantize_uint16(np.full((24, H, W), 3.0), 0.0, 10.0)
    record = {  # key order differs from the project's on purpose
        "depth": {"data": codec.encode_avi_rgb(codec.pack_uint16(depth_codes)), "min": np.float32(0), "max": np.float32(10)},
        "segment": codec.encode_avi_gray(segment),
        "flow": {"data": [codec.encode_avi_rgb(codec.pack_uint16(codes[..., c])) for c in (1, 0)], "min": lo, "max": hi},  # (dy, dx)
        "bbox": np.zeros((24, 2, 4), np.float32),
        "video": codec.encode_avi_rgb(video),
    }
    path = _write(tmp_path / "val.lmdb", [record])
    dataset = VideoDataset(path, chunk_len=6, keys=("video", "segment", "bbox", "flow", "depth"))
    sample = dataset[(0, 1)]
    start = _frame_numbers(sample["video"])[0]
    chunk = slice(start, start + 6)
    np.testing.assert_array_equal((sample["video"].permute(0, 2, 3, 1) * 255).round().byte().numpy(), video[chunk])
    np.testing.assert_array_equal(sample["segment"].numpy(), segment[chunk])
    assert np.abs(sample["flow"].permute(0, 2, 3, 1).numpy() - flow[chunk]).max() <= 4 / 65535
    torch.testing.assert_close(sample["depth"], torch.full((6, H, W), 3.0), atol=1e-3, rtol=0)


def test_ytvis_style_record_slices_per_frame_classes(tmp_path):
    video, segment, _ = _video_arrays(20)
    record = {
        "video": [cv2.imencode(".jpg", frame[..., ::-1])[1].tobytes() for frame in video],
        "segment": [codec.encode_webp_lossless(frame) for frame in segment],
        "clazz": np.arange(40, dtype=np.uint8).reshape(20, 2),
    }
    dataset = VideoDataset(_write(tmp_path / "train.lmdb", [record]), clip_len=20, chunk_len=5, keys=("video", "segment", "clazz"))
    sample = dataset[(0, 4)]
    start = _frame_numbers(sample["video"])[0]
    np.testing.assert_array_equal(sample["segment"].numpy(), segment[start : start + 5])
    np.testing.assert_array_equal(sample["clazz"].numpy(), record["clazz"][start : start + 5])


def test_corrupt_records_raise_or_are_skipped_and_counted(tmp_path):
    good, _ = _project_video_record(6)
    bad = dict(good, video=[b"broken"] * 6)
    path = _write(tmp_path / "train.lmdb", [good, bad, good])
    with pytest.raises(CorruptRecordError, match=r"train\.lmdb.*000001"):
        VideoDataset(path)[1]
    skipping = VideoDataset(path, on_error="skip")
    assert skipping[1]["video"].shape == (6, 3, H, W)
    assert skipping.num_skipped == 1


def test_asking_for_a_key_the_records_lack_says_which(tmp_path):
    record, _ = _project_video_record(6)
    dataset = VideoDataset(_write(tmp_path / "train.lmdb", [record]), keys=("video", "depth"))
    with pytest.raises(KeyError, match="depth"):
        dataset[0]


def test_records_written_with_bytesio_video_outside_avi_fail_as_corrupt(tmp_path):
    record, _ = _project_video_record(6)
    record["video"] = io.BytesIO(b"not a video")
    dataset = VideoDataset(_write(tmp_path / "train.lmdb", [record]), keys=("video",))
    with pytest.raises(CorruptRecordError, match="000000"):
        dataset[0]


def _video_record_with(**fields):
    record, _ = _project_video_record(12)
    return {**record, **fields}


@pytest.mark.parametrize("field, named", [
    ("float_video", "'video' is a float32 array in [0.0, 1.0]; stored frames must be uint8"),
    ("uint16_video", f"'video' is a uint16 array in [0, {int(_video_arrays(12)[0].max()) * 257}]; stored frames must be uint8"),
    ("video_thw", "'video' has shape (6, 16, 20); expected (frames, H, W, 3)"),
    ("video_t3hw", "'video' has shape (6, 3, 16, 20); expected (frames, H, W, 3)"),
    ("short_segment", "'segment' has 10 frames, the video 12"),
    ("boxes_without_frames", "'bbox' has shape (12, 4); a video's boxes are (frames=12, objects, 4)"),
])
def test_malformed_video_fields_are_refused_naming_file_key_and_what_is_wrong(tmp_path, field, named):
    video, segment, _ = _video_arrays(12)
    fields = {
        "float_video": dict(video=(video / video.max()).astype(np.float32)),
        "uint16_video": dict(video=video.astype(np.uint16) * 257),
        "video_thw": dict(video=video[..., 0]),
        "video_t3hw": dict(video=video.transpose(0, 3, 1, 2).copy()),
        "short_segment": dict(segment=[codec.encode_png(frame) for frame in segment[:10]]),
        "boxes_without_frames": dict(bbox=np.zeros((12, 4), np.float32)),
    }[field]
    path = _write(tmp_path / "train.lmdb", [_video_record_with(**fields)])
    dataset = VideoDataset(path, chunk_len=6, chunk_pick="first", keys=("video", "segment", "bbox"))
    with pytest.raises(CorruptRecordError) as error:
        dataset[0]
    message = str(error.value)
    assert message.startswith(f"{path}, key b'000000': cannot decode: ") and named in message


def test_stored_segment_ids_above_255_stay_distinct(tmp_path):
    segment = np.zeros((H, W), np.int32)
    segment[2:5, 2:5], segment[8:12, 8:12] = 1, 257
    image = np.zeros((H, W, 3), np.uint8)
    sample = ImageDataset(_write(tmp_path / "train.lmdb", [{"image": image, "segment": segment}]))[0]
    assert sorted(sample["segment"].unique().tolist()) == [0, 1, 257]
    negative = _write(tmp_path / "val.lmdb", [{"image": image, "segment": -segment}])
    with pytest.raises(CorruptRecordError, match=r"'segment' is a int32 array in \[-257, 0\]; segment ids must be non-negative"):
        ImageDataset(negative)[0]


def test_a_file_without_records_is_refused_by_name(tmp_path):
    with LMDBWriter(tmp_path / "val.lmdb"):
        pass
    with pytest.raises(ValueError, match=r"val\.lmdb holds no records"):
        VideoDataset(tmp_path / "val.lmdb")
    path = _write(tmp_path / "train.lmdb", [_project_video_record(6)[0]])
    with pytest.raises(ValueError, match=r"train\.lmdb: no video has clip_len=8 frames"):
        VideoDataset(path, clip_len=8)
