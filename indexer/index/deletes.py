"""The symmetric-delete table of a spelling vocabulary (every word with one letter left out ->
the words), built with a generation and stored in its `rank.npz` as arrays that the worker
processes of a server share (`indexer.text.spelling` looks candidates up in it). Which words
it files (MIN_VOCAB_COUNT, MIN_WORD_LEN) decides index content, so they live here, in the
index package (the evaluation index's cache key hashes it)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from indexer.index.arrays import index_array

MIN_WORD_LEN = 4  # shorter words are too ambiguous to correct
MIN_VOCAB_COUNT = 1  # expert text is spelt well enough: a word seen once is a word


def deletes1(word: str) -> list[str]:
    """`word` with each of its letters left out in turn."""
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _key_hash(key: str) -> int:
    """A stable 64-bit hash of a delete key (the same in every process and build)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _key_hashes(keys: list[str], dtype: np.dtype) -> np.ndarray:
    """`_key_hash` of each key, cut to the width of `dtype` (uint32: the low 32 bits)."""
    mask = (1 << (8 * dtype.itemsize)) - 1
    return np.array([_key_hash(k) & mask for k in keys], dtype=dtype)


class DeleteTable:
    """The symmetric-delete table (every vocabulary word with one letter left out -> the
    words) as two arrays sorted by a hash of the key: `keys` (the low 32 bits of a 64-bit
    hash; uint64, the whole hash, in generations written before schema 8) and `wids`
    (positions in the vocabulary's word order, uint16 when they fit). Written with a
    generation and memory-mapped, so worker processes share it. A hash collision only adds
    candidates, which the caller checks (`indexer.text.spelling`: `_is_delete`); the entries
    of one key keep their order (a stable sort), so what a lookup yields first is the same."""

    def __init__(self, keys: np.ndarray, wids: np.ndarray, n_words: int) -> None:
        self.keys = keys
        self.wids = wids
        self.n_words = n_words

    @classmethod
    def build(cls, counts: dict[str, int]) -> DeleteTable:
        hashes: list[int] = []
        wids: list[int] = []
        for i, (w, c) in enumerate(counts.items()):
            if c < MIN_VOCAB_COUNT or len(w) < MIN_WORD_LEN - 1:
                continue
            for d in dict.fromkeys(deletes1(w)):
                hashes.append(_key_hash(d))
                wids.append(i)
        keys = np.array(hashes, dtype=np.uint64) & np.uint64(0xFFFFFFFF)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order].astype(np.uint32),
                   index_array(np.array(wids, dtype=np.int64), len(counts))[order], len(counts))

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to store with a generation (see `from_arrays`)."""
        return {"spell_keys": self.keys, "spell_wids": self.wids,
                "spell_n": np.array([self.n_words], dtype=np.int64)}

    @classmethod
    def from_arrays(cls, arrays: Any) -> DeleteTable | None:
        """The table stored with a generation, or None (built before it was stored)."""
        try:
            return cls(arrays["spell_keys"], arrays["spell_wids"], int(arrays["spell_n"][0]))
        except KeyError:
            return None

    def lookup(self, keys: list[str]) -> list[np.ndarray]:
        """For each key, the word positions filed under its hash."""
        if not keys or not len(self.keys):
            return [self.wids[:0] for _ in keys]
        h = _key_hashes(keys, self.keys.dtype)
        lo = np.searchsorted(self.keys, h, side="left")
        hi = np.searchsorted(self.keys, h, side="right")
        return [self.wids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
