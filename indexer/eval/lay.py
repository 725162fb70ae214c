"""Lay searches scored at condition level (issue F): the searches visitors type ("pounding
headache every morning") against the MedQuAD evaluation corpus of `indexer.eval.liveqa`.

A hit is right when its record's focus is one of the query's `relevant_foci` (compared after
`indexer.records.normalise_text`: case and whitespace folded). Per query:
  P@1        the top hit is right
  Success@3  a right hit within the top 3
  MRR@10     1 / rank of the first right hit within the top 10
Averaged over every query (a query the run has no line for scores 0), overall and per `kind`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.records import Record, normalise_text

METRICS: tuple[str, ...] = ("P@1", "Success@3", "MRR@10")
KINDS: tuple[str, ...] = ("symptom", "condition-name", "question", "treatment", "medicine")


@dataclass
class LayQuery:
    """One lay search and the MedQuAD foci that answer it."""

    qid: str
    query: str
    relevant_foci: list[str]
    kind: str = ""
    typo: bool = False

    @property
    def relevant_keys(self) -> frozenset[str]:
        return frozenset(focus_key(f) for f in self.relevant_foci)


def focus_key(name: str) -> str:
    """How foci are compared: NFKC, case-folded, whitespace folded."""
    return normalise_text(name)


def load_lay(path: str | Path) -> list[LayQuery]:
    """Read `dev.jsonl`-style lines `{"qid", "query", "relevant_foci", "kind", "typo"}`.
    Blank lines are skipped; a bad line (or a repeated qid) raises ValueError naming it."""
    path = Path(path)
    out: list[LayQuery] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                q = _lay_query(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise ValueError(f"{path}:{lineno}: not a lay query: {exc}") from exc
            if q.qid in seen:
                raise ValueError(f"{path}:{lineno}: qid {q.qid!r} given twice")
            seen.add(q.qid)
            out.append(q)
    return out


def _lay_query(data: Any) -> LayQuery:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    foci = data["relevant_foci"]
    if not isinstance(foci, list) or not foci or not all(isinstance(f, str) for f in foci):
        raise ValueError("relevant_foci must be a non-empty list of names")
    qid, query = str(data["qid"]).strip(), data["query"]
    if not qid or not isinstance(query, str) or not query.strip():
        raise ValueError("qid and query must be non-empty")
    return LayQuery(qid=qid, query=query, relevant_foci=foci, kind=str(data.get("kind", "")),
                    typo=bool(data.get("typo", False)))


def focus_of(records: Iterable[Record]) -> dict[str, str]:
    """record id -> focus key (records without a focus are left out)."""
    return {r.id: focus_key(r.focus) for r in records if r.focus}


def unknown_foci(queries: Iterable[LayQuery], foci: Mapping[str, str]) -> dict[str, list[str]]:
    """qid -> the relevant foci no record of the corpus has (a data check: such a name can
    never be hit)."""
    known = set(foci.values())
    out = {}
    for q in queries:
        missing = [f for f in q.relevant_foci if focus_key(f) not in known]
        if missing:
            out[q.qid] = missing
    return out


def query_metrics(ranked: Sequence[str], relevant: frozenset[str],
                  foci: Mapping[str, str]) -> dict[str, float]:
    """P@1, Success@3 and MRR@10 of one ranking (record ids, best first)."""
    right = [foci.get(doc, "") in relevant for doc in ranked[:10]]
    first = next((i for i, ok in enumerate(right, 1) if ok), 0)
    return {
        "P@1": 1.0 if first == 1 else 0.0,
        "Success@3": 1.0 if 0 < first <= 3 else 0.0,
        "MRR@10": 1.0 / first if first else 0.0,
    }


@dataclass
class LayMetrics:
    queries: int
    values: dict[str, float]
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    kind_counts: dict[str, int] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


def mean_rows(rows: Iterable[Mapping[str, float]], keys: Sequence[str]) -> dict[str, float]:
    """The mean of each key over `rows` (zeros when there are none)."""
    rows = list(rows)
    n = len(rows) or 1
    return {k: sum(r[k] for r in rows) / n for k in keys}


def evaluate_lay(run: Mapping[str, Sequence[Any]], queries: Sequence[LayQuery],
                 foci: Mapping[str, str]) -> LayMetrics:
    """Average the metrics over `queries`; run entries are ids or (id, score) pairs."""
    per: dict[str, dict[str, float]] = {}
    for q in queries:
        ranked = [d if isinstance(d, str) else d[0] for d in run.get(q.qid, [])]
        per[q.qid] = query_metrics(ranked, q.relevant_keys, foci)
    kinds = sorted({q.kind for q in queries},
                   key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
    per_kind = {k: mean_rows((per[q.qid] for q in queries if q.kind == k), METRICS)
                for k in kinds}
    counts = {k: sum(1 for q in queries if q.kind == k) for k in kinds}
    return LayMetrics(queries=len(per), values=mean_rows(per.values(), METRICS),
                      per_kind=per_kind, kind_counts=counts, per_query=per)


def lay_topics(queries: Iterable[LayQuery]) -> list[tuple[str, str]]:
    """(qid, query) pairs for `indexer.eval.liveqa.run_topics` or the stock baseline."""
    return [(q.qid, q.query) for q in queries]
