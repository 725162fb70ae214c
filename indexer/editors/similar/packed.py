"""The archived questions of a question index, packed: a table of terms, numpy arrays for the
entries' term sets and the postings, one UTF-8 blob for the rest, and `Entry` objects made
again on demand (only a draft's candidates are looked at), kept in a small cache bounded in
bytes.

On MedQuAD (17,912 questions) an `Entry` per question as Python objects (frozensets of terms,
focus lists, type dicts, strings) held ~74 MB. An entry made again is exactly what
`make_entry` gave: its frozensets are made from the same term lists by the same steps
(`features.entry_sets`), so they iterate in the same order and sums over them add up the same.

Layout, for entry `i`:
- ``ids[i]``: its record id (a list of str: every ranking sorts on it);
- one JSON array in `blob`, at `blob_at[i] .. blob_at[i+1]`: its display question,
  categories, url, types, answer key, item id, source, CUIs, label, answer start and its
  term lists (`features.EntryTerms`: question, headline, focus, synonyms, core terms).
  Batch work that keeps every `Entry` (duplicate groups) rarely reads it: `pack(...,
  payload=False)` keeps the entries and their term lists instead, and the blob is written
  on first use (JSON for 17,912 entries cost ~0.5 s of CPU in each index build);
- postings over a table of terms (`terms`, `term_id`): `post_ptr`, `post_rows` give the
  entries whose question or focus (`Entry.keys`) has term `tid`, in entry order; ``idf[tid]``
  its rarity (and `weight`, term -> IDF, what scoring reads).
"""

from __future__ import annotations

import json
import math
import sys
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from indexer.editors.similar.features import Entry, EntryTerms, entry_sets

ENTRY_CACHE_BYTES = 12 << 20  # entries made again and kept (a draft scores up to 400)


def _entry_bytes(e: Entry) -> int:
    """An estimate of a made entry's memory: its frozensets' tables and one string per member
    (checked with tracemalloc on MedQuAD: within a few % on average)."""
    sets = [e.terms, e.core, e.keys, e.cond_terms, *(f for f, _k in e.focus)]
    n = sum(len(s) for s in sets)
    text = len(e.question) + len(e.url) + len(e.answer_start) + 60 * len(e.categories)
    return 1500 + sum(map(sys.getsizeof, sets)) + 60 * n + text


