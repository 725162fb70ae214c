"""The symmetric-delete table of a spelling vocabulary (every word with one letter left out ->
the words), built with a generation and stored in its `rank.npz` as arrays that the worker
processes of a server share (`indexer.text.spelling` looks candidates up in it). Which words
it files (MIN_VOCAB_COUNT, MIN_WORD_LEN) decides index content, so they live here, in the
index package (the evaluation index's cache key hashes it)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

MIN_WORD_LEN = 4  # shorter words are too ambiguous to correct
MIN_VOCAB_COUNT = 1  # expert text is spelt well enough: a word seen once is a word


def deletes1(word: str) -> list[str]:
    """`word` with each of its letters left out in turn."""
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _key_hash(key: str) -> int:
    """A stable 64-bit hash of a delete key (the same in every process and build)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


class DeleteTable:
    """The symmetric-delete table (every vocabulary word with one letter left out -> the
    words) as two arrays sorted by a 64-bit hash of the key: `keys` (uint64) and `wids`
    (int32, positions in the vocabulary's word order). Written with a generation and
    memory-mapped, so worker processes share it; a hash collision is caught by the caller
    checking the word (`indexer.text.spelling`)."""

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
        keys = np.array(hashes, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], np.array(wids, dtype=np.int32)[order], len(counts))

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
        h = np.array([_key_hash(k) for k in keys], dtype=np.uint64)
        lo = np.searchsorted(self.keys, h, side="left")
        hi = np.searchsorted(self.keys, h, side="right")
        return [self.wids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
