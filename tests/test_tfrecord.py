"""TFRecord framing, CRC-32C and tf.train.Example parsing, against an encoder written here.

The encoder below follows the protobuf wire format and the TFRecord framing independently of the
reader (its CRC is computed bit by bit); the MOVi converter tests reuse it to write their shards.
"""

import struct

import numpy as np
import pytest

from object_centric_bench.datum.tfrecord import (
    TFRecordError,
    count_records,
    crc32c,
    iter_examples,
    iter_records,
    parse_example,
)


def bitwise_crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    crc = bitwise_crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 -> two's complement, 10 bytes
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _feature(value, packed: bool) -> bytes:
    if isinstance(value, list):  # BytesList = 1
        return _length_field(1, b"".join(_length_field(1, item) for item in value))
    value = np.asarray(value)
    if value.dtype.kind == "f":  # FloatList = 2
        floats = value.astype("<f4")
        if packed:
            body = _length_field(1, floats.tobytes())
        else:
            body = b"".join(_varint(1 << 3 | 5) + struct.pack("<f", v) for v in floats.tolist())
        return _length_field(2, body)
    ints = [int(v) for v in value.reshape(-1)]  # Int64List = 3
    if packed:
        body = _length_field(1, b"".join(_varint(v) for v in ints))
    else:
        body = b"".join(_varint(1 << 3 | 0) + _varint(v) for v in ints)
    return _length_field(3, body)


def encode_example(features: dict, packed: bool = True) -> bytes:
    """Serialize ``{name: list of bytes | float array | int array}`` as a tf.train.Example."""
    entries = b"".join(
        _length_field(1, _length_field(1, key.encode()) + _length_field(2, _feature(value, packed)))
        for key, value in features.items()
    )
    return _length_field(1, entries)


def write_tfrecord(path, payloads) -> None:
    """Write records with TFRecord framing: length, masked crc(length), data, masked crc(data)."""
    with open(path, "wb") as file:
        for payload in payloads:
            length = struct.pack("<Q", len(payload))
            file.write(length + struct.pack("<I", _masked(length)))
            file.write(payload + struct.pack("<I", _masked(payload)))


def test_crc32c_matches_the_standard_check_value_and_a_bitwise_reference():
    assert crc32c(b"123456789") == 0xE3069283
    rng = np.random.default_rng(0)
    for size in (0, 5, 2047, 2048, 2049, 9001):  # below and above the vectorised threshold
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        assert crc32c(data) == bitwise_crc32c(data), size


def test_parse_example_reads_hand_derived_bytes():
    # Example{features{feature{key: "a", value{int64_list{value: [1]}}}}} as TensorFlow writes it.
    golden = bytes.fromhex("0a0c" "0a0a" "0a0161" "1205" "1a03" "0a0101")
    parsed = parse_example(golden)
    assert list(parsed) == ["a"]
    np.testing.assert_array_equal(parsed["a"], [1])


@pytest.mark.parametrize("packed", [True, False])
def test_round_trip_of_all_feature_kinds(tmp_path, packed):
    big = np.array([0, 1, 127, 128, 65535, 2**40, -1, -(2**63)], np.int64)
    examples = [
        {
            "frames": [b"png%d" % i, b"", b"\x00\xff" * 300],
            "range": np.array([-1.5, 2.25 + i], np.float32),
            "codes": big + i * (big >= 0),
            "empty": np.zeros(0, np.int64),
        }
        for i in range(3)
    ]
    shard = tmp_path / "data.tfrecord-00000-of-00001"
    write_tfrecord(shard, [encode_example(e, packed) for e in examples])

    assert count_records(shard) == 3
    parsed = list(iter_examples(shard))
    assert len(parsed) == 3
    for got, want in zip(parsed, examples):
        assert got["frames"] == want["frames"]
        assert got["range"].dtype == np.float32
        np.testing.assert_array_equal(got["range"], want["range"])
        assert got["codes"].dtype == np.int64
        np.testing.assert_array_equal(got["codes"], want["codes"])
        assert got["empty"].size == 0


def test_only_the_named_features_are_decoded(tmp_path):
    shard = tmp_path / "a.tfrecord"
    write_tfrecord(shard, [encode_example({"keep": [b"x"], "skip": np.arange(5)})])
    (parsed,) = iter_examples(shard, names={"keep"})
    assert parsed == {"keep": [b"x"]}


def test_large_packed_int64_list(tmp_path):
    codes = np.random.default_rng(1).integers(0, 65536, 4 * 16 * 16 * 2)
    shard = tmp_path / "flow.tfrecord"
    write_tfrecord(shard, [encode_example({"flow": codes})])
    (parsed,) = iter_examples(shard)
    np.testing.assert_array_equal(parsed["flow"], codes)


def test_a_damaged_shard_is_refused_with_its_name(tmp_path):
    shard = tmp_path / "movi_c-train.tfrecord-00003-of-00010"
    write_tfrecord(shard, [encode_example({"x": [b"abcdef" * 50]})] * 2)
    data = bytearray(shard.read_bytes())
    data[40] ^= 0x01  # a payload byte of the first record
    shard.write_bytes(bytes(data))
    with pytest.raises(TFRecordError, match="00003-of-00010.*data checksum of record 0"):
        list(iter_records(shard))
    assert len(list(iter_records(shard, verify=False))) == 2


def test_a_truncated_shard_is_refused(tmp_path):
    shard = tmp_path / "short.tfrecord"
    write_tfrecord(shard, [encode_example({"x": [b"abc" * 100]})] * 2)
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(TFRecordError, match="short.tfrecord.*record 1.*cut short"):
        list(iter_records(shard))
    with pytest.raises(TFRecordError, match="cut short"):
        count_records(shard)


def test_a_damaged_length_is_refused(tmp_path):
    shard = tmp_path / "len.tfrecord"
    write_tfrecord(shard, [encode_example({"x": [b"abc"]})])
    data = bytearray(shard.read_bytes())
    data[0] ^= 0x04
    shard.write_bytes(bytes(data))
    with pytest.raises(TFRecordError, match="length checksum"):
        list(iter_records(shard))
