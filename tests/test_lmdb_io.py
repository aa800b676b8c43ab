"""LMDB writer and reader: layout, manifest, aliases, and the allow-list unpickler."""

import io
import os
import pickle

import lmdb
import numpy as np
import pytest

from object_centric_bench.datum.lmdb_io import (
    KEYS_KEY,
    CorruptFileError,
    CorruptRecordError,
    LMDBReader,
    LMDBWriter,
    UnsafeRecordError,
    read_manifest,
)


def _samples(n):
    return [
        {
            "image": bytes([i]) * 5,
            "bbox": np.full((2, 4), i, np.float32),
            "video": io.BytesIO(b"stream%d" % i),
            "min": np.float32(-i),
            "names": ["a", "b"],
        }
        for i in range(n)
    ]


def _write_raw(path, values: dict):
    """Write raw values by hand, with ``__keys__`` listing them, as a foreign writer would."""
    env = lmdb.open(str(path), subdir=False, lock=False)
    with env.begin(write=True) as txn:
        for key, value in values.items():
            txn.put(key, value)
        txn.put(KEYS_KEY, pickle.dumps(list(values), protocol=4))
    env.close()


def test_round_trip_keeps_order_types_and_values(tmp_path):
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path) as writer:
        for sample in _samples(3):
            writer.write(sample)
    reader = LMDBReader(path)
    assert len(reader) == 3
    assert reader.keys == [b"000000", b"000001", b"000002"]
    record = reader[2]
    assert record["image"] == b"\x02" * 5
    np.testing.assert_array_equal(record["bbox"], np.full((2, 4), 2, np.float32))
    assert record["video"].getvalue() == b"stream2"
    assert record["min"] == np.float32(-2) and record["min"].dtype == np.float32
    assert record["names"] == ["a", "b"]


def test_reader_survives_pickling(tmp_path):
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path) as writer:
        writer.write(_samples(1)[0])
    copy = pickle.loads(pickle.dumps(LMDBReader(path)))
    assert copy[0]["image"] == b"\x00" * 5


def test_manifest_counts_describes_and_fingerprints(tmp_path):
    fingerprints = []
    for name, samples in (("a.lmdb", _samples(2)), ("b.lmdb", _samples(2)), ("c.lmdb", _samples(3))):
        with LMDBWriter(tmp_path / name) as writer:
            for sample in samples:
                writer.write(sample)
        manifest = read_manifest(tmp_path / name)
        fingerprints.append(manifest["fingerprint"])
    assert manifest["num_samples"] == 3
    assert manifest["layout"]["bbox"] == {"type": "ndarray", "dtype": "float32", "shape": [2, 4]}
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_writer_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path) as writer:
        writer.write({"x": 1})
    with pytest.raises(FileExistsError, match=str(path)):
        LMDBWriter(path)
    with LMDBWriter(path, overwrite=True) as writer:
        writer.write({"x": 2})
        writer.write({"x": 3})
    assert [r["x"] for r in (LMDBReader(path)[i] for i in range(2))] == [2, 3]


def test_interrupted_write_leaves_no_complete_looking_file(tmp_path):
    path = tmp_path / "train.lmdb"
    with pytest.raises(RuntimeError):
        with LMDBWriter(path) as writer:
            writer.write({"x": 1})
            raise RuntimeError("interrupted")
    assert sorted(os.listdir(tmp_path)) == []


def test_writer_grows_the_map_when_full(tmp_path):
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path, map_size=1 << 16) as writer:
        for _ in range(20):
            writer.write({"x": bytes(20000)})
    assert len(LMDBReader(path)) == 20


def test_validation_alias_and_missing_file(tmp_path):
    with LMDBWriter(tmp_path / "validation.lmdb") as writer:
        writer.write({"x": 7})
    assert LMDBReader(tmp_path / "val.lmdb")[0]["x"] == 7
    with pytest.raises(FileNotFoundError, match="train.lmdb"):
        LMDBReader(tmp_path / "train.lmdb")


class _Payload:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return os.system, (f"touch {self.target}",)


def test_malicious_pickle_is_refused_without_executing(tmp_path):
    path = tmp_path / "train.lmdb"
    target = tmp_path / "pwned"
    _write_raw(path, {b"000000": pickle.dumps({"image": _Payload(target)}, protocol=4)})
    reader = LMDBReader(path)
    with pytest.raises(UnsafeRecordError) as error:
        reader[0]
    assert str(path) in str(error.value) and "000000" in str(error.value)
    assert "system" in str(error.value)
    assert not target.exists()


