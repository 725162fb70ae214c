"""Which conditions a query's words are characteristic of, from the generation's condition
pseudo-documents (`indexer.index.conditions`, built with the generation).

The focus gazetteer (`indexer.search.focus`) finds a condition the query *names*; this finds
the conditions whose records, taken together, say the query's words most distinctively (a few
symptoms, none of them a condition's name), which is what a symptom search needs. `plan`
boosts the records of the best conditions a little: a prior, never a filter.

A visitor's everyday word is often not the corpus's word for the same thing ("nosebleed",
"epistaxis"): a query word the table knows of few conditions (WEAK_CONDITIONS) also speaks
through its WordNet synonyms that the table knows (`indexer.text.synonyms.wordnet_bridges`), each
counting BRIDGE_WEIGHT of the word (its hypernyms HYPERNYM_SHARE of that).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from pathlib import Path

import numpy as np

from indexer.index import conditions as table
from indexer.index.ranking import RankData
from indexer.search.focus import focus_index
from indexer.text.synonyms import wordnet_bridges

RELATIVE = 0.5  # conditions scoring at least this share of the best one are boosted
TOP = 10  # and at most this many
SHARPNESS = 0.75  # a kept condition weighs (its score / the best one's) to this power: below 1
# the runners-up keep more of the best one's weight (0.5-0.75 gain lay, 0.25 loses MEDIQA)
TERM_POWER = 1.0  # a query word counts (how much the query means it) to this power
MIN_SUPPORT = 2  # a condition counts when this many of the query's words point to it (one
# word alone is a name, the gazetteer's job), unless the query has fewer words
BRIDGE_WEIGHT = 1.0  # a weak query word's WordNet synonyms count this share of it (0: none;
# tune.py --all-sets: 0.5 and 1.0 gain lay P@1 on both folds (.550 .525 -> .575 .550), 1.5
# loses fold 2, no other set moves)
HYPERNYM_SHARE = 0.5  # a WordNet hypernym counts this share of BRIDGE_WEIGHT (0.25-0.5 gain
# fold 2's hypernym query, 0 and 1.0 do not)
# A bridged term touches a condition on its own: a word whose synonym the condition also says
# is two words' support (counting a word and its bridges as one touch lost fold 2's hypernym
# query and moved nothing else; bench/results/issueF-lay4.md)
WEAK_CONDITIONS = 20  # a query word the table knows of at most this many conditions is weak
# (of ~5,300 on MedQuAD; 20 and 80 the same, 0 (only absent words) gains nothing, 300 loses)
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
    min_terms = min(MIN_SUPPORT, len(term_weights))  # (the query's own words)
    if BRIDGE_WEIGHT > 0:
        term_weights = _bridged(data, found, term_weights)
    alone = frozenset(t for t in term_weights
                      if 0 < found.n_conditions(t) <= ALONE_MAX_CONDITIONS
                      ) if ALONE_MAX_CONDITIONS > 0 else frozenset()  # (0: no term is asked)
    keys, scores = found.supported(term_weights, n_keys, min_terms, alone)
    best = float(scores.max()) if len(scores) else 0.0  # (the others score 0)
    if best <= 0:
        return None
    keep = (scores >= RELATIVE * best).nonzero()[0]
    if len(keep) > TOP:  # the TOP best (ties: the lower key)
        keep = top_keys(keep, scores[keep], TOP)
    share = (scores[keep] / best).astype(np.float32)  # (as stored in the float32 result)
    if SHARPNESS != 1.0:
        share **= SHARPNESS
    out = np.zeros(n_keys, np.float32)
    out[keys[keep]] = share
    return out


def top_keys(keys: np.ndarray, values: np.ndarray, top: int) -> np.ndarray:
    """The `top` of `keys` (ascending) with the highest `values` (one per key), ties to the
    lower key, in ascending order: the keys of `keys[np.argsort(-values, kind="stable")[:top]]`
    without sorting them all (a query's words can touch thousands of conditions)."""
    if len(keys) <= top:
        return keys
    kth = np.partition(values, len(values) - top)[len(values) - top]
    chosen = values > kth
    ties = np.flatnonzero(values == kth)[:top - int(np.count_nonzero(chosen))]
    chosen[ties] = True
    return keys[chosen]


def _bridged(data: RankData, found: table.ConditionTable,
             term_weights: dict[int, float]) -> dict[int, float]:
    """`term_weights` with the synonyms (and hypernyms) of its weak words added (BRIDGE_WEIGHT
    of the word; a term already in the query keeps its own weight)."""
    src, ptr, dst, hyper = _bridges(data, found)
    if not len(src):
        return term_weights
    out = dict(term_weights)
    for tid, w in term_weights.items():
        if found.n_conditions(tid) > WEAK_CONDITIONS:
            continue
        i = bisect_left(src, tid)
        if i < len(src) and src[i] == tid:
            a, b = ptr[i], ptr[i + 1]
            for syn, up in zip(dst[a:b], hyper[a:b], strict=True):
                share = HYPERNYM_SHARE if up else 1.0
                weight = BRIDGE_WEIGHT * share * w
                if syn not in term_weights and share > 0 and weight > out.get(syn, 0.0):
                    out[syn] = weight
    return out


def _bridges(data: RankData, found: table.ConditionTable
             ) -> tuple[array[int], array[int], array[int], array[int]]:
    """(source term ids ascending, offsets, target term ids, whether a target is a hypernym):
    for each term of the generation's vocabulary that WordNet bridges, its synonyms and
    hypernyms that the table knows. Made once per generation (kept on its table), as flat
    arrays of Python ints (a query looks up its few weak words with `bisect`: ~0.1 MB)."""
    made = getattr(found, "bridges", None)
    if made is not None:
        return made  # type: ignore[no-any-return]
    rows: list[tuple[int, int, int]] = []
    term_id = data.term_id
    for word, (syns, above) in wordnet_bridges().items():
        tid = term_id(word)
        if tid is None:
            continue
        for kind, targets in ((0, syns), (1, above)):
            for t in targets:
                to = term_id(t)
                if to is not None and found.n_conditions(to) > 0:
                    rows.append((tid, to, kind))
    ordered = np.array(sorted(set(rows)), dtype=np.int64).reshape(-1, 3)
    src, first = np.unique(ordered[:, 0], return_index=True)
    ptr = np.append(first, len(ordered))
    made = (array("q", src.tobytes()), array("q", ptr.astype(np.int64).tobytes()),
            array("q", ordered[:, 1].tobytes()), array("q", ordered[:, 2].tobytes()))
    found.bridges = made
    return made


def warm(data: RankData) -> None:
    """Open the generation's table and list its acronym terms now (`indexer.search.entry.warm`),
    not on a visitor's first search."""
    found = condition_table(data)
    if found is not None:
        _acronym_terms(data)
        if BRIDGE_WEIGHT > 0:
            _bridges(data, found)
