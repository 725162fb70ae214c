"""Distinct results: a stable order for tied hits, and near-duplicate answers collapsed.

Ties break on the record id, never on the row number: a fresh build and a `--full` build of
the same records (multi-process writers add segments in any order) number rows differently,
and must still give the same result lists.

Two records are duplicates when they answer the same section about the same condition (the
same focus and question type: MedQuAD's "What are the symptoms of Heart Attack ?" from two
institutes) or when their answers have the same words (the same answer filed twice, or
copied with other punctuation). Near-identical answers that differ in a few words are caught
among the hits actually listed (their answer words' Jaccard overlap; most pairs are told
apart by a 256-bit sketch of each answer's words before any word is compared). A
collapsed group is listed once, at its best member's place; the others go with it
(`also`), so that a hit can say where else it appears.

Everything here is derived from the ranking arrays on first use and kept per generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.index.caches import ByteLRU, budget
from indexer.index.ranking import RankData

NEAR_JACCARD = 0.9  # answers sharing this share of their distinct words are near-identical
NEAR_LENGTH_RATIO = 0.8  # ...and only answers of similar length are compared
MIN_ANSWER_TERMS = 5  # shorter answers ("See below.") are never duplicates by text
MAX_ALSO = 10  # a hit names at most this many of its duplicates
FEW_MEMBERS = 16  # a key with this many rows or fewer has its matching ones read one by one
NEAR_WINDOW = 10  # a hit is compared with this many hits listed just before it
ANSWER_SETS_BYTES = budget("answer_sets")  # answers' word sets kept per generation for those
# comparisons (0.4 MB by default)
SKETCH_WORDS = 4  # 64-bit words of each answer's word sketch (256 bits: 1.5 MB for 47k rows)


@dataclass
class Groups:
    """Per generation: the rank of every row's id, and each row's duplicate keys (-1: none):
    its condition and section, and its answer's words. Keys are not chained: two records
    are duplicates when they share a key, not when a third record links them."""

    id_rank: np.ndarray  # int64 per row: position of the row's id in sorted order
    section: np.ndarray  # int64 per row: focus and question type (structured records)
    text: np.ndarray  # int64 per row: the answer's term multiset
    primary: np.ndarray  # int64 per row: section, else text + rows, else -1 (for counting)
    grouped: bool  # some key is shared by two or more rows
    keyed: np.ndarray  # rows with a shared key (ascending)
    members: dict[str, tuple[np.ndarray, np.ndarray]]  # key kind -> (rows by key and id
    # within a key, key starts)
    answer_terms: np.ndarray  # int64 per row: distinct terms of its answer (a forward
    # vector lists each term once, with its count: `indexer.index.ranking`)
    sketch: np.ndarray  # uint64 (rows, SKETCH_WORDS): each answer's distinct terms hashed
    # to one bit each (see `_sketches`)
    answer_sets: ByteLRU = field(default_factory=lambda: ByteLRU(ANSWER_SETS_BYTES))
    # row -> its answer's sorted distinct term ids (those compared lately)


def groups(data: RankData) -> Groups:
    """The generation's `Groups` (built on first use, kept with its caches)."""
    caches = data.caches
    g = caches.groups
    if g is None:
        g = caches.groups = _build_groups(data)
    return g


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a well-spread 64-bit hash of each value."""
    x = x.copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _shared_key(codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Dense ids of the codes of `valid` rows that occur on two or more rows; -1 elsewhere."""
    out = np.full(len(codes), -1, np.int64)
    if not valid.any():
        return out
    _, inv, counts = np.unique(codes[valid], return_inverse=True, return_counts=True,
                               axis=0)
    inv = inv.reshape(-1)
    out[np.flatnonzero(valid)] = np.where(counts[inv] > 1, inv, -1)
    return out


