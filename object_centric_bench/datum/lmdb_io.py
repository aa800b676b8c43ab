"""Reading and writing the project's LMDB files: one pickled dict per sample, one file per split.

Layout (``docs/design.md``, "Datasets and batches"; ``docs/datasets.md``): zero-padded ASCII keys
``b"000000"``, ... and ``b"__keys__"`` holding the list of sample keys. Values are pickles, so the
reader unpickles with an allow-list: a downloaded file can carry arrays, in-memory streams and
plain containers, never code.
"""

import hashlib
import io
import json
import os
import pickle
from pathlib import Path

import lmdb
import numpy as np

KEYS_KEY = b"__keys__"
PICKLE_PROTOCOL = 4
VALIDATION_ALIASES = {"val.lmdb": "validation.lmdb"}


class RecordError(Exception):
    """A record that cannot be read; names the file and the key.

    A DataLoader worker's error reaches the main process as ``type(<the worker's traceback>)``;
    built from that one argument, the error keeps the traceback's last line, its own message.
    """

    def __init__(self, path, key: bytes | None = None, reason: str = ""):
        if key is None:
            last = str(path).strip().splitlines()[-1] if str(path).strip() else ""
            self.path, self.key = None, None
            super().__init__(last.split(f"{type(self).__name__}: ", 1)[-1])
            return
        self.path = str(path)
        self.key = key
        super().__init__(f"{self.path}, key {key!r}: {reason}")


class CorruptRecordError(RecordError, ValueError):
    """The record's bytes are truncated, damaged or missing."""


class UnsafeRecordError(RecordError, pickle.UnpicklingError):
    """The record's pickle references a global outside the allow-list, or builds an array of
    object references; nothing was executed."""


class CorruptFileError(ValueError):
    """The LMDB file itself is truncated or not an LMDB file; found before any page is read."""


def _multiarray_module():
    try:
        from numpy._core import multiarray
    except ImportError:
        from numpy.core import multiarray
    return multiarray


class _RefusedGlobal(pickle.UnpicklingError):
    pass


class _ArrayType:
    """Stands in for ``numpy.ndarray`` inside a record's pickle.

    numpy pickles an array as ``_reconstruct(ndarray, ...)`` followed by its state, and an object
    array's state is a list of objects the unpickler itself built. Calling ``ndarray(shape,
    dtype, buffer)`` directly would instead read the buffer's bytes as object pointers, so the
    type is handed to ``_reconstruct`` only and a direct call is refused.
    """

    def __call__(self, *args, **kwargs):
        raise _RefusedGlobal("refused a direct numpy.ndarray(...) call (an array built over raw bytes)")


_ARRAY_TYPE = _ArrayType()


def _allowed_globals() -> dict:
    """Exactly the globals the released records use, mapped to this numpy's objects."""
    multiarray = _multiarray_module()

    def reconstruct(subtype, shape, dtype):
        if subtype is not _ARRAY_TYPE:
            raise _RefusedGlobal(f"refused _reconstruct of {subtype!r}; only numpy.ndarray is rebuilt")
        return multiarray._reconstruct(np.ndarray, shape, dtype)

    allowed = {
        ("_io", "BytesIO"): io.BytesIO,
        ("numpy", "ndarray"): _ARRAY_TYPE,
        ("numpy", "dtype"): np.dtype,
    }
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        allowed[(module, "_reconstruct")] = reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    return allowed


_ALLOWED_GLOBALS = _allowed_globals()


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        found = _ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise _RefusedGlobal(f"refused global {module}.{name}")
        return found


def _object_array_in(value, where: str) -> str | None:
    """Where in ``value`` an array holding object references sits (dtype ``O`` or a structured
    dtype with object fields), or None."""
    if isinstance(value, (np.ndarray, np.generic)):
        return f"{where} (dtype {value.dtype})" if value.dtype.hasobject else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for name, item in items:
        found = _object_array_in(item, f"{where}[{name!r}]")
        if found is not None:
            return found
    return None


