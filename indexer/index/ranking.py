"""Ranking data of a generation: per-field term frequencies of every record as numpy arrays
(written at build time from the same `indexer.index.terms.RecordTerms` as Whoosh's postings),
loaded once per process and generation.

(~500 lines: `RankData` is one format, written and read here so both sides stay in step;
the string tables are `strings.py`, the memory map `arrays.py`, the spelling table `deletes.py`.)

These arrays answer which records have which term, how often, in which field (scoring,
"all words" filtering, match reports), and hold the tables of foci, question types and
category paths (the condition gazetteer, filters, facets). Whoosh answers phrase checks
(positions) and gives back stored records; scoring a long question with Whoosh's pure-Python
matchers costs ~200 ms, so scoring works on these arrays. Rows are Whoosh document numbers,
so Whoosh results (phrase matches) and ours line up.

Files of a generation written here: `rank.npz` (arrays, and the big string tables as arrays:
record ids, hashes, the vocabulary and the spelling vocabulary, see `indexer.index.strings`)
and `rank.json.gz` (foci, gazetteer, categories, qtypes; before the string tables were
stored, those too; `rank.json`, plain, before schema 8).

Memory: `rank.npz` is stored uncompressed and read in place from one read-only memory map
(`indexer.index.arrays`), so the worker processes of a server share its pages (the field
lengths too: as float32, which scoring reads; stored as whole numbers they would take
0.25 MB less, but the float32 copies every process would then make on load changed where
the allocator put the duplicate groups' large temporaries: +6-8 MB RSS a worker). Besides the
forward arrays it holds what each process used to derive on load: the inverted lists per
field (`<field>_iptr/_irows/_itfs`), the row of every category entry (`cat_rows`) and the
spelling table (`spell_*`, see `indexer.index.deletes.DeleteTable`). A generation written
before those were stored still opens: they are then computed (or parsed from rank.json) in
the process, as before.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from indexer.index.arrays import MappedArrays, count_array, index_array, offset_array
from indexer.index.deletes import DeleteTable
from indexer.index.inverted import entry_rows, inverted_lists
from indexer.index.strings import HexTable, StringTable, WordCounts
from indexer.index.tables import (  # noqa: F401
    RANK_JSON,
    RANK_JSON_GZ,
    read_tables,
    shared_objects,
    write_tables,
)
from indexer.index.terms import FIELDS, RecordTerms, spelling_words
from indexer.text.analysis import find_words

RANK_NPZ = "rank.npz"  # (RANK_JSON, RANK_JSON_GZ: the tables' files, see indexer.index.tables)
STRING_TABLES = ("ids", "hashes", "vocab")  # stored in rank.npz as `strings.StringTable`s
# (the hashes as a `strings.HexTable` when they are hex)
TF_MAX = 65535


class _Interner:
    """Append-only string -> int table (ids of a previous generation stay valid)."""

    def __init__(self, items: Sequence[str] = ()) -> None:
        self.items: list[str] = list(items)
        self.index: dict[str, int] = {s: i for i, s in enumerate(self.items)}

    def get(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.items)
            self.items.append(s)
        return i



class _FreshTerms:
    """The new records' terms of every field, gathered in build order and numbered in one step
    at the end (one C-level pass instead of a generator per record and field): the vocabulary
    gets its new terms in the same first-seen order as numbering them one by one would give."""

    def __init__(self, vocab: _Interner) -> None:
        self.vocab = vocab
        self.terms: list[str] = []
        self.counts: list[int] = []
        self.starts: list[int] = [0]  # slot i holds terms[starts[i]:starts[i + 1]]
        self.tids = np.zeros(0, dtype=np.int32)
        self.tfs = np.zeros(0, dtype=np.uint16)

    def add(self, terms: Iterable[str], counts: Iterable[int]) -> int:
        """Gather one field's counted terms (each term once, and its count); returns its
        slot."""
        self.terms.extend(terms)
        self.counts.extend(counts)
        self.starts.append(len(self.terms))
        return len(self.starts) - 2

    def size(self, slot: int) -> int:
        return self.starts[slot + 1] - self.starts[slot]

    def number(self) -> None:
        """Term ids (new terms appended to the vocabulary) and counts capped at TF_MAX."""
        index, items = self.vocab.index, self.vocab.items
        unseen = [t for t in dict.fromkeys(self.terms) if t not in index]
        index.update(zip(unseen, range(len(items), len(items) + len(unseen)), strict=True))
        items.extend(unseen)
        k = len(self.terms)
        self.tids = np.fromiter(map(index.__getitem__, self.terms), dtype=np.int32, count=k)
        tfs = np.fromiter(self.counts, dtype=np.int64, count=k)
        self.tfs = np.minimum(tfs, TF_MAX).astype(np.uint16)

    def joined(self, tid_l: list[Any], tf_l: list[Any], empty_i: np.ndarray,
               empty_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One field's rows joined: a row whose tfs are None holds a slot of this table."""
        if not tid_l:
            return empty_i, empty_t
        st, rows = self.starts, list(zip(tid_l, tf_l, strict=True))
        tids = [self.tids[st[x]:st[x + 1]] if tf is None else x for x, tf in rows]
        tfs = [self.tfs[st[x]:st[x + 1]] if tf is None else tf for x, tf in rows]
        return np.concatenate(tids), np.concatenate(tfs)

