"""Duplicate clusters: groups of archived records that ask the same thing.

Two kinds of group are reported:

- **same question**: records whose questions are about the same condition (focus) and ask the
  same kind of thing (question type), found by comparing each record only with the records that
  share its rarest words or its focus (candidate generation through the question index, never
  all pairs), then joining mutual nearest neighbours whose similarity reaches a threshold;
- **stock answer**: records whose answers are identical (after normalising case and spacing)
  while their questions differ: one expert answer reused for several questions.

One item filed under several categories is one record (the parser merges it: issue A); records
that still share an item id or a URL are copies of one item, never duplicates of each other.

Each cluster has a canonical question (the member most similar to the others), its members with
their similarity to it, and the categories they are filed under. `indexer.editors.report`
renders them (JSON, CSV, HTML).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.editors.similar.features import Entry, fold7, make_draft, type_similarity
from indexer.editors.similar.index import QuestionIndex
from indexer.editors.similar.service import question_index
from indexer.progress import progress_bar
from indexer.records import Record

THRESHOLD = 0.72  # similarity at which two questions are taken as duplicates
NEIGHBOURS = 8  # nearest candidates kept per record
CANDIDATES = 40  # candidates scored per record

MAX_FOCI_PER_CUI = 4  # MedQuAD check: CUIs on more distinct foci are generic concepts

SAME_QUESTION = "same question"
STOCK_ANSWER = "stock answer"


@dataclass
class Member:
    id: str
    question: str
    categories: list[list[str]]
    url: str
    source: str
    similarity: float  # to the canonical question (1.0 for the canonical itself)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Cluster:
    kind: str  # SAME_QUESTION or STOCK_ANSWER
    canonical_id: str
    canonical_question: str
    similarity: float  # mean similarity of the members to the canonical question
    members: list[Member]
    categories: list[list[str]] = field(default_factory=list)  # every path, each once
    shared_answer: bool = False  # all members carry one identical answer

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.members]


# ---------------------------------------------------------------------------------------------
# Pair similarity.


def _wjacc(qi: QuestionIndex, a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    inter = sum(qi.weight(t) for t in sa & sb)
    union = sum(qi.weight(t) for t in sa | sb)
    return inter / union if union else 0.0


def _marks(terms: Iterable[str]) -> frozenset[str]:
    """Numbers and short codes that tell variants apart ("type 2", "ataxia 3", "hepatitis b")."""
    return frozenset(t for t in terms if t.isdigit() or len(t) <= 2)


def _focus_similarity(qi: QuestionIndex, a: Entry, b: Entry) -> float:
    best = 0.0
    for fa, _ka in a.focus:
        for fb, _kb in b.focus:
            sim = _wjacc(qi, fa, fb)
            ma, mb = _marks(fa), _marks(fb)
            if ma and mb and ma != mb:
                sim *= 0.3  # "type 1" is not "type 2"
            best = max(best, sim)
    return best


def _cosine(qi: QuestionIndex, a: Iterable[str], b: Iterable[str]) -> float:
    wa: dict[str, float] = {}
    wb: dict[str, float] = {}
    for t in a:
        wa[fold7(t)] = max(wa.get(fold7(t), 0.0), qi.weight(t))
    for t in b:
        wb[fold7(t)] = max(wb.get(fold7(t), 0.0), qi.weight(t))
    dot = sum(w * wb[k] for k, w in wa.items() if k in wb)
    na = sum(w * w for w in wa.values()) ** 0.5
    nb = sum(w * w for w in wb.values()) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def pair_similarity(qi: QuestionIndex, a: Entry, b: Entry) -> float:
    """How much two archived questions ask the same thing, 0..1 (symmetric): the same
    condition (focus, 50%), the same words (30%) and the same question type (20%; labelled
    MedQuAD types must be equal)."""
    labelled = a.focus and b.focus and a.focus[0][1] == "focus" and b.focus[0][1] == "focus"
    if labelled:
        focus = _focus_similarity(qi, a, b)
        terms = _wjacc(qi, a.terms, b.terms)
    else:  # free-text questions (an archive): the words they share, weighted by rarity, in
        # the whole text or in what each asks (headline and question sentences, no story)
        c = max(_cosine(qi, a.terms, b.terms), _cosine(qi, a.core or a.terms, b.core or b.terms))
        focus = terms = min(1.0, c * 1.6)
    ma, mb = _marks(a.terms), _marks(b.terms)
    if ma and mb and ma != mb:
        terms *= 0.3
    if a.qtype and b.qtype:
        type_sim = 1.0 if a.qtype == b.qtype else 0.0
    else:
        type_sim = type_similarity(a.types, b.types)
        if _top_type(a.types) != _top_type(b.types):
            type_sim = min(type_sim, 0.3)
    sim = 0.5 * focus + 0.3 * terms + 0.2 * type_sim
    if type_sim < 0.5:
        sim = min(sim, 0.6)  # a different question about the same condition
    return round(sim, 4)


def _top_type(types: dict[str, float]) -> str:
    """The most likely specific type (treatment, causes...); "information" only when the
    question has no other (every question with a cue also asks about its condition a bit)."""
    specific = [(w, g) for g, w in types.items() if g != "information"]
    return max(specific)[1] if specific else "information"


def _same_item(a: Entry, b: Entry) -> bool:
    """Copies of one archive item (cross-listed under several categories), not duplicates."""
    if a.item_id and a.item_id == b.item_id and a.source == b.source:
        return True
    return bool(a.url and a.url == b.url and a.question == b.question)


# ---------------------------------------------------------------------------------------------
# Clustering.


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


def find_duplicates(
    qi: QuestionIndex,
    *,
    threshold: float = THRESHOLD,
    progress: bool = False,
) -> list[Cluster]:
    """Duplicate clusters among the entries of `qi`, biggest first."""
    entries = qi.entries
    n = len(entries)
    neighbours: list[dict[int, float]] = [{} for _ in range(n)]
    bar = progress_bar(n, unit="rec", desc="duplicates", enabled=progress, mininterval=1.0)
    for i, e in enumerate(entries):
        d = make_draft(e.question)
        d_tset = d.tset
        for _f, _kind in e.focus:
            d_tset = d_tset | _f
        d.tset = frozenset(d_tset)
        scored = []
        for j in qi.candidates(d, CANDIDATES):
            if j == i or _same_item(e, entries[j]):
                continue
            sim = pair_similarity(qi, e, entries[j])
            if sim >= threshold:
                scored.append((sim, j))
        scored.sort(reverse=True)
        neighbours[i] = {j: s for s, j in scored[:NEIGHBOURS]}
        bar.update(1)
    bar.close()
    uf = _UnionFind(n)
    for i in range(n):
        for j in neighbours[i]:
            if i in neighbours[j]:  # mutual neighbours only: no long chains
                uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    clusters = []
    for members in groups.values():
        if len(members) < 2:
            continue
        clusters.append(_cluster(qi, members, SAME_QUESTION))
    clusters.extend(_stock_answer_clusters(qi, clusters))
    clusters.sort(key=lambda c: (-len(c.members), -c.similarity, c.canonical_id))
    return clusters


def _cluster(qi: QuestionIndex, idxs: Sequence[int], kind: str) -> Cluster:
    entries = qi.entries
    sims = {
        (a, b): pair_similarity(qi, entries[a], entries[b]) for a in idxs for b in idxs if a < b
    }

    def sim(a: int, b: int) -> float:
        return 1.0 if a == b else sims[(min(a, b), max(a, b))]

    canon = max(idxs, key=lambda a: (sum(sim(a, b) for b in idxs), -len(entries[a].question),
                                     entries[a].id))
    members = sorted(idxs, key=lambda b: (-sim(canon, b), entries[b].id))
    ms = [
        Member(
            id=entries[b].id,
            question=entries[b].question,
            categories=entries[b].categories,
            url=entries[b].url,
            source=entries[b].source,
            similarity=round(sim(canon, b), 4),
        )
        for b in members
    ]
    cats: dict[tuple[str, ...], None] = {}
    for b in members:
        for p in entries[b].categories:
            cats.setdefault(tuple(p), None)
    keys = {entries[b].answer_key for b in members}
    others = [m.similarity for m in ms[1:]]
    return Cluster(
        kind=kind,
        canonical_id=entries[canon].id,
        canonical_question=entries[canon].question,
        similarity=round(sum(others) / len(others), 4) if others else 1.0,
        members=ms,
        categories=[list(p) for p in cats],
        shared_answer=len(keys) == 1 and "" not in keys,
    )


def _stock_answer_clusters(qi: QuestionIndex, found: Sequence[Cluster]) -> list[Cluster]:
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
        c = _cluster(qi, distinct, STOCK_ANSWER)
        c.shared_answer = True
        out.append(c)
    return out


# ---------------------------------------------------------------------------------------------
# Over the search index (cached per generation).

_LOCK = threading.Lock()
_MEMO: dict[int, list[Cluster]] = {}


def duplicate_clusters(s: Any) -> list[Cluster]:
    """The duplicate clusters of the index that session `s` sees (computed once per index
    generation and kept with its question index)."""
    qi = question_index(s)
    with _LOCK:
        clusters = getattr(qi, "duplicate_clusters", None)
        if clusters is None:
            clusters = find_duplicates(qi)
            qi.duplicate_clusters = clusters  # type: ignore[attr-defined]
    return clusters


def clusters_for_records(records: Iterable[Record], **kw: Any) -> list[Cluster]:
    """The duplicate clusters among `records` (`find_duplicates` options in `kw`)."""
    return find_duplicates(QuestionIndex.from_records(records), **kw)


# ---------------------------------------------------------------------------------------------
# The MedQuAD check: same focus CUI and question type, from different sources.


def medquad_check(qi: QuestionIndex, clusters: Sequence[Cluster]) -> dict[str, Any]:
    """Precision and recall of the clusters' cross-source pairs against the pairs of records
    from different sources that share a focus CUI and a question type."""
    entries = qi.entries
    gold: set[tuple[str, str]] = set()
    # a CUI annotated on many different foci is a generic concept ("Syndrome"), not a focus
    foci: dict[str, set[frozenset[str]]] = defaultdict(set)
    for e in entries:
        for cui in set(e.cuis):
            foci[cui].add(e.focus[0][0] if e.focus else frozenset())
    by_key: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in entries:
        if e.qtype:
            for cui in set(e.cuis):
                if len(foci[cui]) <= MAX_FOCI_PER_CUI:
                    by_key[(cui, e.qtype)].append(e)
    for group in by_key.values():
        for a in group:
            for b in group:
                if a.id < b.id and a.source != b.source:
                    gold.add((a.id, b.id))
    source = {e.id: e.source for e in entries}
    pred: set[tuple[str, str]] = set()
    for c in clusters:
        if c.kind != SAME_QUESTION:
            continue
        ids = c.ids
        for a in ids:
            for b in ids:
                if a < b and source[a] != source[b]:
                    pred.add((a, b))
    tp = len(gold & pred)
    return {
        "gold_pairs": len(gold),
        "predicted_pairs": len(pred),
        "true_positives": tp,
        "precision": round(tp / len(pred), 4) if pred else 0.0,
        "recall": round(tp / len(gold), 4) if gold else 0.0,
    }
