"""Encoders and decoders for the bytes LMDB records hold.

Per-frame images (PNG / WebP / JPEG, given as ``bytes`` or as the 1-D uint8 arrays OpenCV's encoder
returns), the project's 16-bit flow PNGs, and the whole-clip AVI streams of the released MOVi files
(decoded with PyAV). Every decode failure raises ``ValueError`` so a caller can add the file and key.
"""

import io

import cv2
import numpy as np

UINT16_MAX = 65535


def _as_buffer(buf) -> np.ndarray:
    """View encoded bytes (``bytes``, ``bytearray``, ``memoryview`` or 1-D uint8 array) as uint8."""
    if isinstance(buf, (bytes, bytearray, memoryview)):
        return np.frombuffer(buf, np.uint8)
    if isinstance(buf, np.ndarray) and buf.dtype == np.uint8:
        return buf.reshape(-1)
    raise TypeError(f"expected encoded image bytes or a 1-D uint8 array, got {type(buf).__name__}")


def _imdecode(buf, flags: int) -> np.ndarray:
    image = cv2.imdecode(_as_buffer(buf), flags)
    if image is None:
        raise ValueError("OpenCV could not decode the image bytes (corrupt or unsupported format)")
    return image


def _to_opencv_order(arr: np.ndarray) -> np.ndarray:
    """RGB -> BGR for 3-channel arrays; OpenCV writes channel 0 as blue."""
    return arr[..., ::-1] if arr.ndim == 3 else arr


def _check_image(arr: np.ndarray, dtypes: tuple) -> None:
    if not isinstance(arr, np.ndarray) or arr.dtype not in dtypes:
        names = ", ".join(np.dtype(d).name for d in dtypes)
        got = arr.dtype if isinstance(arr, np.ndarray) else type(arr).__name__
        raise ValueError(f"expected a numpy array of dtype {names}, got {got}")
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] == 3)):
        raise ValueError(f"expected an (H, W) or (H, W, 3) array, got shape {arr.shape}")


def encode_png(arr: np.ndarray) -> bytes:
    """Lossless PNG of a uint8 (H, W) map, a uint8 (H, W, 3) RGB image or a uint16 (H, W, 3) image."""
    _check_image(arr, (np.uint8, np.uint16))
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(_to_opencv_order(arr)))
    if not ok:
        raise ValueError(f"OpenCV could not encode an array of shape {arr.shape} as PNG")
    return buf.tobytes()


def encode_webp_lossless(arr: np.ndarray) -> np.ndarray:
    """Lossless WebP of a uint8 (H, W) map or (H, W, 3) RGB image, as OpenCV returns it (1-D uint8)."""
    _check_image(arr, (np.uint8,))
    quality_above_100_means_lossless = 101
    ok, buf = cv2.imencode(
        ".webp",
        np.ascontiguousarray(_to_opencv_order(arr)),
        [cv2.IMWRITE_WEBP_QUALITY, quality_above_100_means_lossless],
    )
    if not ok:
        raise ValueError(f"OpenCV could not encode an array of shape {arr.shape} as WebP")
    return buf.reshape(-1)


def decode_rgb(buf) -> np.ndarray:
    """Decode any image to uint8 (H, W, 3) RGB: gray is repeated, alpha dropped, 16 bit reduced."""
    image = _imdecode(buf, cv2.IMREAD_UNCHANGED)
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    if image.dtype != np.uint8:
        raise ValueError(f"unsupported decoded image dtype {image.dtype}; expected 8 or 16 bit")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def decode_index(buf) -> np.ndarray:
    """Decode a segmentation index map to uint8 (H, W) (0 = background, 1..K = objects)."""
    return _imdecode(buf, cv2.IMREAD_GRAYSCALE)


def decode_unchanged(buf) -> np.ndarray:
    """Decode an image exactly as stored (e.g. a 16-bit depth map), channels in OpenCV order."""
    return _imdecode(buf, cv2.IMREAD_UNCHANGED)


def encode_flow16(flow: np.ndarray, lo: float, hi: float) -> bytes:
    """Quantise float (H, W, 2) flow in [lo, hi] to a uint16 RGB PNG with channels (dx, dy, 0)."""
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"expected flow of shape (H, W, 2), got {flow.shape}")
    if not hi > lo:
        raise ValueError(f"the flow range needs hi > lo, got lo={lo}, hi={hi}")
    if flow.size and (flow.min() < lo or flow.max() > hi):
        raise ValueError(
            f"flow values span [{flow.min()}, {flow.max()}], outside the range [{lo}, {hi}]; "
            "pass a range that covers them"
        )
    quantised = np.round((flow.astype(np.float64) - lo) / (hi - lo) * UINT16_MAX).astype(np.uint16)
    zeros = np.zeros(flow.shape[:2] + (1,), np.uint16)
    return encode_png(np.concatenate([quantised, zeros], axis=2))  # (h, w, 3): dx, dy, 0


def decode_flow16(buf, lo: float, hi: float) -> np.ndarray:
    """Inverse of ``encode_flow16``: float32 (H, W, 2) flow, exact to (hi - lo) / 65535 / 2."""
    image = _imdecode(buf, cv2.IMREAD_UNCHANGED)
    if image.dtype != np.uint16 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"expected a 16-bit 3-channel flow PNG, got dtype {image.dtype} shape {image.shape}"
        )
    dx_dy = image[..., [2, 1]]  # OpenCV order is (0, dy, dx)
    return dequantize_uint16(dx_dy, lo, hi)