def _build_groups(data: RankData) -> Groups:
    n = data.n_rows
    id_rank = np.empty(n, np.int64)
    id_rank[np.argsort(np.asarray(data.ids, dtype=object), kind="stable")] = np.arange(n)
    live = data.live
    structured = (data.focus >= 0) & (data.qtype >= 0) & live
    section_code = data.focus.astype(np.int64) * (len(data.qtypes) + 1) + data.qtype
    section = _shared_key(section_code, structured)
    # the answer's term multiset as two order-free 64-bit sums of hashed (term, count) pairs
    ptr, tids, tfs = data.fwd["answer"]
    sizes = np.diff(ptr)
    has_text = live & (sizes >= MIN_ANSWER_TERMS)
    pairs = (tids.astype(np.uint64) << np.uint64(16)) | tfs.astype(np.uint64)
    sums = np.zeros((n, 2), np.uint64)
    filled = np.flatnonzero(sizes > 0)
    with np.errstate(over="ignore"):
        for col, salt in enumerate((0x9E3779B97F4A7C15, 0xD1B54A32D192ED03)):
            if len(filled):
                sums[filled, col] = np.add.reduceat(_mix(pairs ^ np.uint64(salt)),
                                                    ptr[filled])
    text = _shared_key(sums, has_text)
    grouped = bool((section >= 0).any() or (text >= 0).any())
    members = {}
    for kind, keys in (("section", section), ("text", text)):
        order = np.lexsort((id_rank, keys))  # by key, then by record id within a key
        order = order[keys[order] >= 0]
        starts = np.searchsorted(keys[order], np.arange(int(keys.max(initial=-1)) + 2))
        members[kind] = (order, starts)
    keyed = np.flatnonzero((section >= 0) | (text >= 0))
    primary = np.where(section >= 0, section, np.where(text >= 0, text + n, -1))
    return Groups(id_rank=id_rank, section=section, text=text, primary=primary,
                  grouped=grouped, keyed=keyed, members=members, answer_terms=sizes,
                  sketch=_sketches(ptr, tids, n))


def _sketches(ptr: np.ndarray, tids: np.ndarray, n: int) -> np.ndarray:
    """Per row, its answer's terms as a bit set of SKETCH_WORDS * 64 bits: each term sets
    the bit its hash names. A bit set in one sketch and not the other stands for at least
    one term in one answer and not the other (distinct bits, distinct terms), so the XOR's
    popcount is a lower bound on the answers' symmetric difference (`_sketch_rejects`)."""
    out = np.zeros((n, SKETCH_WORDS), np.uint64)
    filled = np.flatnonzero(np.diff(ptr) > 0)
    if not len(filled):
        return out
    with np.errstate(over="ignore"):
        bit = _mix(tids.astype(np.uint64)) % np.uint64(SKETCH_WORDS * 64)
    word = bit >> np.uint64(6)
    value = np.left_shift(np.uint64(1), bit & np.uint64(63))
    zero = np.uint64(0)
    for w in range(SKETCH_WORDS):
        out[filled, w] = np.bitwise_or.reduceat(np.where(word == w, value, zero),
                                                ptr[filled])
    return out


def _sketch_int(g: Groups, row: int) -> int:
    """Row `row`'s sketch as one Python int (for XOR and `int.bit_count`)."""
    return int.from_bytes(g.sketch[row].tobytes(), "little")


# Near-identical (Jaccard >= J) needs |A & B| >= J (|A| + |B|) / (1 + J), so the symmetric
# difference |A| + |B| - 2 |A & B| is at most (|A| + |B|) (1 - J) / (1 + J); a little slack
# keeps float rounding on the side of comparing.
_SKETCH_SHARE = (1 - NEAR_JACCARD) / (1 + NEAR_JACCARD)


def _sketch_rejects(sa: int, sb: int, terms: int) -> bool:
    """Do two answers' sketches prove them not near-identical? (`terms`: their distinct
    terms' counts added up, or more.)"""
    return (sa ^ sb).bit_count() > terms * _SKETCH_SHARE + 1e-6


def order_rows(data: RankData, rows: np.ndarray, key: np.ndarray) -> np.ndarray:
    """`rows` best first by `key` (higher first), ties by record id."""
    return rows[np.lexsort((groups(data).id_rank[rows], -key))]


def top_rows(data: RankData, rows: np.ndarray, key: np.ndarray, k: int) -> np.ndarray:
    """The `k` best of `rows` by `key`, best first, ties by record id (every row tied with
    the k-th is considered, so the choice never depends on row numbers)."""
    if k <= 0:
        return rows[:0]
    if len(rows) > k:
        keep = key >= kth_best(key, k)
        rows, key = rows[keep], key[keep]
    return order_rows(data, rows, key)[:k]


KTH_SAMPLE_STEP = 16  # `kth_best` first looks among every 16th value...
KTH_SAMPLE_MIN = 1000  # ...of this many values or more (below, one partition is as quick)