class EntryCache:
    """Entries made again, least recently used dropped past `max_bytes` (estimated by
    `_entry_bytes`). A plain ordered dict: `indexer.index.caches.ByteLRU`'s bookkeeping cost
    ~12 us per entry kept, more than making half an entry, and a draft keeps up to 400."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._d: OrderedDict[int, tuple[Entry, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, i: int) -> Entry | None:
        with self._lock:
            item = self._d.get(i)
            if item is None:
                return None
            self._d.move_to_end(i)
            return item[0]

    def put(self, i: int, e: Entry) -> None:
        n = _entry_bytes(e)
        with self._lock:
            old = self._d.pop(i, None)
            if old is not None:
                self.bytes -= old[1]
            self._d[i] = (e, n)
            self.bytes += n
            while self.bytes > self.max_bytes and self._d:
                self.bytes -= self._d.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._d)


class PackedEntries:
    """The archived questions, packed (see the module's docstring). Built by `pack`."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.terms: list[str] = []  # term id -> term
        self.term_id: dict[str, int] = {}
        self.post_ptr = np.zeros(1, dtype=np.int64)
        self.post_rows = np.zeros(0, dtype=np.int32)
        self.idf = np.zeros(0, dtype=np.float64)
        self.weight: dict[str, float] = {}  # term -> IDF as a float (scoring reads it often)
        self.blob = bytearray()
        self.blob_at = np.zeros(1, dtype=np.int64)
        self._cache = EntryCache(ENTRY_CACHE_BYTES)
        # (entry, its terms) per entry while the blob is not written (`pack(payload=False)`)
        self._pending: list[tuple[Entry, EntryTerms]] | None = None
        self._blob_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    # -- reading ---------------------------------------------------------------------------

    def _payload(self, i: int) -> list[Any]:
        if self._pending is not None:
            self._write_blob()
        return json.loads(self.blob[self.blob_at[i]:self.blob_at[i + 1]].decode("utf-8"))

    def _write_blob(self) -> None:
        """The blob of the entries kept by `pack(payload=False)` (once, on first use)."""
        with self._blob_lock:
            pending = self._pending
            if pending is None:
                return
            blob = bytearray()
            at = array("q", [0])
            for e, et in pending:
                blob += _payload(e, et)
                at.append(len(blob))
            self.blob, self.blob_at = blob, np.frombuffer(at, dtype=np.int64).copy()
            self._pending = None

    def entry_terms(self, i: int) -> EntryTerms:
        """The term lists entry `i` was made of (`features.entry_terms` of its record)."""
        pending = self._pending
        if pending is not None:
            return pending[i][1]
        lists = self._payload(i)[10:]
        return EntryTerms(*lists)

    def question(self, i: int) -> str:
        """Entry `i`'s display question (without making the entry)."""
        return self._payload(i)[0]

    def make(self, i: int) -> Entry:
        """Entry `i` made again (not cached)."""
        (question, categories, url, types, answer_key, item_id, source, cuis, qtype,
         answer_start, *lists) = self._payload(i)
        terms, focus, core = entry_sets(EntryTerms(*lists))
        return Entry(
            id=self.ids[i], question=question, categories=categories, url=url, terms=terms,
            focus=focus, types=dict(types), answer_key=answer_key, item_id=item_id,
            source=source, cuis=cuis, qtype=qtype, core=core, answer_start=answer_start,
        )

    def entry(self, i: int) -> Entry:
        """Entry `i`, from the cache or made again."""
        e = self._cache.get(i)
        if e is None:
            e = self.make(i)
            self._cache.put(i, e)
        return e

    def rows(self, term: str) -> np.ndarray | None:
        """The entries whose question or focus has `term`, in entry order (None: no entry)."""
        tid = self.term_id.get(term)
        if tid is None:
            return None
        return self.post_rows[self.post_ptr[tid]:self.post_ptr[tid + 1]]


def _payload(e: Entry, et: EntryTerms) -> bytes:
    return json.dumps(
        [e.question, e.categories, e.url, list(e.types.items()), e.answer_key, e.item_id,
         e.source, e.cuis, e.qtype, e.answer_start, *et],
        ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def pack(entries: Iterable[tuple[Entry, EntryTerms]], *, payload: bool = True) -> PackedEntries:
    """The entries packed, each with the terms it was made of (`features.entry_terms`; each
    is read once and can be dropped after). `payload=False`: the entries and their terms are
    kept as they are and the blob is written only when something reads it (batch work that
    keeps every `Entry` anyway)."""
    p = PackedEntries()
    pending: list[tuple[Entry, EntryTerms]] | None = None if payload else []
    term_id = p.term_id
    terms = p.terms

    # flat buffers, not a Python object per term or per entry (what a build leaves behind
    # in the process's heap stays there as fragmentation)
    key_terms = array("i")
    key_lens = array("q")
    blob_at = array("q", [0])
    blob = p.blob
    for e, et in entries:
        p.ids.append(e.id)
        for t in e.keys:
            k = term_id.get(t)
            if k is None:
                k = term_id[t] = len(terms)
                terms.append(t)
            key_terms.append(k)
        key_lens.append(len(e.keys))
        if pending is not None:
            pending.append((e, et))
            continue
        blob += _payload(e, et)
        blob_at.append(len(blob))
    p.blob_at = np.frombuffer(blob_at, dtype=np.int64).copy()
    p._pending = pending
    _postings(p, np.frombuffer(key_terms, dtype=np.int32),
              np.frombuffer(key_lens, dtype=np.int64))
    return p


def _postings(p: PackedEntries, key_terms: np.ndarray, key_lens: np.ndarray) -> None:
    """Postings (entry order within a term, as a stable sort keeps it) and IDFs."""
    n_terms = len(p.terms)
    rows = np.repeat(np.arange(len(p.ids), dtype=np.int32), key_lens)
    order = np.argsort(key_terms, kind="stable")
    p.post_rows = rows[order]
    df = np.bincount(key_terms, minlength=n_terms)
    p.post_ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=p.post_ptr[1:])
    n = max(1, len(p.ids))
    # math.log per term, as before (numpy's log may differ in the last bit)
    p.idf = np.array([math.log(1 + (n - c + 0.5) / (c + 0.5)) for c in df.tolist()],
                     dtype=np.float64)
    p.weight = dict(zip(p.terms, p.idf.tolist(), strict=True))


class EntryList(Sequence[Entry]):
    """`QuestionIndex.entries`: a read-only sequence of `Entry`, made on demand (indexing goes
    through the cache; iterating over all of them does not fill it)."""

    def __init__(self, packed: PackedEntries) -> None:
        self._p = packed

    def __len__(self) -> int:
        return len(self._p)

    def __getitem__(self, i: int) -> Entry:  # type: ignore[override]  # no slices
        n = len(self._p)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return self._p.entry(i)

    def __iter__(self) -> Iterator[Entry]:
        return (self._p.make(i) for i in range(len(self._p)))


class TermRows:
    """`QuestionIndex.postings`, read-only: term -> list of entry indexes (for callers that
    want a mapping; the index itself reads the arrays)."""

    def __init__(self, packed: PackedEntries) -> None:
        self._p = packed

    def get(self, term: str, default: Any = None) -> list[int] | Any:
        r = self._p.rows(term)
        return default if r is None else r.tolist()

    def __getitem__(self, term: str) -> list[int]:
        r = self._p.rows(term)
        if r is None:
            raise KeyError(term)
        return r.tolist()

    def __contains__(self, term: object) -> bool:
        return term in self._p.term_id

    def __len__(self) -> int:
        return len(self._p.terms)

    def __iter__(self) -> Iterator[str]:
        return iter(self._p.terms)

    def items(self) -> Iterator[tuple[str, list[int]]]:
        p = self._p
        for tid, t in enumerate(p.terms):
            yield t, p.post_rows[p.post_ptr[tid]:p.post_ptr[tid + 1]].tolist()


class TermIdf:
    """`QuestionIndex.idf`, read-only: term -> IDF."""

    def __init__(self, packed: PackedEntries) -> None:
        self._p = packed

    def get(self, term: str, default: Any = None) -> float | Any:
        tid = self._p.term_id.get(term)
        return default if tid is None else float(self._p.idf[tid])

    def __getitem__(self, term: str) -> float:
        return float(self._p.idf[self._p.term_id[term]])

    def __contains__(self, term: object) -> bool:
        return term in self._p.term_id

    def __len__(self) -> int:
        return len(self._p.terms)

    def __iter__(self) -> Iterator[str]:
        return iter(self._p.terms)