def dequantize_uint16(values: np.ndarray, lo, hi) -> np.ndarray:
    """Map uint16 codes back to float32: ``v / 65535 * (hi - lo) + lo``, computed in float32."""
    lo = np.float32(lo)
    hi = np.float32(hi)
    return values.astype(np.float32) / np.float32(UINT16_MAX) * (hi - lo) + lo


def quantize_uint16(values: np.ndarray, lo, hi) -> np.ndarray:
    """Map floats in [lo, hi] to uint16 codes (the inverse of ``dequantize_uint16``)."""
    scaled = (np.asarray(values, np.float64) - lo) / (hi - lo) * UINT16_MAX
    return np.clip(np.round(scaled), 0, UINT16_MAX).astype(np.uint16)


def pack_uint16(values: np.ndarray) -> np.ndarray:
    """Split uint16 values into uint8 RGB with R = high byte, G = low byte, B = 0 (MOVi layout)."""
    values = np.asarray(values, np.uint16)
    high = (values >> 8).astype(np.uint8)
    low = (values & 0xFF).astype(np.uint8)
    return np.stack([high, low, np.zeros_like(high)], axis=-1)  # (..., 3)


def unpack_uint16(rgb: np.ndarray) -> np.ndarray:
    """Join uint8 RGB back into uint16 values: ``(R << 8) | G`` (B is unused)."""
    return (rgb[..., 0].astype(np.uint16) << 8) | rgb[..., 1].astype(np.uint16)


def _import_av():
    try:
        import av
    except ImportError as error:
        raise ImportError("decoding MOVi video streams needs PyAV: pip install av") from error
    return av


def _stream_bytes(stream) -> bytes:
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    if isinstance(stream, (bytes, bytearray, memoryview)):
        return bytes(stream)
    if isinstance(stream, np.ndarray) and stream.dtype == np.uint8:
        return stream.tobytes()
    raise TypeError(f"expected a video stream as BytesIO or bytes, got {type(stream).__name__}")


def decode_avi(stream, pix_fmt: str) -> np.ndarray:
    """Decode every frame of an in-memory video as ``rgb24`` (T, H, W, 3) or ``gray`` (T, H, W)."""
    if pix_fmt not in ("rgb24", "gray"):
        raise ValueError(f"pix_fmt must be 'rgb24' or 'gray', got {pix_fmt!r}")
    av = _import_av()
    data = _stream_bytes(stream)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            frames = [frame.to_ndarray(format=pix_fmt) for frame in container.decode(video=0)]
    except (av.FFmpegError, StopIteration, IndexError) as error:
        raise ValueError(f"PyAV could not decode the video stream: {error}") from error
    if not frames:
        raise ValueError("the video stream holds no frames")
    return np.stack(frames)


def decode_avi_rgb(stream) -> np.ndarray:
    """Frames of a whole-clip RGB video stream, uint8 (T, H, W, 3)."""
    return decode_avi(stream, "rgb24")


def decode_avi_gray(stream) -> np.ndarray:
    """Frames of a whole-clip gray video stream (e.g. index maps), uint8 (T, H, W)."""
    return decode_avi(stream, "gray")


def _encode_avi(frames: np.ndarray, codec: str, pix_fmt: str, options: dict) -> io.BytesIO:
    av = _import_av()
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="avi") as container:
        stream = container.add_stream(codec, rate=24, options=options)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = pix_fmt
        for frame in frames:
            packets = stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format=pix_fmt))
            container.mux(packets)
        container.mux(stream.encode())
    buf.seek(0)
    return buf


def encode_avi_rgb(frames: np.ndarray) -> io.BytesIO:
    """Lossless in-memory AVI (libx264rgb, qp 0) of uint8 (T, H, W, 3) RGB frames."""
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"expected uint8 frames of shape (T, H, W, 3), got {frames.dtype} {frames.shape}")
    return _encode_avi(frames, "libx264rgb", "rgb24", {"qp": "0"})


def encode_avi_gray(frames: np.ndarray) -> io.BytesIO:
    """Lossless in-memory AVI (FFV1, gray) of uint8 (T, H, W) frames such as index maps."""
    if frames.dtype != np.uint8 or frames.ndim != 3:
        raise ValueError(f"expected uint8 frames of shape (T, H, W), got {frames.dtype} {frames.shape}")
    return _encode_avi(frames, "ffv1", "gray", {})


def decode_movi_packed(entry: dict) -> np.ndarray:
    """Decode a released MOVi ``flow`` / ``depth`` entry to float32 (T, H, W, C).

    ``entry["data"]`` is one RGB stream or a list of them (one per channel, as for flow), each
    carrying 16-bit values packed as (high, low, 0); ``entry["min"]`` / ``entry["max"]`` are the
    record's float32 de-quantisation bounds (scalars, or one per channel).
    """
    for name in ("data", "min", "max"):
        if name not in entry:
            raise ValueError(f"packed MOVi entry lacks {name!r}; it has {sorted(entry)}")
    streams = entry["data"] if isinstance(entry["data"], (list, tuple)) else [entry["data"]]
    channels = [unpack_uint16(decode_avi_rgb(stream)) for stream in streams]
    values = np.stack(channels, axis=-1)  # (t, h, w, c)
    lo = np.asarray(entry["min"], np.float32).reshape(-1)
    hi = np.asarray(entry["max"], np.float32).reshape(-1)
    if lo.size not in (1, values.shape[-1]) or hi.size != lo.size:
        raise ValueError(
            f"min/max of sizes {lo.size}/{hi.size} do not match {values.shape[-1]} channel(s)"
        )
    return dequantize_uint16(values, lo, hi)