def load_record(raw: bytes, path, key: bytes):
    """Unpickle one stored value with the allow-list; errors name ``path`` and ``key``.

    Only numeric arrays come back: an array of object references is refused as unsafe.
    """
    try:
        record = _AllowListUnpickler(io.BytesIO(raw)).load()
    except _RefusedGlobal as error:
        raise UnsafeRecordError(
            path, key, f"{error}; only arrays, BytesIO streams and plain containers are loaded"
        ) from None
    except Exception as error:
        raise CorruptRecordError(
            path, key, f"damaged pickle ({type(error).__name__}: {error})"
        ) from error
    found = _object_array_in(record, "record")
    if found is not None:
        raise UnsafeRecordError(
            path, key, f"{found} holds object references; only numeric arrays are loaded"
        )
    return record


def manifest_path(path) -> Path:
    """Where the manifest of an LMDB file lives: ``<path>.manifest.json``."""
    path = Path(path)
    return path.with_name(path.name + ".manifest.json")


def read_manifest(path) -> dict | None:
    """The manifest written beside ``path``, or None for files without one (e.g. released ones)."""
    found = manifest_path(path)
    if not found.exists():
        return None
    return json.loads(found.read_text())


def describe_value(value) -> dict:
    """Type and shape of one sample value, for the manifest."""
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "dtype": value.dtype.name, "shape": list(value.shape)}
    if isinstance(value, (bytes, bytearray)):
        return {"type": "bytes", "len": len(value)}
    if isinstance(value, (list, tuple)):
        item = describe_value(value[0]) if value else None
        return {"type": type(value).__name__, "len": len(value), "item": item}
    if isinstance(value, dict):
        return {"type": "dict", "keys": {str(k): describe_value(v) for k, v in value.items()}}
    return {"type": type(value).__name__}


class LMDBWriter:
    """Write samples into a new LMDB file; the file appears under its name only once complete.

    Use as a context manager. Records go to ``<path>.partial`` and are renamed on a clean exit,
    then ``<path>.manifest.json`` records the sample count, the first sample's layout, a sha256
    fingerprint over every key and value, and (for videos stored frame by frame) each video's
    frame count, so datasets can cut clips without reading every record.
    """

    def __init__(self, path, overwrite: bool = False, map_size: int = 1 << 26):
        self.path = Path(path)
        if self.path.exists() and not overwrite:
            raise FileExistsError(
                f"{self.path} already exists; pass overwrite=True to replace it or pick another path"
            )
        self.partial_path = self.path.with_name(self.path.name + ".partial")
        self.partial_path.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._env = lmdb.open(
            str(self.partial_path), subdir=False, map_size=map_size, lock=False, sync=False,
            metasync=False, readahead=False,
        )
        self._keys: list[bytes] = []
        self._hash = hashlib.sha256()
        self._layout: dict | None = None
        self._frame_counts: list[int] = []

    def __enter__(self) -> "LMDBWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __len__(self) -> int:
        return len(self._keys)

    def _put(self, key: bytes, value: bytes) -> None:
        while True:
            try:
                with self._env.begin(write=True) as txn:
                    txn.put(key, value)
                return
            except lmdb.MapFullError:
                self._env.set_mapsize(self._env.info()["map_size"] * 2)

    def _fingerprint(self, key: bytes, value: bytes) -> None:
        for part in (key, value):
            self._hash.update(len(part).to_bytes(8, "little"))
            self._hash.update(part)

    def write(self, sample: dict) -> bytes:
        """Store one sample dict under the next key; returns the key."""
        if not isinstance(sample, dict):
            raise TypeError(f"a sample must be a dict of named values, got {type(sample).__name__}")
        key = f"{len(self._keys):06d}".encode("ascii")
        value = pickle.dumps(sample, protocol=PICKLE_PROTOCOL)
        self._put(key, value)
        self._fingerprint(key, value)
        self._keys.append(key)
        if self._layout is None:
            self._layout = {name: describe_value(v) for name, v in sample.items()}
        if isinstance(sample.get("video"), (list, tuple, np.ndarray)):
            self._frame_counts.append(len(sample["video"]))
        return key

    def close(self) -> None:
        """Write ``__keys__``, flush, rename into place and write the manifest."""
        self._put(KEYS_KEY, pickle.dumps(self._keys, protocol=PICKLE_PROTOCOL))
        self._env.sync(True)
        self._env.close()
        os.replace(self.partial_path, self.path)
        manifest = {
            "file": self.path.name,
            "num_samples": len(self._keys),
            "layout": self._layout,
            "fingerprint": "sha256:" + self._hash.hexdigest(),
        }
        if len(self._frame_counts) == len(self._keys):
            manifest["frame_counts"] = self._frame_counts
        target = manifest_path(self.path)
        partial_manifest = target.with_name(target.name + ".partial")
        partial_manifest.write_text(json.dumps(manifest, indent=1))
        os.replace(partial_manifest, target)

    def abort(self) -> None:
        """Drop the partial file (after an error), leaving any previous complete file alone."""
        self._env.close()
        self.partial_path.unlink(missing_ok=True)


