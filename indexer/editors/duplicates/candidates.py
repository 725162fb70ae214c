"""The candidates a record of a question index is compared with when duplicate groups are
made: the entries sharing most IDF mass with its question, found through the index's
postings in numpy (never all pairs), and the codes that rule a pair out before it is scored.

A question's words propose candidates rarest first, while their postings fit in
PROPOSE_POSTINGS (the rarest word always proposes); commoner words only add to the score of
the entries proposed. So the work per question stays bounded as the archive grows (a word
shared by thousands of questions, "symptom", would otherwise make every question visit
thousands of entries: quadratic in the archive's size). Equal scores are ordered by entry
index, so the candidates are the same on every machine (a selection over the whole array,
`np.argpartition`, chose among them by its own algorithm, which depends on the CPU's vector
instructions: MedQuAD's groups differed with AVX-512 off).

`Candidates.top_many` proposes for many questions at once: the proposing words' postings of
a batch of questions are summed in one sort and one `bincount` (the per-question `np.unique`
and `bincount` cost ~1 s of CPU on MedQuAD). Each score is the same sum, added up in the same
order (the question's words rarest first), as one question at a time gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from indexer.editors.duplicates.pairs import OTHER_TYPE_CAP
from indexer.editors.similar.index import QuestionIndex

PROPOSE_POSTINGS = 2_000  # postings of a record's rarest words that propose its candidates

# (the question's found words as (postings length, term, postings), rarest first; how many
# of them propose; their weights)
_Plan = tuple[list[tuple[int, str, np.ndarray]], int, list[float]]


class Candidates:
    """The question index's postings as numpy arrays, and per entry the codes that rule a
    pair out before it is scored (copies of one item, labelled question types that differ);
    see the module's docstring."""

    def __init__(self, qi: QuestionIndex) -> None:
        self.n = len(qi)
        self.idf = qi.idf
        p = qi.packed
        ptr, rows = p.post_ptr, p.post_rows
        self.postings = {t: np.asarray(rows[ptr[k]:ptr[k + 1]], dtype=np.int64)
                         for k, t in enumerate(p.terms)}
        self.idf_of = {t: float(p.idf[k]) for t, k in p.term_id.items()}  # = self.idf[t]
        self.item = _codes([(e.source, e.item_id) if e.item_id else None for e in qi.entries])
        self.copy = _codes([(e.url, e.question) if e.url else None for e in qi.entries])
        self.qtype = _codes([e.qtype or None for e in qi.entries], none=0)
        self._member = np.zeros(self.n, dtype=bool)  # a word's postings, while used

    def _plan(self, tset: Iterable[str], subject: frozenset[str]) -> _Plan:
        """The words of `tset` the index has, rarest first, how many propose, their weights."""
        postings = self.postings
        found = sorted((len(p), t, p) for t in tset if (p := postings.get(t)) is not None)
        if not found:
            return found, 0, []
        limit = PROPOSE_POSTINGS
        cut, total = 1, found[0][0]
        while cut < len(found) and total + found[cut][0] <= limit:
            total += found[cut][0]
            cut += 1
        idf = self.idf_of
        weights = [idf[t] * 2.0 if t in subject else idf[t] for _n, t, _p in found]
        return found, cut, weights

    def top(self, tset: Iterable[str], subject: frozenset[str], limit: int) -> np.ndarray:
        """Up to `limit` entries that share the most IDF mass with the terms `tset` (those of
        `subject` counting double), best first (equal mass: lower index first) when there
        are more than `limit`, else all of them in index order."""
        return self.top_many([(tset, subject)], limit)[0]

    def top_many(self, queries: Sequence[tuple[Iterable[str], frozenset[str]]],
                 limit: int) -> list[np.ndarray]:
        """`top(tset, subject, limit)` for each (tset, subject) of `queries`."""
        plans = [self._plan(tset, subject) for tset, subject in queries]
        parts: list[np.ndarray] = []
        weights: list[float] = []
        lengths: list[int] = []
        owners: list[int] = []
        for q, (found, cut, w) in enumerate(plans):
            for (size, _t, p), x in zip(found[:cut], w[:cut], strict=True):
                parts.append(p)
                weights.append(x)
                lengths.append(size)
                owners.append(q)
        if not parts:
            return [np.empty(0, dtype=np.int64) for _q in plans]
        # one key per (question, entry); a stable sort keeps each key's words in the order
        # they were listed (rarest first), and bincount adds them up in that order
        keys = np.repeat(np.asarray(owners, dtype=np.int64) * self.n, lengths)
        keys += np.concatenate(parts)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        first = np.empty(len(keys), dtype=bool)
        first[0] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        mass = np.bincount(np.cumsum(first) - 1,
                           weights=np.repeat(np.asarray(weights), lengths)[order])
        keys = keys[first]
        bounds = np.searchsorted(keys, np.arange(len(plans) + 1, dtype=np.int64) * self.n)
        cands = keys % self.n
        out = [cands[bounds[q]:bounds[q + 1]] for q in range(len(plans))]
        # questions with more candidates than `limit`: the mass of their other words added
        # (in each question's order of words), then the `limit` best
        many = [q for q in range(len(plans)) if bounds[q + 1] - bounds[q] > limit]
        self._add_common(plans, many, bounds, cands, mass)
        for q in many:
            lo, hi = bounds[q], bounds[q + 1]
            out[q] = _best(cands[lo:hi], mass[lo:hi], limit)
        return out

    def _add_common(self, plans: list[_Plan], many: list[int], bounds: np.ndarray,
                    cands: np.ndarray, mass: np.ndarray) -> None:
        """Add to `mass` the weight of the words that do not propose (the k-th of each
        question for k = 0, 1...: each sum in the question's order of words), for the
        questions `many`; one membership mask per word and step, shared by the questions
        that have it (a word that does not propose is a common one)."""
        member = self._member
        for k in range(max((len(plans[q][0]) - plans[q][1] for q in many), default=0)):
            by_word: dict[str, list[tuple[int, float]]] = {}
            for q in many:
                found, cut, w = plans[q]
                if cut + k < len(found):
                    by_word.setdefault(found[cut + k][1], []).append((q, w[cut + k]))
            for t, users in by_word.items():
                p = self.postings[t]
                member[p] = True
                for q, x in users:
                    lo, hi = bounds[q], bounds[q + 1]
                    acc = mass[lo:hi]
                    np.add(acc, x, out=acc, where=member[cands[lo:hi]])
                member[p] = False

    def comparable(self, i: int, cands: np.ndarray, threshold: float) -> np.ndarray:
        """`cands` without `i` itself, copies of its item (`cluster._same_item`) and, when
        `threshold` is above what a pair of different types can score, the labelled
        questions of another type than `i`'s (both typed: the type part is 0, so the
        similarity is capped at OTHER_TYPE_CAP)."""
        keep = (cands != i) & (self.item[cands] != self.item[i]) & (self.copy[cands]
                                                                     != self.copy[i])
        qt = self.qtype[i]
        if qt and threshold > OTHER_TYPE_CAP:
            other = self.qtype[cands]
            keep &= (other == 0) | (other == qt)
        return cands[keep]


