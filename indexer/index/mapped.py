"""Whoosh segment files read straight from a memory map, so every process (and every thread's
searcher) shares the operating system's page cache instead of holding its own copy.

Whoosh opens a compound segment (`*.seg`) with `mmap`, then wraps each of its parts in a
`BufferFile` whose `io.BytesIO(memoryview)` copies the part into the process: ~50 MB per
searcher on MedQuAD. `MappedStorage` is a read-only `FileStorage` whose segment files are
`MappedFile`s: `get`/`get_array` slice the map (as `BufferFile` does), and sequential reads
go through `MemoryReader`, a file object over a memoryview that copies only what is read.
The bytes Whoosh sees are the same, so search results are too.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile

SEGMENT_EXT = ".seg"


class MemoryReader:
    """A read-only binary file over a memoryview (seek/tell/read/readline/readinto), without
    copying the view."""

    def __init__(self, buf: memoryview) -> None:
        self._buf = buf
        self._pos = 0
        self._len = len(buf)

    def read(self, n: int | None = -1) -> bytes:
        pos = self._pos
        end = self._len if n is None or n < 0 else min(self._len, pos + n)
        self._pos = max(pos, end)
        return bytes(self._buf[pos:end])

    def readinto(self, target: Any) -> int:
        out = memoryview(target).cast("B")
        data = self.read(len(out))
        out[: len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        pos = self._pos
        end = self._len if limit is None or limit < 0 else min(self._len, pos + limit)
        chunk = self._buf[pos:end]
        nl = bytes(chunk).find(b"\n") if len(chunk) < 4096 else _find_newline(chunk)
        stop = pos + nl + 1 if nl >= 0 else end
        self._pos = stop
        return bytes(self._buf[pos:stop])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = self._len + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if pos < 0:
            raise ValueError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._buf = memoryview(b"")
        self._len = 0


def _find_newline(chunk: memoryview, step: int = 4096) -> int:
    for start in range(0, len(chunk), step):
        i = bytes(chunk[start:start + step]).find(b"\n")
        if i >= 0:
            return start + i
    return -1


class MappedFile(BufferFile):
    """A Whoosh `BufferFile` over a memoryview that is never copied as a whole (`subset`
    included). The file that maps a whole segment closes its map when closed (or, while parts
    of it are still in use, when the last of them goes)."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose: Any = None,
                 source: mmap.mmap | None = None) -> None:
        # not BufferFile.__init__: its BytesIO(buf) copies the buffer (reading every page)
        self._buf = buf
        self._name = name
        self.file = MemoryReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
        self._source = source

    def subset(self, position: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._buf[position:position + length], name=name or self._name)

    def close(self) -> None:
        if self.is_closed:
            return
        super().close()
        source, self._source = self._source, None
        if source is not None:
            self._buf = memoryview(b"")
            with contextlib.suppress(BufferError):  # parts still in use: the map goes
                source.close()  # with the last of them


def map_file(path: str, name: str) -> MappedFile:
    """A whole file, memory-mapped read-only."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return MappedFile(memoryview(b""), name=name)
        source = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    return MappedFile(memoryview(source), name=name, source=source)


class MappedStorage(FileStorage):
    """A read-only `FileStorage` whose compound segment files are memory maps shared with
    other processes. Whoosh's `CompoundStorage` is told not to map them itself
    (`supports_mmap = False`) and takes each part as a `subset` of our map: no copy."""

    supports_mmap = False

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False, readonly=True)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if name.endswith(SEGMENT_EXT) and not kwargs:
            return map_file(self._fpath(name), name)
        return super().open_file(name, **kwargs)
