"""Image and video datasets over LMDB files, in the project's per-frame layout or the released one.

Values are found by name and decoded by what they are: encoded image bytes / 1-D uint8 arrays
(PNG, JPEG, WebP), lists of those (one per frame: only the frames of the clip are decoded), whole
clip AVI streams (released MOVi), 16-bit packed ``flow`` / ``depth`` dicts with ``min`` / ``max``,
or plain arrays. ``dataset[(index, seed)]`` fixes the sample's augmentation by ``seed``.
"""

import contextlib
import io
import logging

import numpy as np
import torch

from object_centric_bench.datum import codec
from object_centric_bench.datum.lmdb_io import CorruptRecordError, LMDBReader, read_manifest
from object_centric_bench.datum.transform import boxes_from_segment, check_choice

log = logging.getLogger(__name__)

STREAM_TYPES = (io.BytesIO, bytes, bytearray, memoryview)
ON_ERROR_CHOICES = ("raise", "skip")
CHUNK_PICKS = ("random", "first")
CLIP_TAILS = ("drop", "aligned")


def _is_encoded(value) -> bool:
    """Encoded image bytes, or the flat uint8 array OpenCV's encoder returns."""
    return isinstance(value, (bytes, bytearray, memoryview)) or (
        isinstance(value, np.ndarray) and value.dtype == np.uint8 and value.ndim == 1
    )


def _value_range(values: np.ndarray) -> str:
    return f"in [{values.min()}, {values.max()}]" if values.size else "with no values"


def _decode_image(value, name: str) -> np.ndarray:
    """uint8 RGB from encoded bytes or a stored array. Stored arrays must already be uint8 in
    0..255: float frames in [0, 1] or 16-bit ones would otherwise pass as near-black or unscaled."""
    if _is_encoded(value):
        return codec.decode_rgb(value)
    frames = np.asarray(value)
    if frames.dtype != np.uint8:
        raise ValueError(
            f"{name!r} is a {frames.dtype} array {_value_range(frames)}; stored frames must be uint8 "
            "RGB in 0..255 (or encoded images)"
        )
    return frames


def _decode_index(value, name: str) -> np.ndarray:
    """Segment ids (0 = background) from an encoded map (uint8) or a stored array of any
    non-negative integer type, widened to int64 so that ids above 255 stay distinct."""
    if _is_encoded(value):
        return codec.decode_index(value)
    segment = np.asarray(value)
    if not np.issubdtype(segment.dtype, np.integer) or (segment.size and segment.min() < 0):
        raise ValueError(
            f"{name!r} is a {segment.dtype} array {_value_range(segment)}; segment ids must be "
            "non-negative integers"
        )
    return segment.astype(np.int64)


def _check_shapes(key: str, rgb: np.ndarray | None, segment: np.ndarray | None, frames: bool) -> None:
    """RGB (..., H, W, 3) and segment (..., H, W) of one image (frames=False) or of a clip."""
    lead = 1 if frames else 0
    if rgb is not None and (rgb.ndim != lead + 3 or rgb.shape[-1] != 3):
        expected = "(frames, H, W, 3)" if frames else "(H, W, 3)"
        raise ValueError(f"{key!r} has shape {rgb.shape}; expected {expected} RGB")
    if segment is not None and segment.ndim != lead + 2:
        raise ValueError(f"'segment' has shape {segment.shape}; expected {'(frames, H, W)' if frames else '(H, W)'}")
    if rgb is not None and segment is not None and rgb.shape[:-1] != segment.shape:
        raise ValueError(f"'segment' has shape {segment.shape}, {key!r} {rgb.shape}: their sizes differ")


def _boxes(record: dict, num_frames: int | None) -> np.ndarray:
    """The record's ``bbox``: (S, 4) for an image, (T, S, 4) for a video of T frames."""
    boxes = np.asarray(record["bbox"], np.float32)
    if num_frames is None:
        if boxes.ndim != 2 or boxes.shape[1] != 4:
            raise ValueError(f"'bbox' has shape {boxes.shape}; an image's boxes are (objects, 4)")
    elif boxes.ndim != 3 or boxes.shape[0] != num_frames or boxes.shape[2] != 4:
        raise ValueError(
            f"'bbox' has shape {boxes.shape}; a video's boxes are (frames={num_frames}, objects, 4)"
        )
    return boxes