def comparable_many(c: Candidates, first: int, tops: Sequence[np.ndarray],
                    threshold: float) -> list[list[int]]:
    """`c.comparable(first + k, tops[k], threshold).tolist()` for each k, in one pass over
    all of them."""
    if not tops:
        return []
    sizes = [len(t) for t in tops]
    cands = np.concatenate(tops)
    owner = np.repeat(np.arange(first, first + len(tops), dtype=np.int64), sizes)
    keep = (cands != owner) & (c.item[cands] != c.item[owner]) & (c.copy[cands]
                                                                  != c.copy[owner])
    if threshold > OTHER_TYPE_CAP:
        qt, other = c.qtype[owner], c.qtype[cands]
        keep &= (qt == 0) | (other == 0) | (other == qt)
    kept = cands[keep].tolist()
    ends = np.cumsum(np.bincount(owner[keep] - first, minlength=len(tops))).tolist()
    return [kept[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]


def _best(cands: np.ndarray, acc: np.ndarray, limit: int) -> np.ndarray:
    """The `limit` entries of `cands` (in index order) with the most mass `acc`, best first,
    equal mass in index order: those at or above the `limit`-th best mass (a value, the same
    whichever way `np.partition` finds it), sorted by mass with a stable sort."""
    if limit <= 0:
        return cands[:0]
    neg = -acc
    kth = np.partition(neg, limit - 1)[limit - 1]
    keep = np.flatnonzero(neg <= kth)
    return cands[keep[np.argsort(neg[keep], kind="stable")[:limit]]]


def _codes(keys: Sequence[Any], none: int | None = None) -> np.ndarray:
    """An int per key, equal for equal keys; a None key gets `none`, or else a code of its
    own (equal to no other)."""
    seen: dict[Any, int] = {}
    out = np.empty(len(keys), dtype=np.int64)
    for i, k in enumerate(keys):
        if k is None:
            out[i] = none if none is not None else -1 - i
        else:
            out[i] = seen.setdefault(k, len(seen) + 1)
    return out