def kth_best(values: np.ndarray, k: int) -> float:
    """The `k`-th largest of `values` (1 <= k <= len(values); ties counted: the value of
    `np.partition(values, len - k)[len - k]`). `np.partition` over thousands of values
    costs ~50 us for a small k (~1 us per hundred values): the k-th largest of a sample
    (every KTH_SAMPLE_STEP-th value) is a floor of the whole's, and the values at or above
    that floor hold the whole's k largest, so the answer is their k-th largest (exact,
    whatever the ties; a sample smaller than k is no floor: then every value is read, as
    are fewer than KTH_SAMPLE_MIN values)."""
    if len(values) >= KTH_SAMPLE_MIN:
        sample = values[::KTH_SAMPLE_STEP]
        if len(sample) >= k:
            sample = sample.copy()  # (np.partition's copy, then the method: no wrapper)
            sample.partition(len(sample) - k)
            floor = sample[len(sample) - k]
            values = values[values >= floor]
    values = values.copy()
    values.partition(len(values) - k)
    return values[len(values) - k]


def distinct_count(data: RankData, rows: np.ndarray) -> int:
    """How many distinct records `rows` hold: records of one condition and section count
    once, and so do answers with the same words (near-identical ones are collapsed only
    among the listed hits, so they are counted here)."""
    return distinct_counts(data, rows, ())[0]


def distinct_counts(data: RankData, rows: np.ndarray, subsets: Sequence[np.ndarray]
                    ) -> list[int]:
    """`distinct_count` of `rows`, then of each subset of them (a bool per row of `rows`),
    reading the rows' keys once."""
    g = groups(data)
    if not g.grouped or not len(rows):
        return [len(rows), *(int(np.count_nonzero(sub)) for sub in subsets)]
    every = g.primary[rows]
    # one place of each key: written at every key's places, then read back (whichever
    # write stays, exactly one of a key's places finds itself). Work in the rows' number,
    # not the generation's: the array is never cleared, and only written entries are read.
    last = np.empty(len(g.primary) * 2, np.int32)  # keys are below 2 rows per row
    out = []
    for sub in (None, *subsets):
        keys = every if sub is None else every[sub]
        size = len(keys)
        keys = keys[keys >= 0]  # rows sharing a key with another row: count each key once
        if not len(keys):
            out.append(size)
            continue
        at = np.arange(len(keys), dtype=np.int32)
        last[keys] = at
        out.append(size - len(keys) + int(np.count_nonzero(last[keys] == at)))
    return out


def _answer_set(data: RankData, g: Groups, row: int) -> np.ndarray:
    got = g.answer_sets.get(row)
    if got is None:
        ptr, tids, _ = data.fwd["answer"]
        got = np.unique(tids[ptr[row]: ptr[row + 1]])
        g.answer_sets.put(row, got)
    return got


def _near_sets(sa: np.ndarray, sb: np.ndarray) -> bool:
    """Are two answers' sorted distinct term ids near-identical (Jaccard >= NEAR_JACCARD)?"""
    if len(sa) > len(sb):
        sa, sb = sb, sa
    small, large = len(sa), len(sb)
    if small < MIN_ANSWER_TERMS or small < NEAR_LENGTH_RATIO * large:
        return False
    # the ids of the smaller set found in the larger one (both sorted, without repeats)
    at = np.minimum(sb.searchsorted(sa), large - 1)
    inter = int(np.count_nonzero(sb[at] == sa))
    return inter >= NEAR_JACCARD * (small + large - inter)


def collapse(data: RankData, ordered: np.ndarray, need: int
             ) -> tuple[list[int], dict[int, list[int]]]:
    """Walk `ordered` rows (best first) and keep the first `need` distinct ones; returns the
    kept rows and, per kept row, the rows collapsed into it (in rank order). A row collapses
    into a kept row it shares a key with, or whose answer is near-identical (among the
    NEAR_WINDOW hits kept last)."""
    walk = Walk(data, need)
    walk.feed(ordered)
    return walk.kept, walk.also


