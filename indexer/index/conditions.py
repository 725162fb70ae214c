"""Condition pseudo-documents of a generation: which conditions a word is characteristic of.

Everything the corpus says about one condition (the questions, answers and names of every
record about one focus key) is taken as one document, and each (term, condition) pair gets its
BM25 weight over those documents: the idf counts conditions, not records, so an everyday word
the corpus uses for many conditions ("pain", "eyes") weighs little, and a word said mostly about
one condition weighs a lot. A query's words then score conditions
(`indexer.search.conditions`), which is how a few symptoms reach the condition they describe
although no single record has all of the words.

A record's section counts with its question type's group (MedQuAD's labels, grouped as in
`indexer.text.qtypes`): SECTION_WEIGHTS says how many times a group's term frequencies count in
the pseudo-document (1 for a group it does not list, 0 leaves the group out), so the sections
that describe how a condition shows (its symptoms) can outweigh those that do not.
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import numpy as np

from indexer.index.arrays import MappedArrays
from indexer.index.ranking import RankData
from indexer.text.qtypes import MEDQUAD_GROUPS

FILE = "conditions.npz"
FIELDS = ("question", "focus", "answer")  # the text a condition's pseudo-document is made of
K1 = 1.2
B = 0.75
MIN_CONDITIONS = 2  # fewer conditions than this: nothing to tell apart
SECTION_WEIGHTS: dict[str, float] = {}  # question-type group -> how much its text counts
LEVELS = 256  # a weight is stored as one of this many log-spaced values (one byte)


def row_weights(data: RankData) -> np.ndarray:
    """Per row, how much its text counts in its condition's pseudo-document: the weight of
    its question type's group in SECTION_WEIGHTS, 1 for other rows."""
    groups = [MEDQUAD_GROUPS.get(q.strip().lower(), "") for q in data.qtypes]
    by_type = np.array([SECTION_WEIGHTS.get(g, 1.0) for g in groups] + [1.0],
                       dtype=np.float64)  # last slot: rows without a type (-1)
    return by_type[np.asarray(data.qtype, dtype=np.int64)]