def _one_channel(depth: np.ndarray) -> np.ndarray:
    """A depth image stored with repeated colour channels (and maybe alpha) -> (H, W)."""
    if depth.ndim == 2:
        return depth
    if depth.ndim != 3 or not (depth[..., :3] == depth[..., :1]).all():
        raise ValueError(f"a depth map must have one channel (or equal colour channels), got shape {depth.shape}")
    return depth[..., 0]


def _decode_depth(value, depth_range=None) -> np.ndarray:
    """float32 depth of one frame, or of a whole packed stream.

    Packed MOVi streams are de-quantised with their own ``min`` / ``max``; 16-bit maps with the
    record's ``depth_range`` [lo, hi] when it has one (``v / 65535 * (hi - lo) + lo``); maps
    without a range (ClevrTex) keep their stored values.
    """
    if isinstance(value, dict):
        return codec.decode_movi_packed(value)[..., 0]
    depth = _one_channel(codec.decode_unchanged(value)) if _is_encoded(value) else np.asarray(value)
    if depth_range is None:
        return depth.astype(np.float32)
    if depth.dtype != np.uint16:
        raise ValueError(f"a depth map with a depth_range must hold uint16 codes, got {depth.dtype}")
    lo, hi = np.asarray(depth_range, np.float32).reshape(2)
    return codec.dequantize_uint16(depth, lo, hi)


def _image_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 (..., H, W, 3) -> float32 (..., 3, H, W) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).movedim(-1, -3).float() / 255.0


def _segment_tensor(segment: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(segment)).long()


def _seeded_generator(seed) -> np.random.Generator:
    """The sample's generator: from the given seed, else drawn from torch's (seeded) RNG."""
    if seed is None:
        seed = int(torch.randint(0, 2**62, ()))
    return np.random.default_rng(seed)


class LMDBDataset(torch.utils.data.Dataset):
    """Shared machinery: the reader, ``(index, seed)`` items, the transform and corrupt records.

    With ``on_error="skip"`` an unreadable record is logged with its file and key, counted in
    ``num_skipped`` (per process) and replaced by the next readable one; with ``replace_skipped``
    false (the engine sets it for validation, where a replacement would be scored twice) the item
    is None instead.
    """

    def __init__(self, data_file, transform=None, keys=(), on_error: str = "raise"):
        check_choice("on_error", on_error, ON_ERROR_CHOICES)
        self.reader = LMDBReader(data_file)
        if len(self.reader) == 0:
            raise ValueError(f"{self.reader.path} holds no records")
        self.transform = transform
        self.keys = tuple(keys)
        self.on_error = on_error
        self.num_skipped = 0
        self.replace_skipped = True

    def __len__(self) -> int:
        return len(self.reader)

    def __getitem__(self, item) -> dict:
        index, seed = item if isinstance(item, tuple) else (item, None)
        rng = _seeded_generator(seed)
        for _ in range(len(self)):
            try:
                sample = self.load(index, rng)
                break
            except CorruptRecordError as error:
                if self.on_error == "raise":
                    raise
                self.num_skipped += 1
                log.warning("skipping unreadable record (%d skipped so far): %s", self.num_skipped, error)
                if not self.replace_skipped:
                    return None
                index = (index + 1) % len(self)
        else:
            raise RuntimeError(f"no readable record in {self.reader.path}")
        return self.transform(sample, rng) if self.transform is not None else sample

    def load(self, index: int, rng: np.random.Generator) -> dict:
        """Decode sample ``index`` into tensors (before the transform)."""
        raise NotImplementedError

    def protocol(self) -> dict:
        """What a sample is, for the results' protocol record: file, count, keys, transform steps."""
        steps = getattr(self.transform, "transforms", [self.transform] if self.transform else [])
        described = [
            {type(step).__name__: {k: v for k, v in vars(step).items() if isinstance(v, (int, float, str, tuple))}}
            for step in steps
        ]
        return dict(data_file=str(self.reader.path), num_samples=len(self), keys=list(self.keys), transform=described)

    def read_record(self, record_index: int) -> tuple[dict, bytes]:
        """The record dict and its key; requested keys that the record cannot provide are an error."""
        record = self.reader[record_index]
        key = self.reader.keys[record_index]
        derivable = {"bbox"} if "segment" in record else set()
        missing = [name for name in self.keys if name not in record and name not in derivable]
        if missing:
            raise KeyError(
                f"{self.reader.path}, key {key!r}: no {missing} in the record (it holds "
                f"{sorted(record)}); remove them from the dataset's keys"
            )
        return record, key

    @contextlib.contextmanager
    def decoding(self, key: bytes):
        """Turn a decode failure inside the block into a ``CorruptRecordError`` naming file and key."""
        try:
            yield
        except CorruptRecordError:
            raise
        except (ValueError, TypeError) as error:
            raise CorruptRecordError(self.reader.path, key, f"cannot decode: {error}") from error