class Walk:
    """`collapse` in steps: rows fed in rank order, the walk going on where it stopped (a
    longer list of the best rows starts with the shorter one: no row is walked twice)."""

    def __init__(self, data: RankData, need: int) -> None:
        self.data = data
        self.g = groups(data)
        self.need = need
        self.kept: list[int] = []
        self.window: list[tuple[int, float, int]] = []  # the NEAR_WINDOW rows kept last:
        # row, answer length, distinct answer terms
        self.sketches: dict[int, int] = {}  # row -> its sketch as an int (those compared)
        self.also: dict[int, list[int]] = {}
        self.by_section: dict[int, int] = {}
        self.by_text: dict[int, int] = {}
        self.done = False  # a distinct row was met past the `need` kept

    def feed(self, ordered: np.ndarray) -> None:
        """Walk these next rows (best first), unless the walk is done."""
        if self.done:
            return
        g, data, kept, also = self.g, self.data, self.kept, self.also
        by_section, by_text = self.by_section, self.by_text
        # the rows' keys and answer sizes as Python values at once (not one numpy read each)
        for r, sec, txt, ln, nt in zip(ordered.tolist(), g.section[ordered].tolist(),
                                       g.text[ordered].tolist(),
                                       data.lengths["answer"][ordered].tolist(),
                                       g.answer_terms[ordered].tolist(), strict=True):
            into = by_section.get(sec, -1) if sec >= 0 else -1
            if into < 0 and txt >= 0:
                into = by_text.get(txt, -1)
            if into < 0:
                into = _near_recent(self, r, ln, nt)
            if into >= 0:
                also.setdefault(into, []).append(r)
                continue
            if len(kept) >= self.need:
                self.done = True
                return
            kept.append(r)
            window = self.window
            window.append((r, ln, nt))
            if len(window) > NEAR_WINDOW:
                del window[0]
            if sec >= 0:
                by_section[sec] = r
            if txt >= 0:
                by_text[txt] = r


def _sketch_of(walk: Walk, row: int) -> int:
    got = walk.sketches.get(row)
    if got is None:
        got = walk.sketches[row] = _sketch_int(walk.g, row)
    return got


def _near_recent(walk: Walk, r: int, ln: float, nt: int) -> int:
    """The first of the NEAR_WINDOW rows kept last whose answer is near-identical to row
    `r`'s (answer length `ln`, `nt` distinct terms), or -1."""
    if ln < MIN_ANSWER_TERMS:
        return -1  # (the shorter of two answers is at most this long: never compared)
    shortest = NEAR_LENGTH_RATIO * ln  # a kept answer no longer than r's: at least this
    for k, lk, tk in walk.window:
        if (lk < MIN_ANSWER_TERMS or lk < shortest) if lk <= ln else (
                ln < NEAR_LENGTH_RATIO * lk):
            continue  # words of very different length: not near-identical (cheap check)
        few, many = (tk, nt) if tk <= nt else (nt, tk)
        if few < NEAR_JACCARD * many:
            continue  # Jaccard <= few / many: too different in distinct words to reach it
        if _sketch_rejects(_sketch_of(walk, k), _sketch_of(walk, r), tk + nt):
            continue  # too many words in one answer only (most pairs end here)
        if _near_sets(_answer_set(walk.data, walk.g, k), _answer_set(walk.data, walk.g, r)):
            return k
    return -1


def duplicates_of(data: RankData, row: int, matched: np.ndarray, near: Sequence[int] = (),
                  limit: int = MAX_ALSO) -> list[int]:
    """The rows collapsed into `row`: the other matching rows sharing a key with it, by
    record id, then the near-identical ones found beside it (`near`); at most `limit`."""
    g = groups(data)
    out: list[int] = []
    if g.grouped:
        sec, txt = int(g.section[row]), int(g.text[row])
        if sec >= 0 or txt >= 0:
            out = _key_members(g, row, sec, txt, matched, limit)
    if len(out) < limit and near:
        keyed = set(out)
        out += [r for r in near if r not in keyed]
    return out[:limit]


def _key_members(g: Groups, row: int, sec: int, txt: int, matched: np.ndarray,
                 limit: int) -> list[int]:
    """The first `limit` matching rows other than `row` sharing its section key `sec` or its
    text key `txt` (-1: none), by record id."""
    parts = []
    for kind, k in (("section", sec), ("text", txt)):
        if k >= 0:
            order, starts = g.members[kind]
            a, b = starts[k:k + 2].tolist()
            parts.append(order[a:b])
    if len(parts) == 1:  # one key's members: already by record id
        rows = parts[0]
        if limit > 0 and len(rows) <= FEW_MEMBERS:  # (one by one: fewer calls than arrays)
            out = []
            for r in rows.tolist():
                if r != row and matched[r]:
                    out.append(r)
                    if len(out) == limit:
                        break
            return out
    else:
        rows = np.unique(np.concatenate(parts))
        rows = rows[np.argsort(g.id_rank[rows], kind="stable")]
    return rows[matched[rows] & (rows != row)][:limit].tolist()
