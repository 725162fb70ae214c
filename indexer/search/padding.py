"""No padding (issue F, item 5): which words of a search may qualify a record by themselves.

A word that most records contain ("acupuncture" in an acupuncture archive; in a large corpus,
a word in more than `indexer.search.plan.MAX_DF_SHARE` of the records) is *common*: it says
what the whole archive is about, not what this search is about. When a search has other,
distinctive words, a record listed for some of the words must have a distinctive one: the
common word alone never qualifies it. When a distinctive word matches no record at all, the
search names it ("No answers mention IVF") and lists no records that merely lack it: a list
of every record with the other words would be padding ("long covid" is not 1,518 records
that say "long"). A word that matches nothing but is an everyday English word ("night" in an
archive that never says it; `indexer.text.spelling.everyday_words`) is no such word: the
records with the other words are listed as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.index.ranking import RankData
from indexer.results import Facet
from indexer.search.scoring import Clause
from indexer.text.analysis import words
from indexer.text.spelling import everyday_words

MAX_TOPICS = 5  # closest topics offered when a search lists nothing
COMMON_SHARE = 0.5  # a word in more than this share of the records is common in any archive
LARGE_COMMON_SHARE = 0.08  # ...and in a large one, more than this (as messages drop them)
LARGE_MIN_RECORDS = 1000  # an archive of this many records is large


@dataclass
class Qualifying:
    """What the clauses of a search allow: `distinct` (bool per row: has a distinctive
    clause; None when the search has no distinctive word, so any word qualifies) and the
    distinctive clauses no record satisfies (`unmatched`, their labels as typed)."""

    distinct: np.ndarray | None = None
    unmatched: list[str] = field(default_factory=list)


def is_common(matched: int, n_live: int) -> bool:
    """Is a word that `matched` of `n_live` records contain common (see the module doc)?"""
    share = matched / max(n_live, 1)
    return share > COMMON_SHARE or (n_live >= LARGE_MIN_RECORDS and share > LARGE_COMMON_SHARE)


def _everyday(clause: Clause) -> bool:
    """Is every word typed for the clause an everyday English word?"""
    typed = words(clause.alternatives[0].text) if clause.alternatives else []
    common = everyday_words()
    return bool(typed) and all(w in common for w in typed)


def qualifying(clauses: Sequence[Clause], oks: Sequence[np.ndarray], live: np.ndarray,
               n_live: int) -> Qualifying:
    """The `Qualifying` of a search from each counted clause's satisfied rows (`oks`: a bool
    mask over the rows of `live`, or the positions of those rows, without repeats)."""
    out = Qualifying()
    for clause, ok in zip(clauses, oks, strict=True):
        if not clause.counts:
            continue
        mask = ok.dtype == bool
        matched = int(np.count_nonzero(ok & live if mask else live[ok]))
        if matched == 0:
            if not _everyday(clause):
                out.unmatched.append(clause.label)
            continue
        if is_common(matched, n_live):
            continue
        if mask:
            out.distinct = ok.copy() if out.distinct is None else (out.distinct | ok)
        else:
            if out.distinct is None:
                out.distinct = np.zeros(len(live), dtype=bool)
            out.distinct[ok] = True
    if out.distinct is None and out.unmatched:
        out.distinct = np.zeros(len(live), dtype=bool)  # only common words matched
    return out


def near_topics(data: RankData, scores: np.ndarray, limit: int = MAX_TOPICS) -> list[Facet]:
    """The most specific category paths where the records scored for a search's other words
    are filed, closest first (by the summed score of those records there), each with how
    many of them it holds."""
    if not len(data.paths) or not len(data.cat_ids):
        return []
    scored = (scores > 0) & data.live
    sel = scored[data.cat_rows]
    if not sel.any():
        return []
    ids = data.cat_ids[sel]
    weight = np.bincount(ids, weights=scores[data.cat_rows[sel]], minlength=len(data.paths))
    count = np.bincount(ids, minlength=len(data.paths))
    found = {tuple(data.paths[i]): i for i in np.flatnonzero(count).tolist()}
    parents = {p[:k] for p in found for k in range(1, len(p))}
    leaves = [i for p, i in found.items() if p not in parents]
    leaves.sort(key=lambda i: (-weight[i], data.paths[i]))
    return [Facet(path=list(data.paths[i]), count=int(count[i])) for i in leaves[:limit]]
