"""Tables of strings kept as arrays (stored with a generation and memory-mapped), instead of
Python lists and dicts rebuilt in every process: record ids, content hashes (`HexTable`:
their bytes), the term vocabulary and the spelling vocabulary with its counts.

`StringTable` is a read-only sequence of strings: one UTF-8 blob with offsets, a lookup by
a stable 64-bit hash (`find`: sorted hashes -> positions, the string compared to rule out a
collision) and, when built with `sort=True`, the positions in string order (`prefixed`:
completions). `WordCounts` is a read-only mapping word -> count over a `StringTable` and a
count array. Both take the arrays as given (`from_arrays`: the members of `rank.npz`), so
the pages are the operating system's, shared by every process serving the generation.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, overload

import numpy as np

from indexer.index.arrays import count_array, index_array, offset_array

FIND_MEMO_SIZE = 16_384  # strings whose position `find` remembers (terms of recent queries)


def key_hash(text: str) -> int:
    """A stable 64-bit hash of `text` (the same in every process and build)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(),
                          "little")


def _hash_mask(hkeys: np.ndarray) -> int:
    """The bits of `key_hash` a table's sorted hashes keep (uint32: the low 32)."""
    return (1 << (8 * hkeys.dtype.itemsize)) - 1


class StringTable(Sequence[str]):
    """Strings by position, stored as arrays: `blob` (uint8, UTF-8), `off` (n+1 offsets),
    `hkeys`/`hpos` (hashes sorted, with their positions) and optionally `order`
    (positions in string order). Built with the smallest types that fit (int32 offsets,
    uint16 positions, the low 32 bits of each hash: a collision costs a string comparison,
    `_scan`); generations written before schema 8 hold int64/int32/uint64, read the same."""

    def __init__(self, blob: np.ndarray, off: np.ndarray, hkeys: np.ndarray,
                 hpos: np.ndarray, order: np.ndarray | None = None, memo: bool = False) -> None:
        self.blob, self.off, self.hkeys, self.hpos, self.order = blob, off, hkeys, hpos, order
        self._buf = memoryview(blob).cast("B") if len(blob) else memoryview(b"")
        self._memo: dict[str, int | None] | None = {} if memo else None
        self._mask = _hash_mask(hkeys)

    @classmethod
    def build(cls, strings: Iterable[str], sort: bool = False) -> StringTable:
        encoded = [s.encode("utf-8") for s in strings]
        n = len(encoded)
        off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=off[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        hashes = np.array([key_hash(b.decode("utf-8")) & 0xFFFFFFFF for b in encoded],
                          dtype=np.uint32)
        hpos = index_array(np.argsort(hashes, kind="stable"), n)
        order = None
        if sort:  # UTF-8 byte order is code point order: the order of Python's str
            order = index_array(np.array(sorted(range(n), key=encoded.__getitem__),
                                         dtype=np.int64), n)
        return cls(blob, offset_array(off), hashes[hpos], hpos, order)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays to store (`from_arrays` reads them back)."""
        out = {f"{prefix}_blob": self.blob, f"{prefix}_off": self.off,
               f"{prefix}_hkeys": self.hkeys, f"{prefix}_hpos": self.hpos}
        if self.order is not None:
            out[f"{prefix}_order"] = self.order
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str,
                    memo: bool = False) -> StringTable | None:
        """The table stored under `prefix`, or None (a generation written before it was)."""
        if f"{prefix}_off" not in arrays:
            return None
        order = arrays.get(f"{prefix}_order")
        return cls(arrays[f"{prefix}_blob"], arrays[f"{prefix}_off"],
                   arrays[f"{prefix}_hkeys"], arrays[f"{prefix}_hpos"], order, memo=memo)

    def __len__(self) -> int:
        return len(self.off) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        j = int(i)
        if j < 0:
            j += n
        if not 0 <= j < n:
            raise IndexError(f"string table index {i} out of range ({n})")
        return str(self._buf[int(self.off[j]):int(self.off[j + 1])], "utf-8")

    def __iter__(self) -> Iterator[str]:
        buf, off = self._buf, self.off.tolist()
        for a, b in itertools.pairwise(off):
            yield str(buf[a:b], "utf-8")

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and self.find(value) is not None

    def find(self, text: str) -> int | None:
        """The position of `text`, or None."""
        memo = self._memo
        if memo is not None:
            hit = memo.get(text, -1)
            if hit != -1:
                return hit
        found = self._find(text, key_hash(text) & self._mask)
        if memo is not None:
            if len(memo) >= FIND_MEMO_SIZE:
                memo.clear()
            memo[text] = found
        return found

    def find_many(self, texts: Sequence[str]) -> list[int | None]:
        """`find` of each of `texts` (one search of the hash array for all of them)."""
        if not texts or not len(self.hkeys):
            return [None] * len(texts)
        mask = self._mask
        h = np.array([key_hash(t) & mask for t in texts], dtype=self.hkeys.dtype)
        lo = np.searchsorted(self.hkeys, h, side="left").tolist()
        out: list[int | None] = []
        for t, hv, a in zip(texts, h.tolist(), lo, strict=True):
            out.append(self._scan(t, hv, a))
        return out

    def _find(self, text: str, h: int) -> int | None:
        if not len(self.hkeys):
            return None
        a = int(np.searchsorted(self.hkeys, self.hkeys.dtype.type(h), side="left"))
        return self._scan(text, h, a)

    def _scan(self, text: str, h: int, a: int) -> int | None:
        """The position among the entries of hash `h` from index `a` whose string is `text`."""
        keys, n = self.hkeys, len(self.hkeys)
        while a < n and int(keys[a]) == h:
            pos = int(self.hpos[a])
            if self[pos] == text:
                return pos
            a += 1
        return None

    def prefixed(self, prefix: str) -> Iterator[int]:
        """Positions of the strings starting with `prefix`, in string order (needs `order`)."""
        if self.order is None:
            raise ValueError("this string table was built without its sorted order")
        order = self.order
        start = bisect.bisect_left(order, prefix, key=self.__getitem__)
        for k in range(start, len(order)):
            pos = int(order[k])
            if not self[pos].startswith(prefix):
                return
            yield pos


class HexTable(Sequence[str]):
    """Hex strings of one length (content hashes), or empty ones (deleted rows), stored as
    their bytes: `raw` (uint8, n x width/2) and `has` (bool: not empty). Half the bytes of
    a `StringTable` of them, and no offsets or hash lookup (nothing looks a hash up)."""

    def __init__(self, raw: np.ndarray, has: np.ndarray) -> None:
        self.raw, self.has = raw, has

    @classmethod
    def build(cls, strings: Sequence[str]) -> HexTable | None:
        """The table of `strings`, or None when they are not all lowercase hex of one even
        length (or empty)."""
        present = [s for s in strings if s]
        width = len(present[0]) if present else 0
        if (not present or width % 2
                or any(len(s) != width or s != s.lower() for s in present)):
            return None
        try:
            raw = np.frombuffer(b"".join(bytes.fromhex(s) if s else bytes(width // 2)
                                         for s in strings), dtype=np.uint8)
        except ValueError:  # not hex
            return None
        has = np.fromiter((bool(s) for s in strings), dtype=bool, count=len(strings))
        return cls(raw.reshape(len(strings), width // 2).copy(), has)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_raw": self.raw, f"{prefix}_has": self.has}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> HexTable | None:
        if f"{prefix}_raw" not in arrays:
            return None
        return cls(arrays[f"{prefix}_raw"], arrays[f"{prefix}_has"])

    def __len__(self) -> int:
        return len(self.has)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        j = int(i)
        return self.raw[j].tobytes().hex() if self.has[j] else ""

    def __iter__(self) -> Iterator[str]:
        for row, has in zip(self.raw, self.has.tolist(), strict=True):
            yield row.tobytes().hex() if has else ""


class WordSet(AbstractSet[str]):
    """A read-only set of strings over a `StringTable` (a dictionary's words: a fraction of
    the memory of a frozenset of them; membership by hash)."""

    def __init__(self, table: StringTable) -> None:
        self.table = table

    @classmethod
    def build(cls, words: Iterable[str]) -> WordSet:
        return cls(StringTable.build(dict.fromkeys(words)))

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.table.find(word) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


class WordCounts(Mapping[str, int]):
    """A read-only mapping word -> count (the spelling vocabulary) over arrays."""

    def __init__(self, table: StringTable, counts: np.ndarray) -> None:
        self.table = table
        self.counts = counts

    @classmethod
    def build(cls, counts: Mapping[str, int]) -> WordCounts:
        values = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        return cls(StringTable.build(counts, sort=True), count_array(values))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {**self.table.arrays(prefix), f"{prefix}_count": self.counts}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> WordCounts | None:
        table = StringTable.from_arrays(arrays, prefix)
        if table is None or f"{prefix}_count" not in arrays:
            return None
        return cls(table, arrays[f"{prefix}_count"])

    def __getitem__(self, word: str) -> int:
        pos = self.table.find(word) if isinstance(word, str) else None
        if pos is None:
            raise KeyError(word)
        return int(self.counts[pos])

    def get(self, word: str, default: Any = None) -> Any:
        pos = self.table.find(word) if isinstance(word, str) else None
        return default if pos is None else int(self.counts[pos])

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.table.find(word) is not None

    def get_many(self, words: Sequence[str]) -> list[int]:
        """The count of each of `words` (0 when absent), in one search."""
        counts = self.counts
        return [0 if p is None else int(counts[p]) for p in self.table.find_many(words)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def items(self) -> Any:
        return zip(self.table, self.counts.tolist(), strict=True)

    def values(self) -> Any:
        return self.counts.tolist()
