"""What a record without a focus is about: the naming words of its title (issue F, item 6).

A structured record states its condition in a field, and the condition a query names is
matched against it (`indexer.search.focus`). A record without one (an archive page, a scraped
answer) is named by its title alone. Its question type is read from that title at build time
(`indexer.index.terms`); this module says how much of the title's naming words a query has
(idf-weighted, as a focus name's coverage; words that name a question type, `TYPE_WORDS`, name
nothing), so that the question-type boost reaches the records whose title names what the query
asks about ("how is quilt fever diagnosed" -> "Quilt fever (Diagnosis)"), as it reaches a
structured record about the named condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from indexer.index.ranking import RankData
from indexer.search.focus import name_idf as condition_idf
from indexer.text.analysis import fold, stem
from indexer.text.qtypes import TYPE_WORDS


@dataclass(frozen=True)
class TitleNames:
    """Per generation: which rows are named by their title, and their titles' naming mass."""

    nameless: np.ndarray  # bool per row: live, without a focus
    idf: np.ndarray  # float32 per term id: its idf as a condition's name word (0: names nothing)
    mass: np.ndarray  # float32 per live row: its title's distinct naming terms' idf, summed
    typed: bool  # some such row has a question type (else the coverage changes nothing)
    named: np.ndarray  # bool per term id: in the title of some such row (a query with none
    # of these terms covers no title: asked before any postings are read)


@lru_cache(maxsize=1)
def _type_terms() -> frozenset[str]:
    return frozenset(stem(fold(w)) for w in TYPE_WORDS)


def _build(data: RankData) -> TitleNames:
    ptr, tids, _ = data.fwd["title"]
    n = len(data.live)
    live = np.asarray(data.live, dtype=bool)
    nameless = live & (np.asarray(data.focus) < 0)
    row_of = np.repeat(np.arange(n), np.diff(np.asarray(ptr, dtype=np.int64)))
    tids = np.asarray(tids, dtype=np.int64)
    idf = condition_idf(data)  # as a focus name's words weigh
    for t in _type_terms():
        tid = data.term_id(t)
        if tid is not None:
            idf[tid] = 0.0
    keep = live[row_of]
    mass = np.bincount(row_of[keep], weights=idf[tids[keep]], minlength=n)
    typed = bool((nameless & (np.asarray(data.qtype) >= 0)).any())
    named = np.zeros(len(idf), bool)
    named[tids[nameless[row_of]]] = True
    return TitleNames(nameless, idf.astype(np.float32), mass.astype(np.float32), typed, named)


def title_names(data: RankData) -> TitleNames:
    """The generation's `TitleNames` (made on first use, kept with its caches)."""
    caches = data.caches
    if caches.title_names is None:
        caches.title_names = _build(data)
    return caches.title_names


def title_coverage(data: RankData, weights: dict[int, float], relative: float = 0.0
                   ) -> np.ndarray | None:
    """Per row, the share of its title's naming mass that the query's terms (term id -> how
    much the query means it, at most 1) cover, for the rows without a focus (0 elsewhere,
    and where the covered mass is under `relative` of the best row's);
    None when no such row has a question type or no query term names anything."""
    tn = title_names(data)
    if not tn.typed or not any(tn.named[tid] for tid in weights):
        return None
    found = []
    nameless_touched = False
    for tid, w in weights.items():
        idf = float(tn.idf[tid])
        if idf <= 0 or w <= 0:
            continue
        rows, _ = data.postings("title", data.vocab[tid])
        if len(rows):
            found.append((rows, min(w, 1.0) * idf))
            nameless_touched = nameless_touched or bool(tn.nameless[rows].any())
    if not nameless_touched:  # (mostly so in a corpus of structured records)
        return None
    cover = np.zeros(len(tn.mass), np.float32)
    for rows, weight in found:
        cover[rows] += weight
    # a title covering much less of the query's naming mass than the best title does (of any
    # record) names something else ("Fever" for a query about quilt fever, when a title
    # "Quilt fever" is there)
    cover[(cover < relative * float(cover.max())) | ~tn.nameless] = 0.0
    np.divide(cover, tn.mass, out=cover, where=tn.mass > 0)
    return np.minimum(cover, 1.0, out=cover)
