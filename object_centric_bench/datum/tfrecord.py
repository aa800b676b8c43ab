"""Read TFRecord shards of ``tf.train.Example`` protos without TensorFlow.

A TFRecord is a sequence of ``length (uint64 LE) | masked crc32c(length) | data | masked
crc32c(data)``; both checksums are verified, so a truncated or damaged download fails with an error
naming the shard, the record and its byte offset. The Example protobuf is parsed from its wire
format; packed numeric lists are decoded with numpy, which keeps large ``int64_list`` tensors fast.
"""

from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

CRC32C_POLY = 0x82F63B78  # Castagnoli, bit-reflected
CRC_MASK_DELTA = 0xA282EAD8
CRC_ROW_BYTES = 512  # bytes per row of the vectorised checksum


class TFRecordError(ValueError):
    """A shard that cannot be read: truncated, damaged, or not a TFRecord file."""


def _crc32c_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(CRC32C_POLY), table >> 1)
    return table.astype(np.uint32)


CRC32C_TABLE = _crc32c_table()
_CRC32C_TABLE_LIST = CRC32C_TABLE.tolist()


def _slicing_tables() -> np.ndarray:
    """Tables (4, 256) that advance a raw state by one little-endian 32-bit word at once."""
    tables = [CRC32C_TABLE]
    for _ in range(3):
        tables.append((tables[-1] >> 8) ^ CRC32C_TABLE[tables[-1] & 0xFF])
    return np.stack(tables[::-1])  # row b handles byte b of the word


SLICING_TABLES = _slicing_tables()


def _apply_byte_tables(tables: np.ndarray, states: np.ndarray) -> np.ndarray:
    """A linear map on uint32 states given by its tables (4, 256) for each byte of the state."""
    return (tables[0][states & 0xFF] ^ tables[1][(states >> 8) & 0xFF]
            ^ tables[2][(states >> 16) & 0xFF] ^ tables[3][states >> 24])


def _apply_linear(images: np.ndarray, states: np.ndarray) -> np.ndarray:
    """Apply the GF(2)-linear map with basis images ``images`` (32,) to uint32 ``states`` (n,)."""
    bits = (states[:, None] >> np.arange(32, dtype=np.uint32)) & 1  # (n, 32)
    return np.bitwise_xor.reduce(np.where(bits == 1, images, np.uint32(0)), axis=1)


@lru_cache(maxsize=None)
def _zero_shift_tables(level: int) -> np.ndarray:
    """Byte tables (4, 256) of the map "feed CRC_ROW_BYTES * 2**level zero bytes" on a raw state.

    Feeding zeros is linear in the state, so ``crc(a + b) = shift_len(b)(crc(a)) ^ crc(b)`` joins
    the checksums of rows computed side by side.
    """
    images = np.uint32(1) << np.arange(32, dtype=np.uint32)
    for _ in range(8):  # one zero bit at a time is one zero byte after eight steps
        images = np.where(images & 1, (images >> 1) ^ np.uint32(CRC32C_POLY), images >> 1)
    images = images.astype(np.uint32)
    doublings = int(np.log2(CRC_ROW_BYTES)) + level
    for _ in range(doublings):
        images = _apply_linear(images, images)
    values = np.arange(256, dtype=np.uint32)
    return np.stack([_apply_linear(images, values << np.uint32(8 * byte)) for byte in range(4)])


