"""Every dev set in one run (issue F): qasearch and stock Whoosh BM25F side by side, with
cross-validated folds, as plain rows; one text table; the figures saved as JSON.

Sets: `lay` (lay searches over the MedQuAD evaluation corpus, condition level, also per kind),
`mediqa` (MEDIQA QA answers, plain and structured forms) and `liveqa` (the judged LiveQA
questions, original wording and NLM summary). A row is
    {"set", "system", "questions", "metrics": {name: value}, "folds": [{name: value}, ...],
     "fold_mean": {name: value}}
MEDIQA and LiveQA rows also have nDCG@10d, nDCG@10 over distinct answers (duplicates, as the
search collapses them, count once: `indexer.eval.liveqa`). Folds: LiveQA's own split
(`liveqa.split_qrels`), a hash split for the others (`eval.folds`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.eval import lay, mediqa
from indexer.eval.folds import fold_members
from indexer.eval.liveqa import LiveQAPaths, Metrics, Run, evaluate_run

SETS: tuple[str, ...] = ("lay", "mediqa", "liveqa")
QASEARCH, STOCK = "qasearch", "stock-whoosh"
LIMIT = 10  # every metric looks at the top 10 at most
HEADLINE = {"lay": ("P@1", "Success@3"), "mediqa": ("avgScore",), "liveqa": ("avgScore",)}
COLUMNS = ("P@1", "Success@3", "MRR@10", "avgScore", "nDCG@10", "nDCG@10d", "judged@10")
Progress = Callable[[str], None]


def _rnd(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in values.items()}


def make_row(set_name: str, system: str, questions: int, metrics: Mapping[str, float],
             folds: Sequence[Mapping[str, float]] = ()) -> dict[str, Any]:
    keys = list(metrics)
    mean = {k: sum(f[k] for f in folds) / len(folds) for k in keys} if folds else {}
    return {"set": set_name, "system": system, "questions": questions,
            "metrics": _rnd(metrics), "folds": [_rnd(f) for f in folds],
            "fold_mean": _rnd(mean)}


def _trec(m: Metrics) -> dict[str, float]:
    return {k: v for k, v in m.row().items() if k != "questions"}


@dataclass
class Harness:
    """What one evaluation run shares: paths, caches, the MedQuAD corpus (read once)."""

    shared: Path
    cache_dir: Path
    folds: int = 2
    baseline: bool = True
    say: Progress = field(default=lambda _msg: None)
    _medquad: list | None = field(default=None, init=False, repr=False)

    def medquad(self) -> list:
        if self._medquad is None:
            from indexer.eval.liveqa import eval_corpus

            self.say("reading the MedQuAD evaluation corpus")
            self._medquad = list(eval_corpus(LiveQAPaths.defaults(self.shared)))
        return self._medquad

    def qasearch_run(self, records: list, topics: list[tuple[str, str]], cache_dir: Path
                     ) -> Run:
        from indexer.eval.liveqa import cached_index, run_topics
        from indexer.index.store import IndexStore

        index_dir = cached_index(records, cache_dir)
        self.say(f"qasearch: {len(topics)} queries on {len(records)} records ({index_dir})")
        with IndexStore(index_dir).searcher() as s:
            return run_topics(s, topics, limit=LIMIT)

    def groups(self, records: list, cache_dir: Path) -> dict[str, str]:
        """The duplicate groups of qasearch's index of `records` (for nDCG@10d, counted the
        same way for every system: see `indexer.eval.liveqa`)."""
        from indexer.eval.liveqa import cached_index, duplicate_groups

        return duplicate_groups(cached_index(records, cache_dir))

    def stock_run(self, records: list, topics: list[tuple[str, str]]) -> Run:
        from indexer.eval.baseline import stock_run

        self.say(f"stock Whoosh: {len(topics)} queries on {len(records)} records")
        return stock_run(records, topics, self.cache_dir, limit=LIMIT)

    def systems(self) -> tuple[str, ...]:
        return (QASEARCH, STOCK) if self.baseline else (QASEARCH,)

    def runs(self, records: list, topics: list[tuple[str, str]], cache_dir: Path
             ) -> dict[str, Run]:
        out = {QASEARCH: self.qasearch_run(records, topics, cache_dir)}
        if self.baseline:
            out[STOCK] = self.stock_run(records, topics)
        return out


# --------------------------------------------------------------------------- the sets
def lay_rows(h: Harness) -> list[dict[str, Any]]:
    queries = lay.load_lay(h.shared / "data" / "lay" / "dev.jsonl")
    records = h.medquad()
    foci = lay.focus_of(records)
    parts = fold_members((q.qid for q in queries), h.folds) if h.folds > 1 else []
    rows, kind_rows = [], []
    for system, run in h.runs(records, lay.lay_topics(queries), h.cache_dir).items():
        m = lay.evaluate_lay(run, queries, foci)
        per_fold = [lay.evaluate_lay(run, [q for q in queries if q.qid in p], foci).values
                    for p in parts]
        rows.append(make_row("lay", system, m.queries, m.values, per_fold))
        kind_rows += [make_row(f"lay:{k}", system, m.kind_counts[k], v)
                      for k, v in m.per_kind.items()]
    return rows + sorted(kind_rows, key=lambda r: r["set"])


def mediqa_rows(h: Harness) -> list[dict[str, Any]]:
    questions = mediqa.load_mediqa(mediqa.default_files(h.shared))
    topics = mediqa.mediqa_topics(questions)
    parts = fold_members((q.qid for q in questions), h.folds) if h.folds > 1 else []
    rows = []
    for form in mediqa.FORMS:
        records, qrels = mediqa.mediqa_corpus(questions, form)
        cache = h.cache_dir / f"mediqa-{form}"
        runs = h.runs(records, topics, cache)
        groups = h.groups(records, cache)
        for system, run in runs.items():
            folds = [_trec(evaluate_run(run, {q: qrels[q] for q in p}, groups=groups))
                     for p in parts]
            rows.append(make_row(f"mediqa-{form}", system, len(qrels),
                                 _trec(evaluate_run(run, qrels, groups=groups)), folds))
    return rows


def liveqa_rows(h: Harness) -> list[dict[str, Any]]:
    from indexer.eval.datasets import load_qrels
    from indexer.eval.liveqa import liveqa_topics, split_qrels

    paths = LiveQAPaths.defaults(h.shared)
    qrels = load_qrels(paths.qrels)
    parts = split_qrels(qrels, h.folds) if h.folds > 1 else []
    rows = []
    for form in ("original", "summary"):
        topics = [(q, t) for q, t in liveqa_topics(paths.questions, form) if q in qrels]
        runs = h.runs(h.medquad(), topics, h.cache_dir)
        groups = h.groups(h.medquad(), h.cache_dir)
        for system, run in runs.items():
            folds = [_trec(evaluate_run(run, p, groups=groups)) for p in parts]
            rows.append(make_row(f"liveqa-{form}", system, len(qrels),
                                 _trec(evaluate_run(run, qrels, groups=groups)), folds))
    return rows


_SET_ROWS = {"lay": lay_rows, "mediqa": mediqa_rows, "liveqa": liveqa_rows}


def evaluate_all(shared: Path, cache_dir: Path, *, sets: Sequence[str] = SETS, folds: int = 2,
                 baseline: bool = True, say: Progress | None = None) -> list[dict[str, Any]]:
    """The rows of every set in `sets` (see the module docstring); `say` gets progress lines."""
    unknown = [s for s in sets if s not in _SET_ROWS]
    if unknown:
        raise ValueError(f"unknown set(s) {', '.join(unknown)}: expected {', '.join(SETS)}")
    h = Harness(Path(shared), Path(cache_dir), folds, baseline, say or (lambda _msg: None))
    return [row for name in sets for row in _SET_ROWS[name](h)]


# --------------------------------------------------------------------------- output
def _headline(row: Mapping[str, Any]) -> str:
    if not row["folds"]:
        return ""
    names = HEADLINE.get(row["set"].split("-")[0].split(":")[0], ())
    cells = []
    for name in names:
        per = " ".join(f"{f[name]:.3f}" for f in row["folds"])
        cells.append(f"{name} {per} | {row['fold_mean'][name]:.3f}")
    return "; ".join(cells)


def format_rows(rows: Sequence[Mapping[str, Any]]) -> str:
    """One plain-text table: a line per set and system, the metrics the set has, and the
    headline metric on each fold then their mean."""
    w_set = max([8, *(len(r["set"]) for r in rows)])
    w_sys = max([6, *(len(r["system"]) for r in rows)])
    head = f"{'set':<{w_set}}  {'system':<{w_sys}}{'n':>5}" + "".join(
        f"{c:>11}" for c in COLUMNS) + "  folds (each | mean)"
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = "".join(f"{r['metrics'][c]:>11.3f}" if c in r["metrics"] else f"{'':>11}"
                        for c in COLUMNS)
        lines.append(f"{r['set']:<{w_set}}  {r['system']:<{w_sys}}{r['questions']:>5}{cells}"
                     f"  {_headline(r)}".rstrip())
    return "\n".join(lines)


def save_rows(rows: Sequence[Mapping[str, Any]], out_dir: Path, *,
              params: Mapping[str, Any] | None = None, seconds: float | None = None) -> Path:
    """Write `{"created", "params", "seconds", "rows"}` to `out_dir/eval-<UTC time>.json`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = out_dir / f"eval-{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = out_dir / f"eval-{stamp}-{n}.json"
    payload = {"created": stamp, "params": dict(params or {}),
               "seconds": None if seconds is None else round(seconds, 1), "rows": list(rows)}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return path