def pairs(data: RankData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(condition key, term id, frequency) of every term of every condition's pseudo-document,
    sorted by term id then key."""
    live = np.asarray(data.live, dtype=bool)
    focus = np.asarray(data.focus)
    scale = row_weights(data)
    keys_l, tids_l, tfs_l = [], [], []
    for f in FIELDS:
        ptr, tids, tfs = data.fwd[f]
        ptr = np.asarray(ptr, dtype=np.int64)
        row_key = np.where(live & (focus >= 0), focus, -1)[: len(ptr) - 1]
        per_row = np.diff(ptr)
        key = np.repeat(row_key, per_row)
        keep = key >= 0
        tf = np.asarray(tfs, dtype=np.float64)
        if SECTION_WEIGHTS:
            tf = tf * np.repeat(scale[: len(ptr) - 1], per_row)
            keep &= tf > 0  # a group weighed 0 is left out (its words count no condition)
        keys_l.append(key[keep])
        tids_l.append(np.asarray(tids, dtype=np.int64)[keep])
        tfs_l.append(tf[keep])
    key = np.concatenate(keys_l)
    tid = np.concatenate(tids_l)
    tf = np.concatenate(tfs_l)
    n_keys = max(len(data.focus_keys), 1)
    pair = tid * n_keys + key
    uniq, inv = np.unique(pair, return_inverse=True)
    freq = np.bincount(inv, weights=tf)
    return (uniq % n_keys).astype(np.int32), (uniq // n_keys).astype(np.int64), freq


def weights(data: RankData) -> dict[str, np.ndarray] | None:
    """The table as arrays (`ptr` by term id, `keys`, `weights`), None when the generation
    has fewer than MIN_CONDITIONS conditions with text."""
    if len(data.focus_keys) < MIN_CONDITIONS:
        return None
    key, tid, tf = pairs(data)
    n_keys = len(data.focus_keys)
    length = np.bincount(key, weights=tf, minlength=n_keys)
    present = length > 0
    n_docs = int(present.sum())
    if n_docs < MIN_CONDITIONS:
        return None
    avg = float(length[present].mean())
    n_terms = len(data.vocab)
    df = np.bincount(tid, minlength=n_terms).astype(np.float64)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    norm = K1 * (1.0 - B + B * length[key] / avg)
    w = idf[tid] * tf * (K1 + 1.0) / (tf + norm)
    ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(tid, minlength=n_terms), out=ptr[1:])
    # compact: a key fits 16 bits up to 65,536 conditions; a weight is one byte (`quantise`)
    key_type = np.uint16 if n_keys <= np.iinfo(np.uint16).max + 1 else np.int32
    if ptr[-1] <= np.iinfo(np.int32).max:  # offsets in 32 bits while they fit (a generation
        ptr = ptr.astype(np.int32)  # written with 64-bit offsets reads the same)
    codes, levels = quantise(w)
    return {"ptr": ptr, "keys": key.astype(key_type), "weights": codes, "levels": levels,
            "n_docs": np.asarray([n_docs], dtype=np.int64)}


def quantise(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positive weights as one byte each on a log scale: (codes, the weight of each of the
    LEVELS codes). Levels are spaced by a constant ratio between the smallest and largest
    weight, so every weight is kept to the same relative precision (on MedQuAD the weights
    span ~500x: +-1.2%; a prior normalised to the best condition needs no more)."""
    w = np.asarray(w, dtype=np.float64)
    if not len(w):
        return np.zeros(0, np.uint8), np.ones(LEVELS, np.float32)
    lo, hi = float(w.min()), float(w.max())
    step = math.log(hi / lo) / (LEVELS - 1) if hi > lo > 0 else 0.0
    if step <= 0:  # one weight (or a degenerate table): every code means it
        return np.zeros(len(w), np.uint8), np.full(LEVELS, hi, np.float32)
    codes = np.rint(np.log(np.maximum(w, lo) / lo) / step)
    levels = lo * np.exp(np.arange(LEVELS) * step)
    return np.clip(codes, 0, LEVELS - 1).astype(np.uint8), levels.astype(np.float32)


def save(gen_dir: Path, data: RankData) -> None:
    """Write `conditions.npz` for the generation in `gen_dir` (nothing without conditions)."""
    arrays = weights(data)
    if arrays is None:
        return
    with (Path(gen_dir) / FILE).open("wb") as fh:
        np.savez(fh, **arrays)  # uncompressed: read in place (`MappedArrays`)


class ConditionTable:
    """A generation's `conditions.npz`, memory-mapped: the conditions each term touches."""

    def __init__(self, path: Path) -> None:
        arrays = MappedArrays(path)
        self.ptr = arrays["ptr"]
        self.keys = arrays["keys"]
        self.weights = arrays["weights"]  # one-byte codes (float16 weights in older tables)
        self.levels = (np.asarray(arrays["levels"], dtype=np.float32) if "levels" in arrays
                       else None)
        self.n_docs = int(arrays["n_docs"][0])
        self.bridges: tuple[array[int], ...] | None = None  # (query side:
        # `indexer.search.conditions._bridges`, made once per generation)
        # read per query term: the offsets as Python ints (4 or 8 bytes a term, ~0.1 MB on
        # MedQuAD), and each code's weight plus one touch (`supported`), made at load
        self._offsets = array("q", np.asarray(self.ptr, dtype=np.int64).tobytes())
        self._touch_levels = (None if self.levels is None
                              else self.levels.astype(np.float64) + _TOUCH)

    def n_conditions(self, tid: int) -> int:
        """How many conditions' pseudo-documents have the term (0 for an unknown term)."""
        offsets = self._offsets
        if not 0 <= tid < len(offsets) - 1:
            return 0
        return offsets[tid + 1] - offsets[tid]

    def score(self, term_weights: dict[int, float], n_keys: int, min_terms: int = 1,
              alone: frozenset[int] = frozenset()) -> np.ndarray:
        """Score per condition key: the sum over the query's terms (term id -> how much the
        query means it) of the term's weight for the condition; 0 for a condition fewer than
        `min_terms` of the terms touch (a term of `alone` counts as `min_terms` on its own).
        """
        out = np.zeros(n_keys, np.float64)
        keys, values = self.supported(term_weights, n_keys, min_terms, alone)
        out[keys] = values
        return out

    def supported(self, term_weights: dict[int, float], n_keys: int, min_terms: int = 1,
                  alone: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """`score` of the conditions it does not leave at 0 only: (their keys ascending,
        their scores), the same values, without arithmetic over every condition."""
        ks, cs, qws, lens, units = [], [], [], [], []
        offsets = self._offsets
        n_terms = len(offsets) - 1
        for tid, qw in term_weights.items():
            if 0 <= tid < n_terms:
                a, b = offsets[tid], offsets[tid + 1]
                if b > a:
                    ks.append(self.keys[a:b])
                    cs.append(self.weights[a:b])
                    qws.append(qw)
                    lens.append(b - a)
                    units.append(min_terms if tid in alone else 1)
        if not ks or min(qws) < 0:  # (a negative weight: the dense arithmetic, as written)
            return _dense_supported(self, term_weights, n_keys, min_terms, alone) if ks else (
                np.zeros(0, np.intp), np.zeros(0, np.float64))
        # a touch counts _TOUCH on top of its weight: one bincount gives both (each posting's
        # weight + touch and the sums in the same order as `_dense_supported`: the same floats)
        codes = cs[0] if len(cs) == 1 else np.concatenate(cs)
        if alone or self._touch_levels is None or any(qw != 1.0 for qw in qws):
            w = codes.astype(np.float32) if self.levels is None else self.levels.take(codes)
            if any(qw != 1.0 for qw in qws):
                w = w * np.repeat(np.asarray(qws, dtype=np.float32), lens)
            w = w.astype(np.float64)
            w += np.repeat(np.asarray(units, dtype=np.float64) * _TOUCH, lens) if alone else _TOUCH
        else:  # (every term meant fully: the weight + touch of each code, read once)
            w = self._touch_levels.take(codes)
        keys = ks[0] if len(ks) == 1 else np.concatenate(ks)
        both = np.bincount(keys, weights=w, minlength=n_keys)[:n_keys]  # (one size: sizes
        # up to the last key touched measured +10 MB summed server RSS, bench/memory.py)
        # weights are >= 0 and sum far below _TOUCH: a condition's sum lies in [touches,
        # touches + 1) * _TOUCH, so the touches are its whole multiples and its score the rest
        chosen = (both >= max(min_terms, 1) * _TOUCH).nonzero()[0]
        sums = both[chosen]
        sums -= np.floor(sums / _TOUCH) * _TOUCH
        return chosen, sums


def _dense_supported(table: ConditionTable, term_weights: dict[int, float], n_keys: int,
                     min_terms: int, alone: frozenset[int]) -> tuple[np.ndarray, np.ndarray]:
    """`ConditionTable.supported` over every condition, for term weights below 0 (whose sums
    can fall below a whole number of touches)."""
    ks, ws, ts = [], [], []
    for tid, qw in term_weights.items():
        if table.n_conditions(tid):
            a, b = table._offsets[tid], table._offsets[tid + 1]
            codes = table.weights[a:b]
            w = codes.astype(np.float32) if table.levels is None else table.levels.take(codes)
            ks.append(table.keys[a:b])
            ws.append(w * np.float32(qw) if qw != 1.0 else w)
            ts.append(np.full(b - a, _TOUCH * (min_terms if tid in alone else 1)))
    w = np.concatenate(ws).astype(np.float64) + np.concatenate(ts)
    both = np.bincount(np.concatenate(ks), weights=w, minlength=n_keys)[:n_keys]
    touches = np.floor(both / _TOUCH)
    out = both - touches * _TOUCH
    if min_terms > 1:
        out[touches < min_terms] = 0.0
    chosen = out.nonzero()[0]
    return chosen, out[chosen]


_TOUCH = float(2**24)  # far above any sum of weights (float64 keeps them exact to ~1e-9)


def load(gen_dir: Path) -> ConditionTable | None:
    """The table of the generation in `gen_dir`, None when it has none (no conditions, or
    written before this file existed)."""
    path = Path(gen_dir) / FILE
    if not path.is_file():
        return None
    return ConditionTable(path)