class ImageDataset(LMDBDataset):
    """Image samples: ``image`` (3, H, W) float in [0, 1], ``segment`` (H, W) int64, and optional
    ``bbox`` (S, 4) (from the record, or from the segment when the record has none), ``clazz``,
    ``isthing``, ``depth`` (H, W)."""

    def __init__(self, data_file, transform=None, keys=("image", "segment"), on_error: str = "raise"):
        super().__init__(data_file, transform, keys, on_error)

    def load(self, index: int, rng: np.random.Generator) -> dict:
        record, key = self.read_record(index)
        sample = {}
        with self.decoding(key):
            image = _decode_image(record["image"], "image") if "image" in self.keys else None
            segment = None
            if "segment" in self.keys or ("bbox" in self.keys and "bbox" not in record):
                segment = _decode_index(record["segment"], "segment")
            _check_shapes("image", image, segment, frames=False)
            if image is not None:
                sample["image"] = _image_tensor(image)
            if segment is not None:
                segment = _segment_tensor(segment)
            if "segment" in self.keys:
                sample["segment"] = segment
            if "depth" in self.keys:
                sample["depth"] = torch.from_numpy(_decode_depth(record["depth"], record.get("depth_range")))
            if "bbox" in self.keys:
                if "bbox" in record:
                    sample["bbox"] = torch.as_tensor(_boxes(record, None))
                else:
                    sample["bbox"] = boxes_from_segment(segment, int(segment.max()))
        for name in ("clazz", "isthing"):
            if name in self.keys:
                sample[name] = torch.as_tensor(np.asarray(record[name]).astype(np.int64))
        return sample