def resolve_split_path(path) -> Path:
    """``path`` itself, or ``validation.lmdb`` beside it when ``val.lmdb`` is asked but absent."""
    path = Path(path)
    if path.exists():
        return path
    alias_name = VALIDATION_ALIASES.get(path.name)
    if alias_name is not None and path.with_name(alias_name).exists():
        return path.with_name(alias_name)
    tried = str(path) if alias_name is None else f"{path} (and {path.with_name(alias_name)})"
    raise FileNotFoundError(f"no LMDB file at {tried}; check data_dir and data_file")


_open_environments: dict = {}
_open_environments_pid: int | None = None


def open_readonly(path) -> lmdb.Environment:
    """This process's read-only environment for ``path``, shared by every reader of that file.

    LMDB allows one environment per file and process, and an environment must not cross a fork,
    so environments are cached per process, keyed by the file's identity (a rewritten file gets
    a new one).
    """
    global _open_environments_pid
    if _open_environments_pid != os.getpid():
        _open_environments.clear()
        _open_environments_pid = os.getpid()
    stat = os.stat(path)
    identity = (stat.st_dev, stat.st_ino, stat.st_mtime_ns)
    env = _open_environments.get(identity)
    if env is None:
        try:
            env = lmdb.open(
                str(path), subdir=False, readonly=True, lock=False, readahead=False, meminit=False,
            )
        except lmdb.Error as error:
            raise CorruptFileError(f"{path}: cannot be opened as an LMDB file ({error})") from None
        # LMDB maps the file into memory, and reading a page past its end kills the process with
        # SIGBUS, so a truncated file (an interrupted copy or download) is caught here, from the
        # last page number its meta page (read with plain file I/O) records.
        needed = (env.info()["last_pgno"] + 1) * env.stat()["psize"]
        if stat.st_size < needed:
            env.close()
            raise CorruptFileError(
                f"{path}: truncated LMDB file ({stat.st_size} bytes, its pages need {needed}); "
                "copy, download or convert it again"
            )
        _open_environments[identity] = env
    return env


class LMDBReader:
    """Random access to the samples of an LMDB file, in ``__keys__`` order.

    The environment opens on first access in each process (see ``open_readonly``), so the reader
    pickles into DataLoader workers and each worker reads through its own. ``reader[i]`` returns
    the sample dict.
    """

    def __init__(self, path):
        self.path = resolve_split_path(path)
        self.keys = self._read_keys()

    def _read_keys(self) -> list[bytes]:
        with open_readonly(self.path).begin() as txn:
            raw = txn.get(KEYS_KEY)
        if raw is None:
            raise CorruptRecordError(
                self.path, KEYS_KEY, "missing; this is not an LMDB file in the project layout"
            )
        keys = load_record(raw, self.path, KEYS_KEY)
        if not isinstance(keys, list) or not all(isinstance(k, bytes) for k in keys):
            raise CorruptRecordError(self.path, KEYS_KEY, "is not a list of byte keys")
        return keys

    def __len__(self) -> int:
        return len(self.keys)

    def get_raw(self, index: int) -> bytes:
        """The stored (pickled) bytes of sample ``index``."""
        key = self.keys[index]
        with open_readonly(self.path).begin() as txn:
            raw = txn.get(key)
        if raw is None:
            raise CorruptRecordError(self.path, key, "listed in __keys__ but not stored")
        return raw

    def __getitem__(self, index: int) -> dict:
        key = self.keys[index]
        record = load_record(self.get_raw(index), self.path, key)
        if not isinstance(record, dict):
            raise CorruptRecordError(self.path, key, f"holds a {type(record).__name__}, not a dict")
        return record