class _Packed(NamedTuple):
    """A record's terms as a writer process sends them (`RecordTerms.packed`): each field of
    FIELDS as (terms, counts, length), then the record's other terms; read as they are (no
    `RecordTerms` and `FieldCounts` objects to make for every record: ~0.3 s on MedQuAD)."""

    fields: tuple[tuple[tuple[str, ...], tuple[int, ...], int], ...]
    focus: str
    focus_name: str
    focus_phrases: list[str]
    name_case: dict[str, str]
    qtype: str
    paths: list[tuple[str, ...]]


def _counted(ft: Any) -> tuple[Iterable[str], Iterable[int], int]:
    """A field's terms (`terms.FieldTerms` or `FieldCounts`) as `_Packed` holds them."""
    c = ft.counts()
    return c, c.values(), ft.length


def display_name(a: str, b: str) -> str:
    """The one display name of a condition written two ways ("Common cold", "Common Cold"):
    capitalised before not, then the first in code-point order. Order-free (the same whichever
    record a build met first), so builds of the same records agree."""
    return min(a, b, key=lambda s: (not s[:1].isupper(), s))


def canonical_foci(keys: Sequence[str], names: Sequence[str], focus: np.ndarray,
                   gaz: dict[str, list[int]], live: np.ndarray,
                   ) -> tuple[list[str], list[str], np.ndarray, dict[str, list[int]]]:
    """Focus keys numbered in sorted order and each gazetteer name's conditions listed most
    recorded first (then by key): the tables then depend on the records, not on the order the
    build's processes wrote them in (a 2-core build's segments split differently each time)."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    new_of = np.full(len(keys) + 1, -1, dtype=np.int32)  # the last slot maps -1 (no focus)
    new_of[np.asarray(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.int32)
    focus = new_of[focus]
    counts = np.bincount(focus[live & (focus >= 0)], minlength=len(keys))
    new_keys = [keys[i] for i in order]
    gaz = {ph: sorted((int(new_of[i]) for i in ids), key=lambda k: (-counts[k], new_keys[k]))
           for ph, ids in gaz.items()}
    return new_keys, [names[i] for i in order], focus, gaz


@dataclass
class GenerationCaches:
    """What query code derives from a generation's `RankData` on first use and keeps for the
    generation's life (a loaded generation never changes)."""

    scorer: Any = None  # indexer.search.scoring.Scorer
    focus_index: Any = None  # indexer.search.focus.FocusIndex
    groups: Any = None  # indexer.search.distinct.Groups
    acronyms: frozenset[str] | None = None
    acronyms_known: bool = False
    conditions: Any = None  # indexer.index.conditions.ConditionTable (None: none stored)
    conditions_known: bool = False
    condition_acronyms: frozenset[int] | None = None  # term ids of acronymic focus names
    title_names: Any = None  # indexer.search.titles.TitleNames


