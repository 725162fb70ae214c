"""Duplicate groups among the entries of a question index.

Two kinds of group:

- **same question** (`SAME_QUESTION`): records that ask the same thing, found by comparing each
  record only with the records that share its rarest words or its focus (candidates through
  the question index's postings, summed in numpy: `candidates`), then joining mutual
  nearest neighbours whose similarity (`pairs`) reaches a threshold;
- **stock answer** (`STOCK_ANSWER`): records whose answers are identical (after normalising
  case and spacing) while their questions differ: one answer reused for several questions.
  They do not ask the same thing; the group is about the answer.

One item filed under several categories is one record (the parser merges it); records that
still share an item id or a URL are copies of one item, never duplicates of each other.

Each group has a canonical question (the member most similar to the others; in a group too
big to compare all pairs, the member whose words are most common in the group), its members
with their similarity to it, and the categories they are filed under.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.editors.duplicates.candidates import Candidates, comparable_many
from indexer.editors.duplicates.pairs import PairScorer
from indexer.editors.similar.features import Entry, subject_of, terms_of
from indexer.editors.similar.index import QuestionIndex
from indexer.progress import progress_bar

THRESHOLD = 0.72  # similarity at which two questions are taken as duplicates
NEIGHBOURS = 8  # nearest candidates kept per record
CANDIDATES = 40  # candidates scored per record
BATCH = 512  # records whose candidates are proposed together (`Candidates.top_many`)
ALL_PAIRS_MAX = 40  # bigger groups choose their canonical question by shared words

SAME_QUESTION = "same question"
STOCK_ANSWER = "stock answer"
KINDS = (SAME_QUESTION, STOCK_ANSWER)
KIND_LABELS = {  # what each kind means, for people
    SAME_QUESTION: "the same question asked more than once",
    STOCK_ANSWER: "one stock answer reused for different questions",
}

Progress = Callable[[int, int], None]  # (records done, records in all)


@dataclass
class Member:
    id: str
    question: str
    categories: list[list[str]]
    url: str
    source: str
    similarity: float  # to the canonical question (1.0 for the canonical itself)

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, written out (a build writes ~18k of them)."""
        return {"id": self.id, "question": self.question,
                "categories": [list(p) for p in self.categories], "url": self.url,
                "source": self.source, "similarity": self.similarity}


@dataclass
class Cluster:
    kind: str  # SAME_QUESTION or STOCK_ANSWER
    canonical_id: str
    canonical_question: str
    similarity: float  # mean similarity of the members to the canonical question
    members: list[Member]
    categories: list[list[str]] = field(default_factory=list)  # every path, each once
    shared_answer: bool = False  # all members carry one identical answer
    answer_start: str = ""  # the shared answer's first words (when shared_answer)

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, written out (its recursion cost ~0.1 s of a build)."""
        return {"kind": self.kind, "canonical_id": self.canonical_id,
                "canonical_question": self.canonical_question, "similarity": self.similarity,
                "members": [m.to_dict() for m in self.members],
                "categories": [list(p) for p in self.categories],
                "shared_answer": self.shared_answer, "answer_start": self.answer_start}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cluster:
        data = dict(d)
        data["members"] = [Member(**m) for m in d["members"]]
        return cls(**data)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.members]

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def _same_item(a: Entry, b: Entry) -> bool:
    """Copies of one archive item (cross-listed under several categories), not duplicates."""
    if a.item_id and a.item_id == b.item_id and a.source == b.source:
        return True
    return bool(a.url and a.url == b.url and a.question == b.question)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _subject_terms(question: str, terms: list[str]) -> list[str]:
    """`terms_of(subject_of(question))`, given `terms`, `terms_of(question)`: the same terms
    when the subject is the whole question (one sentence: most questions)."""
    subject = subject_of(question)
    if subject == question.strip():
        return terms
    return terms_of(subject)


def _neighbours(qi: QuestionIndex, scorer: PairScorer, threshold: float,
                report: Progress) -> list[dict[int, float]]:
    """Each entry's nearest candidates at or above `threshold` (at most NEIGHBOURS)."""
    entries = qi.entries
    cands = Candidates(qi)
    packed = qi.packed
    out: list[dict[int, float]] = []
    n = len(entries)
    for start in range(0, n, BATCH):
        batch = range(start, min(n, start + BATCH))
        queries = []
        for i in batch:
            # the record's question as a draft would see it: its terms, those of its
            # subject (first sentence) counting double, and its focus
            e = entries[i]
            question = packed.entry_terms(i).question  # = terms_of(e.question), done once
            tset = set(question)
            for f, _kind in e.focus:
                tset |= f
            queries.append((tset, frozenset(_subject_terms(e.question, question))))
        tops = comparable_many(cands, start, cands.top_many(queries, CANDIDATES), threshold)
        for i, top in zip(batch, tops, strict=True):
            scored = scorer.scores_at_least(i, top, threshold)
            scored.sort(reverse=True)
            out.append({j: s for s, j in scored[:NEIGHBOURS]})
            if i % 256 == 255 or i == n - 1:
                report(i + 1, n)
    return out


