"""Which conditions a query's words are characteristic of, from the generation's condition
pseudo-documents (`indexer.index.conditions`, built with the generation).

The focus gazetteer (`indexer.search.focus`) finds a condition the query *names*; this finds
the conditions whose records, taken together, say the query's words most distinctively (a few
symptoms, none of them a condition's name), which is what a symptom search needs. `plan`
boosts the records of the best conditions a little: a prior, never a filter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer.index import conditions as table
from indexer.index.ranking import RankData
from indexer.search.focus import focus_index

RELATIVE = 0.5  # conditions scoring at least this share of the best one are boosted
TOP = 10  # and at most this many
SHARPNESS = 0.75  # a kept condition weighs (its score / the best one's) to this power: below 1
# the runners-up keep more of the best one's weight (0.5-0.75 gain lay, 0.25 loses MEDIQA)
TERM_POWER = 1.0  # a query word counts (how much the query means it) to this power
MIN_SUPPORT = 2  # a condition counts when this many of the query's words point to it (one
# word alone is a name, the gazetteer's job), unless the query has fewer words
ALONE_MAX_CONDITIONS = 0  # or when one of its words is said of at most this many conditions
# in the whole corpus (a word that characteristic speaks for its few conditions alone)


def condition_table(data: RankData) -> table.ConditionTable | None:
    """The generation's table, loaded once per generation (None when it has none: a corpus
    without conditions, a generation built in memory or written before the table existed)."""
    caches = data.caches
    if not caches.conditions_known:
        path = getattr(data.stored, "path", None)  # rank.npz of a loaded generation
        found = None
        if path is not None:
            try:
                found = table.load(Path(path).parent)
            except (OSError, ValueError, KeyError):
                found = None  # a damaged table is not worth failing a search for
        caches.conditions = found
        caches.conditions_known = True
    return caches.conditions  # type: ignore[no-any-return]


def _acronym_terms(data: RankData) -> frozenset[int]:
    """Term ids of the acronymic focus names ("MED", "ODD"): as in the gazetteer, such a word
    speaks for its condition only when typed in capitals ("med" is a medicine)."""
    caches = data.caches
    found = caches.condition_acronyms
    if found is None:
        fi = focus_index(data)
        entries = fi.acronymic[fi.phrase_of] if len(fi.tids) else np.zeros(0, bool)
        found = frozenset(int(t) for t in np.unique(fi.tids[entries]))
        caches.condition_acronyms = found
    return found


def condition_scores(data: RankData, term_weights: dict[int, float],
                     upper: frozenset[int] = frozenset()) -> np.ndarray | None:
    """Weight in [0, 1] per focus key of how characteristic the query's terms (term id -> how
    much the query means it; `upper`: term ids typed in capitals) are of it (the best
    condition 1, the others their share of its score to the power SHARPNESS; only the TOP
    best within RELATIVE of it are kept), None when the generation
    has no table or the query touches no condition."""
    found = condition_table(data)
    n_keys = len(data.focus_keys)
    if found is None or not n_keys or not term_weights:
        return None
    acronyms = _acronym_terms(data)
    term_weights = {t: w if TERM_POWER == 1.0 else max(float(w), 0.0) ** TERM_POWER
                    for t, w in term_weights.items() if t in upper or t not in acronyms}
    alone = frozenset(t for t in term_weights
                      if 0 < found.n_conditions(t) <= ALONE_MAX_CONDITIONS)
    scores = found.score(term_weights, n_keys, min(MIN_SUPPORT, len(term_weights)), alone)
    best = float(scores.max()) if len(scores) else 0.0
    if best <= 0:
        return None
    keep = np.flatnonzero(scores >= RELATIVE * best)
    if len(keep) > TOP:  # the TOP best (ties: the lower key)
        keep = keep[np.argsort(-scores[keep], kind="stable")[:TOP]]
    out = np.zeros(n_keys, np.float32)
    out[keep] = scores[keep] / best
    if SHARPNESS != 1.0:
        out[keep] **= SHARPNESS
    return out


def warm(data: RankData) -> None:
    """Open the generation's table and list its acronym terms now (`indexer.search.entry.warm`),
    not on a visitor's first search."""
    if condition_table(data) is not None:
        _acronym_terms(data)