@dataclass
class RankData:
    """Arrays over rows (= Whoosh docnums) and the tables they refer to."""

    ids: Sequence[str]  # a list when built, a StringTable when loaded (so for all four)
    hashes: Sequence[str]
    live: np.ndarray  # bool per row
    vocab: Sequence[str]
    fwd: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # field -> (ptr, tids, tfs)
    lengths: dict[str, np.ndarray]  # field -> float32 per row
    focus: np.ndarray  # int32 per row: index into focus_keys, -1 when none
    focus_keys: list[str]  # analysed focus
    focus_names: list[str]  # a display name per focus key
    gazetteer: dict[str, list[int]]  # analysed name -> focus key ids
    qtype: np.ndarray  # int16 per row: index into qtypes, -1 when none
    qtypes: list[str]
    cat_ptr: np.ndarray
    cat_ids: np.ndarray
    paths: list[list[str]]
    words: Mapping[str, int]  # spelling vocabulary: folded word -> count (in build order)
    extra: dict[str, Any] = field(default_factory=dict)

    # --- derived at load time ---------------------------------------------------------------
    _inv: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    _term_index: dict[str, int] | None = field(default_factory=dict)
    _row_of: dict[str, int] | None = field(default_factory=dict)
    caches: GenerationCaches = field(default_factory=lambda: GenerationCaches())
    cat_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    avg_len: dict[str, float] = field(default_factory=dict)
    focus_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    _n_live: int | None = None
    stored: Mapping[str, np.ndarray] = field(default_factory=dict)  # rank.npz, as mapped

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @property
    def n_live(self) -> int:
        if self._n_live is not None:  # counted by `prepare` (a loaded generation never changes)
            return self._n_live
        return int(self.live.sum())

    # ------------------------------------------------------------------ build
    @classmethod
    def assemble(
        cls,
        row_ids: Sequence[str | None],
        new: dict[str, tuple[str, RecordTerms]],
        previous: RankData | None,
        raw_words: Counter[str] | None = None,
    ) -> RankData:
        """Rows in Whoosh docnum order: a row whose id is in `new` takes that vector, any other
        live row is copied from `previous` (an unchanged record); `None` marks a deleted doc."""
        vocab = _Interner(previous.vocab if previous else ())
        fkeys = _Interner(previous.focus_keys if previous else ())
        fnames = list(previous.focus_names) if previous else []
        qtypes = _Interner(previous.qtypes if previous else ())
        paths = _Interner(["\x1f".join(p) for p in previous.paths] if previous else ())
        old_gaz = previous.gazetteer if previous else {}
        gaz: dict[str, list[int]] = {k: list(v) for k, v in old_gaz.items()}
        words: Counter[str] = Counter(dict(previous.words.items()) if previous else {})
        name_case: dict[str, str] = dict(previous.extra.get("name_case", {})) if previous else {}
        words.update(spelling_words(raw_words or Counter()))

        n = len(row_ids)
        live = np.zeros(n, dtype=bool)
        focus = np.full(n, -1, dtype=np.int32)
        qtype = np.full(n, -1, dtype=np.int16)
        lengths = {f: np.zeros(n, dtype=np.float32) for f in FIELDS}
        # per field, each row's (tids, tfs) or, for a new record, its slot in `fresh`
        chunks: dict[str, tuple[list[Any], list[Any], list[int]]] = {
            f: ([], [], []) for f in FIELDS
        }
        fresh = _FreshTerms(vocab)
        cat_chunks: list[np.ndarray] = []
        cat_counts: list[int] = []
        ids: list[str] = []
        hashes: list[str] = []
        prev_row = previous.row_index() if previous else {}
        empty_i = np.zeros(0, dtype=np.int32)
        empty_t = np.zeros(0, dtype=np.uint16)

        for row, rid in enumerate(row_ids):
            if rid is None:
                ids.append("")
                hashes.append("")
                for f in FIELDS:
                    chunks[f][0].append(empty_i)
                    chunks[f][1].append(empty_t)
                    chunks[f][2].append(0)
                cat_chunks.append(empty_i)
                cat_counts.append(0)
                continue
            live[row] = True
            ids.append(rid)
            if rid in new:
                h, dv = new[rid]
                hashes.append(h)
                if type(dv) is tuple:  # as a writer process sent it (`RecordTerms.packed`)
                    dv = _Packed(*dv)
                    counted = dv.fields
                else:
                    counted = tuple(_counted(dv.fields[f]) for f in FIELDS)
                for f, (terms, counts, length) in zip(FIELDS, counted, strict=True):
                    slot = fresh.add(terms, counts)
                    chunks[f][0].append(slot)
                    chunks[f][1].append(None)
                    chunks[f][2].append(fresh.size(slot))
                    lengths[f][row] = length
                if dv.focus:
                    fid = fkeys.get(dv.focus)
                    if fid == len(fnames):
                        fnames.append(dv.focus_name)
                    else:
                        fnames[fid] = display_name(fnames[fid], dv.focus_name)
                    focus[row] = fid
                    for ph in dv.focus_phrases:
                        lst = gaz.setdefault(ph, [])
                        if fid not in lst:
                            lst.append(fid)
                    for ph, case in dv.name_case.items():
                        if name_case.get(ph) != "plain":
                            name_case[ph] = case
                if dv.qtype:
                    qtype[row] = qtypes.get(dv.qtype)
                cids = np.array([paths.get("\x1f".join(p)) for p in dv.paths], dtype=np.int32)
                cat_chunks.append(cids)
                cat_counts.append(len(cids))
            else:
                assert previous is not None, f"record {rid} has neither a vector nor a previous row"
                old = prev_row[rid]
                hashes.append(previous.hashes[old])
                for f in FIELDS:
                    ptr, tids, tfs = previous.fwd[f]
                    a, b = ptr[old], ptr[old + 1]
                    chunks[f][0].append(tids[a:b])
                    chunks[f][1].append(tfs[a:b])
                    chunks[f][2].append(int(b - a))
                    lengths[f][row] = previous.lengths[f][old]
                focus[row] = previous.focus[old]
                qtype[row] = previous.qtype[old]
                a, b = previous.cat_ptr[old], previous.cat_ptr[old + 1]
                cat_chunks.append(previous.cat_ids[a:b])
                cat_counts.append(int(b - a))

        fresh.number()
        fwd = {}
        for f in FIELDS:
            tid_l, tf_l, cnt = chunks[f]
            ptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.asarray(cnt, dtype=np.int64), out=ptr[1:])
            fwd[f] = (ptr, *fresh.joined(tid_l, tf_l, empty_i, empty_t))
        cat_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.asarray(cat_counts, dtype=np.int64), out=cat_ptr[1:])
        cat_ids = np.concatenate(cat_chunks) if cat_chunks else empty_i
        focus_keys, fnames, focus, gaz = canonical_foci(fkeys.items, fnames, focus, gaz, live)
        data = cls(
            ids=ids,
            hashes=hashes,
            live=live,
            vocab=vocab.items,
            fwd=fwd,
            lengths=lengths,
            focus=focus,
            focus_keys=focus_keys,
            focus_names=fnames,
            gazetteer=gaz,
            qtype=qtype,
            qtypes=qtypes.items,
            cat_ptr=cat_ptr,
            cat_ids=cat_ids.astype(np.int32),
            paths=[p.split("\x1f") for p in paths.items],
            words={w: c for w, c in words.items() if c > 0},
            extra={"name_case": name_case},
        )
        return data

    def forget_words(self, texts: Iterable[str]) -> None:
        """Subtract the words of removed/changed records from the spelling vocabulary."""
        if not isinstance(self.words, dict):  # loaded (read-only arrays): a copy to change
            self.words = dict(self.words.items())
        raw: Counter[str] = Counter()
        for t in texts:
            raw.update(find_words(t or ""))
        for w, c in spelling_words(raw).items():
            left = self.words.get(w, 0) - c
            if left > 0:
                self.words[w] = left
            else:
                self.words.pop(w, None)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: Path) -> None:
        # each array in the smallest type its values fit (readers take any)
        n_rows, n_terms = self.n_rows, len(self.vocab)
        arrays: dict[str, np.ndarray] = {
            "live": self.live,
            "focus": self.focus,
            "qtype": self.qtype,
            "cat_ptr": offset_array(self.cat_ptr),
            "cat_ids": index_array(self.cat_ids, len(self.paths)),
        }
        for f in FIELDS:
            ptr, tids, tfs = self.fwd[f]
            arrays[f"{f}_ptr"] = offset_array(ptr)
            arrays[f"{f}_tids"] = index_array(tids, n_terms)
            arrays[f"{f}_tfs"] = count_array(tfs)
            arrays[f"{f}_len"] = self.lengths[f]
        # what every process would otherwise derive on load, so that processes share it
        inverted = inverted_lists(self.fwd, n_rows, n_terms)
        for f, (iptr, irows, itfs) in inverted.items():
            arrays[f"{f}_iptr"], arrays[f"{f}_irows"], arrays[f"{f}_itfs"] = iptr, irows, itfs
        arrays["cat_rows"] = entry_rows(self.cat_ptr, n_rows)
        arrays.update(DeleteTable.build(self.words).arrays())
        # the big string tables as arrays too (rank.json held them before: ~140k objects)
        for name in STRING_TABLES:
            table = HexTable.build(self.hashes) if name == "hashes" else None
            arrays.update((table or StringTable.build(getattr(self, name))).arrays(name))
        arrays.update(WordCounts.build(self.words).arrays("words"))
        with (folder / RANK_NPZ).open("wb") as fh:
            np.savez(fh, **arrays)
        tables = {
            "focus_keys": self.focus_keys,
            "focus_names": self.focus_names,
            "gazetteer": self.gazetteer,
            "qtypes": self.qtypes,
            "paths": self.paths,
            "extra": self.extra,
        }
        write_tables(folder, tables)

    @classmethod
    def load(cls, folder: Path) -> RankData:
        t = shared_objects(read_tables(folder))
        arrays = MappedArrays(folder / RANK_NPZ)
        strings: dict[str, Sequence[str] | None] = {
            name: StringTable.from_arrays(arrays, name, memo=name == "vocab")
            for name in STRING_TABLES}
        strings["hashes"] = HexTable.from_arrays(arrays, "hashes") or strings["hashes"]
        words = WordCounts.from_arrays(arrays, "words")
        data = cls(
            ids=strings["ids"] if strings["ids"] is not None else t["ids"],
            hashes=strings["hashes"] if strings["hashes"] is not None else t["hashes"],
            live=arrays["live"],
            vocab=strings["vocab"] if strings["vocab"] is not None else t["vocab"],
            fwd={f: (arrays[f"{f}_ptr"], arrays[f"{f}_tids"], arrays[f"{f}_tfs"]) for f in FIELDS},
            lengths={f: arrays[f"{f}_len"] for f in FIELDS},
            focus=arrays["focus"],
            focus_keys=t["focus_keys"],
            focus_names=t["focus_names"],
            gazetteer=t["gazetteer"],
            qtype=arrays["qtype"],
            qtypes=t["qtypes"],
            cat_ptr=arrays["cat_ptr"],
            cat_ids=arrays["cat_ids"],
            paths=t["paths"],
            words=words if words is not None else t["words"],
            extra=t.get("extra", {}),
            stored=arrays,
        )
        data.prepare(arrays)
        return data

    def prepare(self, stored: Mapping[str, np.ndarray] | None = None) -> None:
        """Derive the inverted lists (term -> rows) and lookup tables used at query time;
        the arrays a generation stores (`stored`, memory-mapped) are used as they are, those
        of a generation written before they were stored are computed here."""
        stored = stored if stored is not None else {}
        # lookups: the stored tables' own (by hash, in the shared arrays), else dicts
        self._term_index = (None if isinstance(self.vocab, StringTable)
                            else {t: i for i, t in enumerate(self.vocab)})
        self._row_of = None if isinstance(self.ids, StringTable) else self.row_index()
        if all(f"{f}_iptr" in stored for f in FIELDS):
            self._inv = {f: (stored[f"{f}_iptr"], stored[f"{f}_irows"], stored[f"{f}_itfs"])
                         for f in FIELDS}
        else:
            self._inv = inverted_lists(self.fwd, self.n_rows, len(self.vocab))
        self.cat_rows = (stored["cat_rows"] if "cat_rows" in stored
                         else entry_rows(self.cat_ptr, self.n_rows))
        self._n_live = int(self.live.sum())
        n_live = max(self.n_live, 1)
        self.avg_len = {f: float(self.lengths[f][self.live].sum()) / n_live or 1.0 for f in FIELDS}
        self.focus_count = (
            np.bincount(self.focus[self.live & (self.focus >= 0)], minlength=len(self.focus_keys))
            if len(self.focus_keys)
            else np.zeros(0, dtype=np.int64)
        )

    # ------------------------------------------------------------------ lookups
    def acronym_keys(self) -> frozenset[str] | None:
        """Analysed focus names written only as acronyms ("odd" from "ODD"): they count in a
        query only when typed in capitals. None for an index built before this was kept."""
        caches = self.caches
        if not caches.acronyms_known:
            case = self.extra.get("name_case")
            caches.acronyms = None if case is None else frozenset(
                k for k, c in case.items() if c == "caps"
            )
            caches.acronyms_known = True
        return caches.acronyms

    def row_index(self) -> dict[str, int]:
        """Record id -> row, as a dict (building and old generations)."""
        return {rid: i for i, rid in enumerate(self.ids) if rid}

    def row_of(self, record_id: str) -> int | None:
        if not record_id or not isinstance(record_id, str):
            return None
        row = (self._row_of.get(record_id) if self._row_of is not None
               else self.ids.find(record_id))  # type: ignore[attr-defined]
        return row if row is not None and self.live[row] else None

    def term_id(self, term: str) -> int | None:
        if self._term_index is not None:
            return self._term_index.get(term)
        return self.vocab.find(term)  # type: ignore[attr-defined]

    def postings(self, f: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, frequencies) of `term` in field `f` (empty arrays when absent), read-only
        and in the types the generation stores (rows: uint16 or int32; frequencies: whole
        numbers as uint8/uint16, float32 in a generation written before schema 8)."""
        tid = self.term_id(term)
        if tid is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        iptr, rows, tfs = self._inv[f]
        a, b = iptr[tid], iptr[tid + 1]
        return rows[a:b], tfs[a:b]

    def idf(self, df: int) -> float:
        n = max(self.n_live, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