def find_duplicates(
    qi: QuestionIndex,
    *,
    threshold: float = THRESHOLD,
    progress: bool | Progress = False,
) -> list[Cluster]:
    """Duplicate groups among the entries of `qi`, biggest first. `progress`: a bar on
    stderr (True) or a callback `(done, total)` called as records are compared."""
    n = len(qi.entries)
    bar = None
    if callable(progress):
        report: Progress = progress
    else:
        bar = progress_bar(n, unit="rec", desc="duplicates", enabled=bool(progress),
                           mininterval=1.0)

        def report(done: int, _total: int) -> None:
            bar.update(done - bar.n)
    scorer = PairScorer(qi)
    try:
        neighbours = _neighbours(qi, scorer, threshold, report)
    finally:
        if bar is not None:
            bar.close()
    uf = _UnionFind(n)
    for i in range(n):
        for j in neighbours[i]:
            if i in neighbours[j]:  # mutual neighbours only: no long chains
                uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    clusters = [make_cluster(qi, scorer, members, SAME_QUESTION)
                for members in groups.values() if len(members) >= 2]
    clusters.extend(_stock_answer_clusters(qi, scorer, clusters))
    clusters.sort(key=lambda c: (-len(c.members), -c.similarity, c.canonical_id))
    return clusters


def _canonical(qi: QuestionIndex, idxs: Sequence[int],
               sim: Callable[[int, int], float]) -> int:
    entries = qi.entries
    if len(idxs) <= ALL_PAIRS_MAX:
        return max(idxs, key=lambda a: (sum(sim(a, b) for b in idxs), -len(entries[a].question),
                                        entries[a].id))
    counts: Counter[str] = Counter()
    for a in idxs:
        counts.update(entries[a].terms)
    return max(idxs, key=lambda a: (sum(counts[t] for t in entries[a].terms)
                                    / (1 + len(entries[a].terms)), entries[a].id))


def make_cluster(qi: QuestionIndex, scorer: PairScorer, idxs: Sequence[int],
                 kind: str) -> Cluster:
    """The group of entries `idxs` of `qi`: its canonical question, members, categories."""
    entries = qi.entries
    memo: dict[tuple[int, int], float] = {}

    def sim(a: int, b: int) -> float:
        if a == b:
            return 1.0
        key = (a, b) if a < b else (b, a)
        if key not in memo:
            memo[key] = scorer.similarity(*key)
        return memo[key]

    canon = _canonical(qi, idxs, sim)
    members = sorted(idxs, key=lambda b: (-sim(canon, b), entries[b].id))
    ms = [Member(id=entries[b].id, question=entries[b].question,
                 categories=entries[b].categories, url=entries[b].url,
                 source=entries[b].source, similarity=round(sim(canon, b), 4))
          for b in members]
    cats: dict[tuple[str, ...], None] = {}
    for b in members:
        for p in entries[b].categories:
            cats.setdefault(tuple(p), None)
    keys = {entries[b].answer_key for b in members}
    shared = len(keys) == 1 and "" not in keys
    others = [m.similarity for m in ms[1:]]
    return Cluster(
        kind=kind,
        canonical_id=entries[canon].id,
        canonical_question=entries[canon].question,
        similarity=round(sum(others) / len(others), 4) if others else 1.0,
        members=ms,
        categories=[list(p) for p in cats],
        shared_answer=shared,
        answer_start=entries[canon].answer_start if shared else "",
    )


def _stock_answer_clusters(qi: QuestionIndex, scorer: PairScorer,
                           found: Sequence[Cluster]) -> list[Cluster]:
    """Records sharing one identical answer whose questions were not already grouped."""
    by_answer: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(qi.entries):
        if e.answer_key:
            by_answer[e.answer_key].append(i)
    covered = {frozenset(c.ids) for c in found if c.shared_answer}
    out = []
    for idxs in by_answer.values():
        # copies of one item are not a reuse of the answer
        distinct: list[int] = []
        for i in idxs:
            if not any(_same_item(qi.entries[i], qi.entries[j]) for j in distinct):
                distinct.append(i)
        if len(distinct) < 2:
            continue
        if frozenset(qi.entries[i].id for i in distinct) in covered:
            continue
        out.append(make_cluster(qi, scorer, distinct, STOCK_ANSWER))
    return out


def clusters_for_records(records: Iterable[Any], **kw: Any) -> list[Cluster]:
    """The duplicate groups among `records` (`find_duplicates` options in `kw`)."""
    return find_duplicates(QuestionIndex.from_records(records), **kw)