def crc32c(data) -> int:
    """CRC-32C (Castagnoli) of ``data`` as TFRecord uses it."""
    buf = np.frombuffer(data, np.uint8)
    if buf.size < 4 * CRC_ROW_BYTES:
        crc = 0xFFFFFFFF
        for byte in buf.tobytes():
            crc = _CRC32C_TABLE_LIST[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF
    # The initial all-ones state equals complementing the first four bytes with a zero state, and
    # leading zero bytes leave a zero state unchanged, so the data is padded at the front into
    # rows whose raw checksums run in parallel and are then joined pairwise.
    rows = 1 << int(np.ceil(np.log2(-(-buf.size // CRC_ROW_BYTES))))
    padded = np.zeros(rows * CRC_ROW_BYTES, np.uint8)
    padded[-buf.size:] = buf
    padded[-buf.size:][:4] ^= 0xFF
    words = padded.view("<u4").reshape(rows, CRC_ROW_BYTES // 4)
    columns = np.ascontiguousarray(words.T)  # (row_words, rows)
    states = np.zeros(rows, np.uint32)
    for column in columns:
        states = _apply_byte_tables(SLICING_TABLES, states ^ column)
    level = 0
    while states.size > 1:
        states = _apply_byte_tables(_zero_shift_tables(level), states[0::2]) ^ states[1::2]
        level += 1
    return int(states[0]) ^ 0xFFFFFFFF


def masked_crc32c(data) -> int:
    """The rotated-and-offset CRC-32C stored in TFRecord framing."""
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + CRC_MASK_DELTA) & 0xFFFFFFFF


def iter_records(path, verify: bool = True) -> Iterator[bytes]:
    """Yield the payload of every record in the shard at ``path``, checking both checksums."""
    path = Path(path)
    size = path.stat().st_size
    with path.open("rb") as file:
        index = 0
        while True:
            offset = file.tell()
            header = file.read(12)
            if not header:
                return
            if len(header) < 12:
                raise TFRecordError(
                    f"{path}: truncated header of record {index} at byte {offset}; "
                    "the shard is incomplete, download it again"
                )
            length = int.from_bytes(header[:8], "little")
            if verify and masked_crc32c(header[:8]) != int.from_bytes(header[8:], "little"):
                raise TFRecordError(
                    f"{path}: bad length checksum of record {index} at byte {offset}; "
                    "the shard is damaged or not a TFRecord file"
                )
            if offset + 12 + length + 4 > size:
                raise TFRecordError(
                    f"{path}: record {index} at byte {offset} is cut short ({length} bytes "
                    f"announced, {size - offset - 16} left); the shard is incomplete, "
                    "download it again"
                )
            data = file.read(length)
            footer = file.read(4)
            if verify and masked_crc32c(data) != int.from_bytes(footer, "little"):
                raise TFRecordError(
                    f"{path}: bad data checksum of record {index} at byte {offset}; "
                    "the shard is damaged, download it again"
                )
            yield data
            index += 1


def count_records(path) -> int:
    """Number of records in a shard, found by skipping from header to header."""
    path = Path(path)
    size = path.stat().st_size
    count = 0
    with path.open("rb") as file:
        while file.tell() < size:
            header = file.read(8)
            if len(header) < 8:
                raise TFRecordError(f"{path}: truncated header at byte {file.tell() - len(header)}")
            file.seek(int.from_bytes(header, "little") + 8, 1)
            count += 1
        if file.tell() != size:
            raise TFRecordError(f"{path}: the last record is cut short; download the shard again")
    return count


# Protobuf wire format: tag = field number << 3 | wire type, then the value.

WIRE_VARINT, WIRE_FIXED64, WIRE_LENGTH, WIRE_FIXED32 = 0, 1, 2, 5


def _read_varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise TFRecordError("truncated varint in an Example proto")
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise TFRecordError("varint longer than 10 bytes in an Example proto")


def _fields(buf: memoryview) -> Iterator[tuple[int, int, object]]:
    """Yield ``(field number, wire type, value)``; length-delimited values are memoryviews."""
    pos = 0
    end = len(buf)
    while pos < end:
        tag, pos = _read_varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == WIRE_VARINT:
            value, pos = _read_varint(buf, pos)
        elif wire == WIRE_LENGTH:
            length, pos = _read_varint(buf, pos)
            if pos + length > end:
                raise TFRecordError("length-delimited field runs past the end of an Example proto")
            value = buf[pos:pos + length]
            pos += length
        elif wire == WIRE_FIXED32:
            value = buf[pos:pos + 4]
            pos += 4
        elif wire == WIRE_FIXED64:
            value = buf[pos:pos + 8]
            pos += 8
        else:
            raise TFRecordError(f"unsupported protobuf wire type {wire} in an Example proto")
        if pos > end:
            raise TFRecordError("field runs past the end of an Example proto")
        yield number, wire, value


def decode_packed_varints(buf) -> np.ndarray:
    """Decode consecutive varints (a packed ``int64`` field) to int64, vectorised per byte."""
    data = np.frombuffer(buf, np.uint8)
    if data.size == 0:
        return np.zeros(0, np.int64)
    ends = np.flatnonzero(data < 0x80)
    if ends.size == 0 or ends[-1] != data.size - 1:
        raise TFRecordError("packed int64 list ends inside a varint")
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    longest = int(lengths.max())
    if longest > 10:
        raise TFRecordError("varint longer than 10 bytes in a packed int64 list")
    padded = np.concatenate([data, np.zeros(longest, np.uint8)])
    values = np.zeros(ends.size, np.uint64)
    for position in range(longest):
        group = (padded[starts + position] & 0x7F).astype(np.uint64)
        group[lengths <= position] = 0
        values |= group << np.uint64(7 * position)
    return values.view(np.int64)


def _parse_bytes_list(buf: memoryview) -> list[bytes]:
    return [bytes(v) for number, wire, v in _fields(buf) if number == 1 and wire == WIRE_LENGTH]


def _parse_float_list(buf: memoryview) -> np.ndarray:
    chunks = []
    for number, wire, value in _fields(buf):
        if number != 1:
            continue
        if wire == WIRE_LENGTH:  # packed
            if len(value) % 4:
                raise TFRecordError("packed float list has a length that is not a multiple of 4")
            chunks.append(np.frombuffer(value, "<f4"))
        elif wire == WIRE_FIXED32:  # one unpacked value
            chunks.append(np.frombuffer(value, "<f4"))
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)


def _parse_int64_list(buf: memoryview) -> np.ndarray:
    chunks = []
    for number, wire, value in _fields(buf):
        if number != 1:
            continue
        if wire == WIRE_LENGTH:  # packed
            chunks.append(decode_packed_varints(value))
        elif wire == WIRE_VARINT:  # one unpacked value, two's complement in 64 bits
            chunks.append(np.array([value], np.uint64).view(np.int64))
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int64)


FEATURE_KINDS = {1: _parse_bytes_list, 2: _parse_float_list, 3: _parse_int64_list}


def _parse_feature(buf: memoryview):
    for number, wire, value in _fields(buf):
        if wire == WIRE_LENGTH and number in FEATURE_KINDS:
            return FEATURE_KINDS[number](value)
    return []


def parse_example(data, names=None) -> dict:
    """Parse a serialized ``tf.train.Example`` into ``{name: value}``.

    ``bytes_list`` -> list of bytes, ``float_list`` -> float32 array, ``int64_list`` -> int64 array,
    a feature with no list set -> empty list. With ``names`` (a set), only those features are
    decoded, which skips the cost of large unused tensors.
    """
    features = {}
    for number, wire, example_field in _fields(memoryview(data)):
        if number != 1 or wire != WIRE_LENGTH:  # Example.features
            continue
        for entry_number, entry_wire, entry in _fields(example_field):
            if entry_number != 1 or entry_wire != WIRE_LENGTH:  # Features.feature map entry
                continue
            name, encoded = None, None
            for item_number, item_wire, item in _fields(entry):
                if item_number == 1 and item_wire == WIRE_LENGTH:
                    name = bytes(item).decode("utf-8")
                elif item_number == 2 and item_wire == WIRE_LENGTH:
                    encoded = item
            if name is None:
                raise TFRecordError("a feature map entry of an Example proto has no name")
            if names is None or name in names:
                features[name] = [] if encoded is None else _parse_feature(encoded)
    return features


def iter_examples(path, names=None, verify: bool = True) -> Iterator[dict]:
    """Parsed Examples of one shard (see ``parse_example``); errors name the shard and record."""
    for index, record in enumerate(iter_records(path, verify)):
        try:
            yield parse_example(record, names)
        except TFRecordError as error:
            raise TFRecordError(f"{path}: record {index}: {error}") from None