class VideoDataset(LMDBDataset):
    """Video samples: ``video`` (T, 3, H, W) float in [0, 1], ``segment`` (T, H, W) int64, and
    optional ``bbox`` (T, S, 4), ``clazz``, ``flow`` (T, 2, H, W) in pixels (backward flow),
    ``depth`` (T, H, W).

    Clips are config values. ``clip_len`` cuts every video into clips of that many frames, each its
    own sample (shorter videos are dropped); ``None`` keeps whole videos. ``tail`` says what
    becomes of the frames after the last whole clip: ``"drop"`` leaves them out (``floor(T /
    clip_len)`` non-overlapping clips), ``"aligned"`` adds one more clip ending at the video's last
    frame, overlapping the one before (``ceil(T / clip_len)`` clips, as the RandSF.Q v3 reference
    cuts YTVIS: T=45, clip_len=20 starts clips at 0, 20 and 25). ``chunk_len`` then takes one of
    the clip's non-overlapping chunks of that many frames, picked at random from the sample's seed
    (``chunk_pick="random"``) or the first (``"first"``); ``None`` keeps the whole clip. MOVi:
    train ``chunk_len=6``, val neither. YTVIS: train ``clip_len=20, chunk_len=5``, val
    ``clip_len=20``, both ``tail="aligned"``.
    """

    def __init__(
        self,
        data_file,
        clip_len: int | None = None,
        chunk_len: int | None = None,
        chunk_pick: str = "random",
        tail: str = "drop",
        transform=None,
        keys=("video", "segment"),
        on_error: str = "raise",
    ):
        super().__init__(data_file, transform, keys, on_error)
        check_choice("chunk_pick", chunk_pick, CHUNK_PICKS)
        check_choice("tail", tail, CLIP_TAILS)
        for name, value in (("clip_len", clip_len), ("chunk_len", chunk_len)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive frame count or None, got {value}")
        self.clip_len = clip_len
        self.chunk_len = chunk_len
        self.chunk_pick = chunk_pick
        self.tail = tail
        self.clips = self._cut_clips()
        if not self.clips:
            raise ValueError(f"{self.reader.path}: no video has clip_len={clip_len} frames")

    def protocol(self) -> dict:
        """Adds how videos are cut: ``None`` means whole videos (clips) or whole clips (chunks)."""
        return dict(super().protocol(), clip_len=self.clip_len, tail=self.tail, chunk_len=self.chunk_len,
                    chunk_pick=self.chunk_pick)

    def _cut_clips(self) -> list[tuple[int, int]]:
        """(record index, first frame) of every sample."""
        if self.clip_len is None:
            return [(i, 0) for i in range(len(self.reader))]
        clips = []
        counts = self._frame_counts()
        for record_index, count in enumerate(counts):
            starts = list(range(0, count - self.clip_len + 1, self.clip_len))
            if self.tail == "aligned" and starts and starts[-1] + self.clip_len < count:
                starts.append(count - self.clip_len)
            clips += [(record_index, start) for start in starts]
        dropped = sum(count < self.clip_len for count in counts)
        if dropped:
            log.info("%s: dropped %d videos shorter than %d frames", self.reader.path, dropped, self.clip_len)
        return clips

    def _frame_counts(self) -> list[int]:
        manifest = read_manifest(self.reader.path)
        if manifest is not None and len(manifest.get("frame_counts", ())) == len(self.reader):
            return manifest["frame_counts"]
        counts = []
        for record_index in range(len(self.reader)):
            record = self.reader[record_index]
            with self.decoding(self.reader.keys[record_index]):
                counts.append(_RecordFrames(record).num_frames())
        return counts

    def __len__(self) -> int:
        return len(self.clips)

    def _frame_indices(self, start: int, num_frames: int, rng: np.random.Generator, key) -> np.ndarray:
        clip_len = self.clip_len if self.clip_len is not None else num_frames - start
        if self.chunk_len is None:
            return np.arange(start, start + clip_len)
        num_chunks = clip_len // self.chunk_len
        if num_chunks == 0:
            raise CorruptRecordError(
                self.reader.path, key, f"has {clip_len} frames, fewer than chunk_len={self.chunk_len}"
            )
        chunk = int(rng.integers(num_chunks)) if self.chunk_pick == "random" else 0
        first = start + chunk * self.chunk_len
        return np.arange(first, first + self.chunk_len)

    def load(self, index: int, rng: np.random.Generator) -> dict:
        record_index, start = self.clips[index]
        record, key = self.read_record(record_index)
        frames = _RecordFrames(record)
        sample = {}
        with self.decoding(key):
            indices = self._frame_indices(start, frames.num_frames(), rng, key)
            video = frames.rgb("video", indices) if "video" in self.keys else None
            segment = None
            if "segment" in self.keys or ("bbox" in self.keys and "bbox" not in record):
                segment = frames.index("segment", indices)
            _check_shapes("video", video, segment, frames=True)
            if video is not None:
                sample["video"] = _image_tensor(video)
            if segment is not None:
                segment = _segment_tensor(segment)
            if "segment" in self.keys:
                sample["segment"] = segment
            if "flow" in self.keys:
                sample["flow"] = torch.from_numpy(frames.flow(indices)).permute(0, 3, 1, 2).contiguous()
            if "depth" in self.keys:
                sample["depth"] = torch.from_numpy(np.ascontiguousarray(frames.depth(indices)))
            if "bbox" in self.keys:
                if "bbox" in record:
                    sample["bbox"] = torch.as_tensor(_boxes(record, frames.num_frames())[indices])
                else:
                    sample["bbox"] = boxes_from_segment(segment, int(segment.max()))
        if "clazz" in self.keys:
            clazz = np.asarray(record["clazz"]).astype(np.int64)
            per_frame = clazz.ndim == 2 and clazz.shape[0] == frames.num_frames()
            sample["clazz"] = torch.as_tensor(clazz[indices] if per_frame else clazz)
        return sample


class _RecordFrames:
    """Frame access to one video record; whole-clip streams are decoded once and then sliced."""

    def __init__(self, record: dict):
        self.record = record
        self._decoded: dict = {}

    def num_frames(self) -> int:
        for name in ("video", "segment"):
            value = self.record.get(name)
            if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim >= 3):
                return len(value)
        bbox = self.record.get("bbox")
        if isinstance(bbox, np.ndarray) and bbox.ndim == 3:
            return bbox.shape[0]
        name = "video" if "video" in self.record else "segment"
        return len(self._stream(name, codec.decode_avi_rgb if name == "video" else codec.decode_avi_gray))

    def _stream(self, name: str, decode) -> np.ndarray:
        if name not in self._decoded:
            self._decoded[name] = decode(self.record[name])
        return self._decoded[name]

    def _check_length(self, name: str, stored) -> None:
        if len(stored) != self.num_frames():
            raise ValueError(f"{name!r} has {len(stored)} frames, the video {self.num_frames()}")

    def _frames(self, name: str, indices: np.ndarray, decode, decode_stream) -> np.ndarray:
        value = self.record[name]
        if isinstance(value, STREAM_TYPES):
            stored = self._stream(name, decode_stream)
            self._check_length(name, stored)
            return stored[indices]
        self._check_length(name, value)
        if isinstance(value, (list, tuple)):
            return np.stack([decode(value[i], name) for i in indices])
        return decode(value, name)[indices]

    def rgb(self, name: str, indices: np.ndarray) -> np.ndarray:
        """uint8 (t, H, W, 3)."""
        return self._frames(name, indices, _decode_image, codec.decode_avi_rgb)

    def index(self, name: str, indices: np.ndarray) -> np.ndarray:
        """Integer (t, H, W) segment ids."""
        return self._frames(name, indices, _decode_index, codec.decode_avi_gray)

    def flow(self, indices: np.ndarray) -> np.ndarray:
        """float32 (t, H, W, 2) backward flow in pixels, channels (dx, dy) whatever the layout."""
        value = self.record["flow"]
        if isinstance(value, dict):  # released MOVi: its two streams hold (dy, dx), as the source does
            stored = self._stream("flow", lambda entry: codec.decode_movi_packed(entry)[..., ::-1])
            self._check_length("flow", stored)
            return stored[indices]
        self._check_length("flow", value)
        if isinstance(value, (list, tuple)):
            if "flow_range" not in self.record:
                raise ValueError("per-frame 16-bit flow needs the record's 'flow_range' [lo, hi]")
            lo, hi = np.asarray(self.record["flow_range"], np.float32)
            return np.stack([codec.decode_flow16(value[i], lo, hi) for i in indices])
        return np.asarray(value, np.float32)[indices]

    def depth(self, indices: np.ndarray) -> np.ndarray:
        """float32 (t, H, W), de-quantised where the record gives a range (see ``_decode_depth``)."""
        value = self.record["depth"]
        depth_range = self.record.get("depth_range")
        if isinstance(value, (list, tuple)):
            self._check_length("depth", value)
            return np.stack([_decode_depth(value[i], depth_range) for i in indices])
        stored = self._stream("depth", lambda whole: _decode_depth(whole, depth_range))
        self._check_length("depth", stored)
        return stored[indices]
