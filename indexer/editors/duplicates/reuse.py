"""Reusing the previous generation's duplicate groups when the questions did not change.

Which records ask the same thing depends only on the question side of the records (question,
title, focus, synonyms, question type, categories, url, source and item id, in input order:
candidates, rarities and similarities are computed from those alone) and on the code that
compares them. The answers only decide which groups share one answer and the "stock answer"
groups. So an index build whose records differ from the previous generation's in their
answers only (an editor corrects answers, a re-import with updated answer texts) does not
compare every question again:

- `inputs_digest(records)` is a digest of the question side of `records` in order, of the
  threshold, and of the source of the code and data the groups are computed with; it is
  stored with the groups (`store.write_groups`);
- `reuse(previous, records)` returns the groups of the previous generation when its digest is
  the same: the same-question groups as they were, their "all members share one answer" mark
  and the answer's first words recomputed from the new answers, and the stock-answer groups
  found again by grouping the new answers; a stock-answer group that was not there before
  gets its canonical question and similarities computed (only its members are compared; the
  question index is built for their rarities). The result is the one a full computation
  gives (tests/index/test_build_duplicates.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.editors.duplicates.cluster import (
    SAME_QUESTION,
    STOCK_ANSWER,
    THRESHOLD,
    Cluster,
    make_cluster,
)
from indexer.editors.duplicates.pairs import PairScorer
from indexer.editors.similar.features import answer_key, answer_start
from indexer.editors.similar.index import QuestionIndex
from indexer.records import Record

_PACKAGE = Path(__file__).resolve().parent.parent.parent  # indexer/
_CODE_DIRS = ("editors/duplicates", "editors/similar", "text")
_DATA_MAX_BYTES = 200_000  # data files the comparisons may read (cue tables, weights)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code and data files the groups are computed with: a change to how
    questions are compared makes the next build compute the groups again."""
    h = hashlib.sha256()
    files = [p for d in _CODE_DIRS for p in sorted((_PACKAGE / d).glob("*.py"))]
    files += [p for p in sorted((_PACKAGE / "data").iterdir())
              if p.is_file() and p.stat().st_size <= _DATA_MAX_BYTES]
    for path in files:
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def compared(records: Sequence[Record]) -> list[Record]:
    """The records the groups are computed among (those with a question or a title), in
    order: `QuestionIndex.from_records`' choice."""
    return [r for r in records if r.question or r.title]


def inputs_digest(records: Sequence[Record]) -> str:
    """A digest of everything but the answers that the groups among `records` depend on."""
    h = hashlib.sha256()
    h.update(f"{code_digest()}|{THRESHOLD!r}|".encode())
    for r in compared(records):
        side = [r.id, r.question, r.title, r.focus, r.synonyms, r.qtype, r.categories, r.url,
                r.source, r.item_id, r.cuis]
        h.update(json.dumps(side, ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class _Item:
    """What tells copies of one archive item apart (`cluster._same_item`'s fields)."""

    item_id: str
    source: str
    url: str
    question: str


def _same_item(a: _Item, b: _Item) -> bool:
    if a.item_id and a.item_id == b.item_id and a.source == b.source:
        return True
    return bool(a.url and a.url == b.url and a.question == b.question)


def reuse(previous: dict[str, Any], records: list[Record]) -> list[Cluster] | None:
    """The groups among `records` from the stored groups `previous` (the parsed file of the
    previous generation), or None when they must be computed again."""
    if previous.get("threshold") != THRESHOLD or previous.get("inputs") != inputs_digest(records):
        return None
    old = [Cluster.from_dict(c) for c in previous["clusters"]]
    recs = compared(records)
    by_id = {r.id: r for r in recs}
    keys = {r.id: answer_key(r.answer) for r in recs}

    same: list[Cluster] = []
    for c in old:
        if c.kind != SAME_QUESTION:
            continue
        shared = len({keys[i] for i in c.ids}) == 1 and keys[c.canonical_id] != ""
        start = answer_start(by_id[c.canonical_id].answer) if shared else ""
        same.append(replace(c, shared_answer=shared, answer_start=start))

    old_stock = {frozenset(c.ids): c for c in old if c.kind == STOCK_ANSWER}
    covered = {frozenset(c.ids) for c in same if c.shared_answer}
    by_answer: dict[str, list[Record]] = defaultdict(list)
    for r in recs:
        if keys[r.id]:
            by_answer[keys[r.id]].append(r)
    stock: list[Cluster] = []
    fresh = _Fresh(recs)
    for group in by_answer.values():
        distinct: list[_Item] = []
        ids: list[str] = []
        for r in group:
            item = _Item(r.item_id, r.source, r.url, r.display_question)
            if not any(_same_item(item, d) for d in distinct):
                distinct.append(item)
                ids.append(r.id)
        if len(ids) < 2 or frozenset(ids) in covered:
            continue
        was = old_stock.get(frozenset(ids))
        if was is None:
            stock.append(fresh.cluster(ids))
        else:
            stock.append(replace(was, shared_answer=True,
                                 answer_start=answer_start(by_id[was.canonical_id].answer)))
    clusters = same + stock
    clusters.sort(key=lambda c: (-len(c.members), -c.similarity, c.canonical_id))
    return clusters


class _Fresh:
    """Stock-answer groups that were not there before, compared as `find_duplicates` does
    (the question index over every record is built on first use, for its rarities)."""

    def __init__(self, recs: list[Record]) -> None:
        self.recs = recs
        self.qi: QuestionIndex | None = None
        self.scorer: PairScorer | None = None

    def cluster(self, ids: list[str]) -> Cluster:
        if self.qi is None:
            self.qi = QuestionIndex.from_records(self.recs)
            self.scorer = PairScorer(self.qi)
        return make_cluster(self.qi, self.scorer, [self.qi.by_id[i] for i in ids],
                            STOCK_ANSWER)