class _ArrayOverRawBytes:
    """Pickles as ``numpy.ndarray(shape, dtype('O'), buffer)``: allowed globals only, but the
    buffer's bytes would be read as object pointers."""

    def __init__(self, buffer: bytes):
        self.buffer = buffer

    def __reduce__(self):
        return np.ndarray, ((1,), np.dtype("O"), self.buffer)


def test_arrays_of_object_references_are_refused_by_name(tmp_path):
    path = tmp_path / "train.lmdb"
    pointer = id(os).to_bytes(8, "little")  # the address of a real object
    structured = np.zeros(2, dtype=[("x", "f4"), ("y", "O")])
    _write_raw(path, {
        b"000000": pickle.dumps({"image": _ArrayOverRawBytes(pointer)}, protocol=4),
        b"000001": pickle.dumps({"bbox": np.array([1, "a"], dtype=object)}, protocol=4),
        b"000002": pickle.dumps({"nested": [{"bbox": structured}]}, protocol=4),
        b"000003": pickle.dumps({"bbox": np.zeros((2, 4), np.float32)}, protocol=4),
    })
    reader = LMDBReader(path)
    for index, named in ((0, "direct numpy.ndarray"), (1, "dtype object"), (2, "['nested'][0]['bbox']")):
        with pytest.raises(UnsafeRecordError) as error:
            reader[index]
        message = str(error.value)
        assert str(path) in message and f"00000{index}" in message and named in message
    assert reader[3]["bbox"].shape == (2, 4)


def test_truncated_or_foreign_file_is_a_named_error_before_any_page_is_read(tmp_path):
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path) as writer:
        for sample in _samples(200):
            writer.write(sample)
    size = path.stat().st_size
    os.truncate(path, size // 2)
    with pytest.raises(CorruptFileError, match=r"train\.lmdb: truncated LMDB file"):
        LMDBReader(path)
    path.write_bytes(b"not an lmdb file" * 10)
    with pytest.raises(CorruptFileError, match=r"train\.lmdb: cannot be opened as an LMDB file"):
        LMDBReader(path)


def test_truncated_record_names_file_and_key(tmp_path):
    path = tmp_path / "train.lmdb"
    good = pickle.dumps({"bbox": np.zeros((3, 4), np.float32)}, protocol=4)
    _write_raw(path, {b"000000": good, b"000001": good[: len(good) // 2]})
    reader = LMDBReader(path)
    assert reader[0]["bbox"].shape == (3, 4)
    with pytest.raises(CorruptRecordError, match=r"train\.lmdb.*000001"):
        reader[1]


def _as_numpy1_pickle(record) -> bytes:
    """Pickle ``record`` as numpy 1.x writes it: globals from ``numpy.core.multiarray``."""
    data = pickle.dumps(record, protocol=4)
    new_name, old_name = b"numpy._core.multiarray", b"numpy.core.multiarray"
    count = data.count(b"\x8c" + bytes([len(new_name)]) + new_name)
    assert count > 0 and data[2] == 0x95  # one framed pickle referencing numpy 2 globals
    frame_length = int.from_bytes(data[3:11], "little")
    assert 11 + frame_length == len(data)
    body = data[11:].replace(
        b"\x8c" + bytes([len(new_name)]) + new_name, b"\x8c" + bytes([len(old_name)]) + old_name
    )
    return data[:3] + len(body).to_bytes(8, "little") + body


def test_numpy1_and_numpy2_style_globals_both_load(tmp_path):
    record = {"bbox": np.arange(8, dtype=np.float32).reshape(2, 4), "min": np.float32(0.5)}
    numpy2 = pickle.dumps(record, protocol=4)
    numpy1 = _as_numpy1_pickle(record)
    assert b"numpy.core.multiarray" in numpy1 and b"numpy._core" not in numpy1
    path = tmp_path / "train.lmdb"
    _write_raw(path, {b"000000": numpy2, b"000001": numpy1})
    reader = LMDBReader(path)
    for index in range(2):
        loaded = reader[index]
        np.testing.assert_array_equal(loaded["bbox"], record["bbox"])
        assert loaded["min"] == np.float32(0.5) and loaded["min"].dtype == np.float32
