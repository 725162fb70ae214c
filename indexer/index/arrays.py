"""Arrays of an `.npz` file read in place from one read-only memory map.

`numpy.load` of an `.npz` copies every member into the process. `np.savez` stores its members
uncompressed, so each one is a plain `.npy` at some offset of the file: `MappedArrays` maps
the file once and gives each member as a read-only array over the map. Worker processes
serving the same generation then share those pages through the operating system's cache
instead of each holding a copy. A compressed member (or a file numpy wrote some other way)
is read with `numpy.load` as before.

The writers store each array in the smallest type its values fit (`index_array`,
`count_array`, `offset_array`: uint16 row and term ids, uint8 frequencies, int32 offsets on
MedQuAD, uint16 ones where the last fits), chosen from the data at build; readers take
whatever type they find.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

from indexer.index.mapped import MemoryReader

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # a zip member's local file header
_LOCAL_MAGIC = b"PK\x03\x04"


def index_array(values: np.ndarray, bound: int) -> np.ndarray:
    """Positions below `bound` (row ids, term ids) as uint16 when they fit, else int32 (else
    int64)."""
    dtype = np.uint16 if bound <= 1 << 16 else np.int32 if bound < 1 << 31 else np.int64
    return np.asarray(values).astype(dtype, copy=False)


def count_array(values: np.ndarray) -> np.ndarray:
    """Non-negative counts (term frequencies) as uint8 when the largest fits, else uint16,
    else uint32."""
    arr = np.asarray(values)
    top = int(arr.max()) if arr.size else 0
    dtype = np.uint8 if top < 1 << 8 else np.uint16 if top < 1 << 16 else np.uint32
    return arr.astype(dtype, copy=False)


def offset_array(values: np.ndarray) -> np.ndarray:
    """Ascending non-negative offsets (CSR pointers) as uint16 when the last fits (schema 10
    on; a slice bound either way: readers that compute with them widen them first), else
    int32, else int64."""
    arr = np.asarray(values)
    top = int(arr[-1]) if arr.size else 0
    dtype = np.uint16 if top < 1 << 16 else np.int32 if top < 1 << 31 else np.int64
    return arr.astype(dtype, copy=False)


class MappedArrays(Mapping[str, np.ndarray]):
    """The members of an `.npz` file by name (without `.npy`), each a read-only array over
    one shared memory map, read on first access."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        with self.path.open("rb") as fh:
            with zipfile.ZipFile(fh) as zf:
                self._infos = {i.filename.removesuffix(".npy"): i for i in zf.infolist()}
            size = fh.seek(0, 2)
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._arrays: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        arr = self._arrays.get(name)
        if arr is None:
            info = self._infos[name]  # KeyError: no such member
            arr = self._arrays[name] = self._read(info)
        return arr

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def _read(self, info: zipfile.ZipInfo) -> np.ndarray:
        if info.compress_type != zipfile.ZIP_STORED or self._map is None:
            with np.load(self.path, allow_pickle=False) as z:
                return z[info.filename.removesuffix(".npy")]
        buf = memoryview(self._map)
        head = _LOCAL_HEADER.unpack_from(buf, info.header_offset)
        if head[0] != _LOCAL_MAGIC:
            raise ValueError(f"{self.path.name}: member {info.filename} has no local header")
        start = info.header_offset + _LOCAL_HEADER.size + head[9] + head[10]
        reader = MemoryReader(buf[start:start + info.file_size])
        version = npformat.read_magic(reader)
        if version == (1, 0):
            shape, fortran, dtype = npformat.read_array_header_1_0(reader)
        elif version == (2, 0):
            shape, fortran, dtype = npformat.read_array_header_2_0(reader)
        else:  # a layout this reader does not know: numpy reads it (a copy)
            with np.load(self.path, allow_pickle=False) as z:
                return z[info.filename.removesuffix(".npy")]
        if dtype.hasobject:
            raise ValueError(f"{self.path.name}: member {info.filename} holds Python objects")
        count = int(np.prod(shape, dtype=np.int64))
        data_at = start + reader.tell()
        if data_at + count * dtype.itemsize > start + info.file_size:
            raise ValueError(f"{self.path.name}: member {info.filename} is cut short")
        flat = np.frombuffer(self._map, dtype=dtype, count=count, offset=data_at)
        return flat.reshape(shape, order="F" if fortran else "C")
