"""The symmetric-delete table of a spelling vocabulary (every word with one letter left out ->
the words), built with a generation and stored in its `rank.npz` as arrays that the worker
processes of a server share (`indexer.text.spelling` looks candidates up in it). Which words
it files (MIN_VOCAB_COUNT, MIN_WORD_LEN) decides index content, so they live here, in the
index package (the evaluation index's cache key hashes it)."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from indexer.index.arrays import index_array, offset_array

MIN_WORD_LEN = 4  # shorter words are too ambiguous to correct
MIN_VOCAB_COUNT = 1  # expert text is spelt well enough: a word seen once is a word
BUCKET_SIZE = 64  # entries a bucket of the table (on average): a lookup reads its key's
MIN_BUCKET_BITS, MAX_BUCKET_BITS = 4, 20  # (MedQuAD: 257k entries, 4,096 buckets of ~63)


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
    words), sorted by a hash of the key, as arrays written with a generation and
    memory-mapped, so worker processes share it:

    - schema 10 on: the hash's low bits pick one of `len(starts) - 1` buckets (a power of two,
      ~BUCKET_SIZE entries each; `starts`: where each begins), `keys` holds the next 16 bits
      (uint16, ascending within a bucket); 2 bytes a key instead of 4;
    - schemas 8 and 9: `keys` the low 32 bits (uint32), before that the whole 64-bit hash
      (uint64), ascending (`starts` None).

    `wids` are positions in the vocabulary's word order (uint16 when they fit). A hash
    collision only adds candidates, which the caller checks (`indexer.text.spelling`:
    `_is_delete`; 28 bits on MedQuAD: ~1 extra candidate in 1,000 lookups); the entries of
    one key keep their order (a stable sort), so what a lookup yields first is the same."""

    def __init__(self, keys: np.ndarray, wids: np.ndarray, n_words: int,
                 starts: np.ndarray | None = None) -> None:
        self.keys = keys
        self.wids = wids
        self.n_words = n_words
        self.starts = starts
        self.bits = int(len(starts) - 1).bit_length() - 1 if starts is not None else 0

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
        bits = bucket_bits(len(hashes))
        h = np.array(hashes, dtype=np.uint64)
        bucket, rest = _split(h, bits)
        # by bucket, then bits; stable: a key's entries keep their order
        order = np.argsort((bucket.astype(np.uint64) << np.uint64(16)) | rest, kind="stable")
        starts = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(np.bincount(bucket, minlength=1 << bits), out=starts[1:])
        return cls(rest[order], index_array(np.array(wids, dtype=np.int64), len(counts))[order],
                   len(counts), offset_array(starts))

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays to store with a generation (see `from_arrays`)."""
        out = {"spell_keys": self.keys, "spell_wids": self.wids,
               "spell_n": np.array([self.n_words], dtype=np.int64)}
        if self.starts is not None:
            out["spell_starts"] = self.starts
        return out

    @classmethod
    def from_arrays(cls, arrays: Any) -> DeleteTable | None:
        """The table stored with a generation, or None (built before it was stored)."""
        try:
            keys, wids, n = arrays["spell_keys"], arrays["spell_wids"], arrays["spell_n"]
        except KeyError:
            return None
        return cls(keys, wids, int(n[0]), arrays.get("spell_starts"))

    def lookup(self, keys: list[str]) -> list[np.ndarray]:
        """For each key, the word positions filed under its hash."""
        if not keys or not len(self.keys):
            return [self.wids[:0] for _ in keys]
        if self.starts is None:  # schemas 8 and 9: one sorted array of hashes
            h = _key_hashes(keys, self.keys.dtype)
            lo = np.searchsorted(self.keys, h, side="left")
            hi = np.searchsorted(self.keys, h, side="right")
        else:
            lo, hi = self._bucket_ranges(keys)
        return [self.wids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]

    def _bucket_ranges(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each key's entries [lo, hi): within its bucket, those holding its 16 bits (a
        bucket's keys ascend, so they are consecutive), counted over all keys' buckets at
        once."""
        bucket, rest = _split(np.array([_key_hash(k) for k in keys], dtype=np.uint64),
                              self.bits)
        first = self.starts[bucket].astype(np.int64)
        sizes = self.starts[bucket + 1].astype(np.int64) - first
        total = int(sizes.sum())
        ends = np.cumsum(sizes)
        # every entry of every key's bucket, then how many in each are below / up to its bits
        at = np.repeat(first - ends + sizes, sizes) + np.arange(total)
        got = self.keys[at]
        want = np.repeat(rest, sizes)
        below = np.concatenate(([0], np.cumsum(got < want)))
        upto = np.concatenate(([0], np.cumsum(got <= want)))
        begin = ends - sizes
        lo = first + below[ends] - below[begin]
        return lo, first + upto[ends] - upto[begin]


def bucket_bits(n_entries: int) -> int:
    """Bits of a key's hash that pick its bucket: ~BUCKET_SIZE entries a bucket, between
    MIN_BUCKET_BITS and MAX_BUCKET_BITS."""
    want = max(n_entries // BUCKET_SIZE, 1).bit_length()
    return min(max(want, MIN_BUCKET_BITS), MAX_BUCKET_BITS)


def _split(hashes: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket, the next 16 bits) of 64-bit key hashes: the low `bits`, then 16 above."""
    bucket = (hashes & np.uint64((1 << bits) - 1)).astype(np.int64)
    rest = ((hashes >> np.uint64(bits)) & np.uint64(0xFFFF)).astype(np.uint16)
    return bucket, rest
