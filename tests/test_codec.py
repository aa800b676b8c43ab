"""Round trips of every encoding the LMDB records use, and the released-file MOVi layout."""

import sys

import cv2
import numpy as np
import pytest

from object_centric_bench.datum import codec


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_png_rgb_round_trip_keeps_channel_order(rng):
    image = rng.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    buf = codec.encode_png(image)
    assert isinstance(buf, bytes)
    np.testing.assert_array_equal(codec.decode_rgb(buf), image)
    np.testing.assert_array_equal(cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_COLOR)[..., ::-1], image)


def test_png_index_map_round_trip(rng):
    segment = rng.integers(0, 12, (13, 7), dtype=np.uint8)
    np.testing.assert_array_equal(codec.decode_index(codec.encode_png(segment)), segment)


def test_webp_lossless_is_a_flat_uint8_array_and_exact(rng):
    segment = rng.integers(0, 30, (16, 20), dtype=np.uint8)
    buf = codec.encode_webp_lossless(segment)
    assert buf.dtype == np.uint8 and buf.ndim == 1
    np.testing.assert_array_equal(codec.decode_index(buf), segment)
    np.testing.assert_array_equal(codec.decode_index(buf.tobytes()), segment)
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    np.testing.assert_array_equal(codec.decode_rgb(codec.encode_webp_lossless(image)), image)


def test_decode_rgb_always_returns_three_channels(rng):
    gray = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    decoded = codec.decode_rgb(cv2.imencode(".jpg", gray)[1])
    assert decoded.shape == (6, 5, 3)
    assert (decoded[..., 0] == decoded[..., 1]).all()
    rgba = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    bgra = cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA)
    decoded = codec.decode_rgb(cv2.imencode(".png", bgra)[1].tobytes())
    np.testing.assert_array_equal(decoded, rgba[..., :3])


def test_decode_of_garbage_raises_value_error():
    with pytest.raises(ValueError, match="could not decode"):
        codec.decode_rgb(b"not an image")
    with pytest.raises(ValueError, match="could not decode"):
        codec.decode_index(np.zeros(10, np.uint8))


def test_flow16_round_trip_within_half_a_quantisation_step(rng):
    lo, hi = -5.0, 7.0
    flow = rng.uniform(lo, hi, (10, 12, 2)).astype(np.float32)
    flow[0, 0] = (lo, hi)
    buf = codec.encode_flow16(flow, lo, hi)
    decoded = codec.decode_flow16(buf, lo, hi)
    assert decoded.dtype == np.float32 and decoded.shape == flow.shape
    assert np.abs(decoded - flow).max() <= (hi - lo) / 65535 / 2 + 1e-6
    stored = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_UNCHANGED)  # (h, w, 3) BGR
    expected_dx = np.round((flow[..., 0].astype(np.float64) - lo) / (hi - lo) * 65535)
    np.testing.assert_array_equal(stored[..., 2], expected_dx)
    assert (stored[..., 0] == 0).all()


def test_flow16_refuses_values_outside_the_range():
    with pytest.raises(ValueError, match="outside the range"):
        codec.encode_flow16(np.full((2, 2, 2), 3.0, np.float32), -1.0, 1.0)


def test_avi_rgb_and_gray_round_trip_exactly(rng):
    frames = rng.integers(0, 256, (4, 16, 24, 3), dtype=np.uint8)
    stream = codec.encode_avi_rgb(frames)
    np.testing.assert_array_equal(codec.decode_avi_rgb(stream), frames)
    np.testing.assert_array_equal(codec.decode_avi_rgb(stream.getvalue()), frames)
    segments = rng.integers(0, 8, (4, 16, 24), dtype=np.uint8)
    np.testing.assert_array_equal(codec.decode_avi_gray(codec.encode_avi_gray(segments)), segments)


def test_avi_decode_failure_is_a_value_error():
    with pytest.raises(ValueError, match="could not decode"):
        codec.decode_avi_rgb(b"RIFF" + bytes(100))


def test_missing_pyav_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ImportError, match="pip install av"):
        codec.decode_avi_rgb(b"")


def test_uint16_packing_puts_high_byte_in_red():
    values = np.array([[0, 1, 255, 256, 65535, 0x1234]], np.uint16)
    packed = codec.pack_uint16(values)
    assert packed.dtype == np.uint8
    np.testing.assert_array_equal(packed[0, 5], [0x12, 0x34, 0])
    np.testing.assert_array_equal(codec.unpack_uint16(packed), values)


def test_packed_movi_flow_entry_dequantises_with_its_own_bounds(rng):
    lo, hi = np.float32(-3.5), np.float32(9.25)
    flow = rng.uniform(lo, hi, (3, 8, 8, 2)).astype(np.float32)
    codes = codec.quantize_uint16(flow, lo, hi)
    entry = {
        "data": [codec.encode_avi_rgb(codec.pack_uint16(codes[..., c])) for c in range(2)],
        "min": lo,
        "max": hi,
    }
    decoded = codec.decode_movi_packed(entry)
    assert decoded.shape == flow.shape and decoded.dtype == np.float32
    np.testing.assert_allclose(decoded, codes / np.float32(65535) * (hi - lo) + lo, rtol=1e-6)
    assert np.abs(decoded - flow).max() <= (hi - lo) / 65535
