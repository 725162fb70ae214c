"""Condition diversity: the first places of a keyword search show different conditions.

A keyword search that describes symptoms ("pain behind the knee") matches several sections
of one condition as well as a few other conditions. Ranked by score alone, the sections of
the condition that one typed word names best can fill the whole first screen and hide the
other candidates, when the visitor does not yet know which condition they have. So the first
`DIVERSE_PLACES` places of such a search hold at most `PER_CONDITION` records of each
condition (a record without a condition is a condition of its own); a record held back
keeps its order and follows right after those places, so nothing is lost: the best record
of each condition stays where it was or moves up, and its other sections come next.

Only keyword searches are diversified. A question or a message ("what are the treatments
for gout?") is ranked as a message (`Plan.min_match == 0`), and its right answers are often
several sections of one condition. So are those of a keyword search that is the name of the
condition listed first, with at most what it asks about it ("gout", "gout
treatment": every counted word is a word of one of that condition's names, or a question-type
cue of `indexer.text.qtypes`): it asked about that condition, and its sections stay together
(`NAMED_KEEPS`). A search that describes ("stinging after a long walk") is diversified even when a
condition's name shares one of its words.

The reordering looks at the first `DIVERSE_WINDOW` distinct records whatever the page
size, so that a page of 10 and a page of 20 list the same records in the same order.

The places, the share per condition and which searches are diversified were chosen by
cross-validation on every dev set (`bench/tune.py --all-sets`, bench/results/issueF-div6.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from indexer.index.ranking import RankData
from indexer.index.store import Session
from indexer.search.plan import Plan
from indexer.text.qtypes import question_types

DIVERSE_PLACES = 5  # the first places that show distinct conditions (0: off)
PER_CONDITION = 1  # records of one condition among those places
DIVERSE_WINDOW = 20  # distinct records looked at to fill them (any page size)
NAMED_KEEPS = True  # a keyword search that is the first condition's name is not diversified
NAME_TERMS_KEY = "diversify_name_terms"  # the generation's cache: focus key -> its names' terms


def applies(plan: Plan) -> bool:
    """Is a search of this plan diversified at all? A keyword search (`min_match` > 0)."""
    return DIVERSE_PLACES > 0 and PER_CONDITION > 0 and plan.min_match > 0


def first_places(s: Session, plan: Plan, rows: np.ndarray) -> np.ndarray:
    """`rows` of a keyword search (best first, at least `window` of them when there are)
    with distinct conditions in the first places, unless the search is the name of the
    first row's condition (`NAMED_KEEPS`). A search it diversifies says how many first
    places show distinct conditions in `plan.understood["conditions_first"]`."""
    if not len(rows) or (NAMED_KEEPS and names_first_condition(s, plan, int(rows[0]))):
        return rows
    out, firsts = diversify(s.data, rows)
    plan.understood["conditions_first"] = firsts
    return out


def names_first_condition(s: Session, plan: Plan, row: int) -> bool:
    """Is every counted word of the search a word of a name of `row`'s condition, or a
    question-type cue ("gout treatment" for a record about gout)?"""
    key = int(s.data.focus[row])
    if key < 0:
        return False
    table = _name_terms(s)
    named = False
    for clause in plan.clauses:
        if not clause.counts:
            continue
        if any(alt.terms and table.covers(key, alt.terms) for alt in clause.alternatives):
            named = True
        elif not question_types(clause.alternatives[0].text):
            return False
    return named


@dataclass(frozen=True)
class NameTerms:
    """Per focus key, the terms of its names, in arrays (a few hundred kB on MedQuAD, where
    a dict of frozensets of strings took 4.8 MB per process): the distinct terms sorted, as
    UTF-8 bytes (`vocab`), and each key's term ids, ascending, at
    `ids[starts[key]:starts[key + 1]]`."""

    vocab: np.ndarray  # sorted distinct terms (numpy bytes; UTF-8 keeps the order of str)
    starts: np.ndarray  # int64, one per key and one more
    ids: np.ndarray  # int32 positions in `vocab`

    def term_id(self, term: str) -> int:
        """`term`'s place in `vocab`, or -1."""
        raw = term.encode("utf-8")
        at = int(self.vocab.searchsorted(raw))
        return at if at < len(self.vocab) and self.vocab[at] == raw else -1

    def covers(self, key: int, terms: Iterable[str]) -> bool:
        """Is every one of `terms` a term of a name of `key`? (True for no terms.)"""
        if not 0 <= key < len(self.starts) - 1:
            return not any(True for _ in terms)
        own = self.ids[self.starts[key]:self.starts[key + 1]].tolist()
        return all(self.term_id(t) in own for t in terms)


def _name_terms(s: Session) -> NameTerms:
    """Per focus key of the generation: the terms of its names (its own and the
    gazetteer's), made once per generation."""
    return s.gen.cached(NAME_TERMS_KEY, lambda: _collect_name_terms(s.data))


def warm(s: Session) -> None:
    """Make the generation's name terms now (`indexer.search.entry.warm`): ~30 ms on
    MedQuAD that the first diversified search would otherwise wait for."""
    _name_terms(s)


def _collect_name_terms(data: RankData) -> NameTerms:
    acc: dict[int, set[str]] = {k: set(name.split()) for k, name in enumerate(data.focus_keys)}
    for name, keys in data.gazetteer.items():
        for k in keys:
            acc.setdefault(k, set()).update(name.split())
    vocab = sorted(set().union(*acc.values()))
    place = {t: i for i, t in enumerate(vocab)}
    n = max((k + 1 for k in acc if k >= 0), default=0)
    per_key = [sorted(place[t] for t in acc.get(k, ())) for k in range(n)]
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([len(ids) for ids in per_key], out=starts[1:])
    ids = np.fromiter(chain.from_iterable(per_key), dtype=np.int32, count=int(starts[-1]))
    raw = np.array([t.encode("utf-8") for t in vocab] or [b""], dtype=np.bytes_)
    return NameTerms(raw[:len(vocab)], starts, ids)


def window(need: int) -> int:
    """How many distinct records to rank for a page of `need`: at least the window."""
    return max(need, DIVERSE_WINDOW)


def diversify(data: RankData, rows: np.ndarray, places: int | None = None,
              per: int | None = None) -> tuple[np.ndarray, int]:
    """`rows` (best first) with their first `places` places holding at most `per` rows of
    one condition, taken in rank order from the first `DIVERSE_WINDOW` rows; the rows held
    back follow in their order, then the rest. Returns the new order and how many of its
    first places were filled that way (fewer than `places` when the window holds fewer
    conditions). Stable: a list that already shows distinct conditions is unchanged."""
    places = DIVERSE_PLACES if places is None else places
    per = PER_CONDITION if per is None else per
    if places <= 0 or per <= 0 or len(rows) <= 1:
        return rows, 0
    head = rows[:DIVERSE_WINDOW]
    conditions = data.focus[head].tolist()
    first: list[int] = []  # positions in `head` given the first places
    held: list[int] = []
    seen: dict[int, int] = {}
    for i, c in enumerate(conditions):
        if len(first) >= places:
            break
        key = c if c >= 0 else -1 - i  # (a record without a condition: its own)
        if seen.get(key, 0) >= per:
            held.append(i)
            continue
        seen[key] = seen.get(key, 0) + 1
        first.append(i)
    if not held:
        return rows, len(first)
    done = first[-1] + 1 if len(first) >= places else len(head)
    order = np.asarray(first + held, dtype=np.int64)
    out = np.concatenate([head[order], head[done:], rows[DIVERSE_WINDOW:]])
    return out, len(first)
