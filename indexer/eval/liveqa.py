"""Measuring ranking quality: TREC runs, the LiveQA metrics, and the evaluation corpus.

Metrics (per question, then averaged over every question of the qrels file; a question
the run has no line for scores 0):
  avgScore   grade - 1 of the top hit (grades 1..4; an unjudged hit counts 0)
  P@1        top hit graded >= 3
  MRR@10     1 / rank of the first hit graded >= 3 within the top 10
  nDCG@10    gain = grade - 1, log2 discount, ideal from the judged grades
  judged@10  share of the top 10 that have a judgment
  nDCG@10d   nDCG@10 over distinct answers (only when duplicate groups are given, below)

Duplicates (issue F, item 4). qasearch lists near-identical records (same condition and
section, or the same answer words) as one hit that names the others ("also in"). Plain
nDCG@10 cannot credit that: its ideal ranking holds every judged copy, so a list that shows
each answer once can never reach it, and a list that repeats an answer is rewarded for the
repeat. We do not expand a hit into its copies either (the page shows one answer there; the
copies are links under it). So both are reported: nDCG@10 as the lists stand, and nDCG@10d,
where an answer counts once: the ideal takes each duplicate group once (at its best grade)
and a record of a group already listed higher gains nothing (for every system alike: stock
Whoosh's repeats count nothing either). A hit's own grade is what counts (the answer shown),
never its copies'. The groups are the index's own (`duplicate_groups`). avgScore, P@1 and
MRR@10 look at the first hit or the first relevant one and need no such rule.

Folds: the dev questions split into disjoint parts by number (`fold_of`), so that a setting
chosen on one part can be checked on another (with 52 questions, a change of a few hundredths
is noise; one that holds on both halves is less likely to be fitted to single questions).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

RELEVANT = 3  # grade at or above which an answer counts as correct (P@1, MRR)
Run = dict[str, list[tuple[str, float]]]  # qid -> [(doc id, score)] best first
Qrels = Mapping[str, Mapping[str, int]]  # qid -> doc id -> grade 1..4


# --------------------------------------------------------------------------- topics and runs
def read_topics(path: Path) -> list[tuple[str, str]]:
    """Lines `qid<TAB>query` (blank and # lines skipped); raises ValueError on a bad line."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n\r")
            if not line.strip() or line.startswith("#"):
                continue
            qid, sep, query = line.partition("\t")
            if not sep or not qid.strip():
                raise ValueError(f"{path}:{lineno}: expected 'qid<TAB>query'")
            out.append((qid.strip(), query))
    return out


def run_topics(s: Any, topics: Sequence[tuple[str, str]], *, limit: int = 1000) -> Run:
    """Rank every topic's query with the search core."""
    from indexer.search import rank_ids

    return {qid: rank_ids(s, query, limit=limit) for qid, query in topics}


def write_run(run: Run, out: TextIO, tag: str = "qasearch") -> None:
    """TREC run format: `qid Q0 docid rank score tag`."""
    tag = "".join(ch for ch in tag if not ch.isspace()) or "qasearch"
    for qid, ranked in run.items():
        for rank, (doc, score) in enumerate(ranked, 1):
            out.write(f"{qid} Q0 {doc} {rank} {score:.4f} {tag}\n")


def read_run(path: Path) -> Run:
    run: Run = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 5:
                run.setdefault(parts[0], []).append((parts[2], float(parts[4])))
    return run


# --------------------------------------------------------------------------- metrics
@dataclass
class Metrics:
    questions: int
    avg_score: float
    p_at_1: float
    mrr_at_10: float
    ndcg_at_10: float
    judged_at_10: float
    per_question: dict[str, dict[str, float]] = field(default_factory=dict)
    ndcg_distinct: float | None = None  # nDCG@10d (when duplicate groups were given)

    def row(self) -> dict[str, float]:
        return {
            "questions": self.questions,
            "avgScore": round(self.avg_score, 3),
            "P@1": round(self.p_at_1, 3),
            "MRR@10": round(self.mrr_at_10, 3),
            "nDCG@10": round(self.ndcg_at_10, 3),
            "judged@10": round(self.judged_at_10, 3),
            **({} if self.ndcg_distinct is None else
               {"nDCG@10d": round(self.ndcg_distinct, 3)}),
        }


def fold_of(qid: str, folds: int) -> int:
    """The fold (0-based) of a question: its number halved, modulo `folds` (the judged questions
    are the even ones, so with 2 folds: numbers 4, 8, 12... -> 0; 2, 6, 10... -> 1)."""
    digits = "".join(ch for ch in qid if ch.isdigit())
    return (int(digits) // 2) % folds if digits and folds > 0 else 0


def split_qrels(qrels: Qrels, folds: int) -> list[dict[str, Mapping[str, int]]]:
    """`qrels` cut into `folds` disjoint parts (see `fold_of`)."""
    parts: list[dict[str, Mapping[str, int]]] = [{} for _ in range(max(folds, 1))]
    for qid, judged in qrels.items():
        parts[fold_of(qid, folds)][qid] = judged
    return parts


def question_metrics(ranked: Sequence[str], judged: Mapping[str, int],
                     groups: Mapping[str, str] | None = None) -> dict[str, float]:
    """The metrics of one ranking; with `groups` (record id -> duplicate group) also
    "ndcg_d", nDCG@10 over distinct answers (see the module docstring)."""
    top = ranked[:10]
    grades = [judged.get(d, 0) for d in top]
    first = grades[0] if grades else 0
    rr = 0.0
    for i, g in enumerate(grades, 1):
        if g >= RELEVANT:
            rr = 1.0 / i
            break
    out = {
        "score": float(first - 1) if first else 0.0,
        "p1": 1.0 if first >= RELEVANT else 0.0,
        "rr": rr,
        "ndcg": _ndcg(grades, judged.values()),
        "judged": (sum(1 for d in top if d in judged) / len(top)) if top else 0.0,
    }
    if groups is not None:
        out["ndcg_d"] = _distinct_ndcg(top, judged, groups)
    return out


def _ndcg(grades: Sequence[int], pool: Iterable[int]) -> float:
    dcg = sum((g - 1) / math.log2(i + 1) for i, g in enumerate(grades, 1) if g > 1)
    ideal = sorted((g - 1 for g in pool if g > 1), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def _distinct_ndcg(top: Sequence[str], judged: Mapping[str, int],
                   groups: Mapping[str, str]) -> float:
    """nDCG@10 where each duplicate group counts once: in the ideal at its best grade, in
    the ranking at its first listed record (later ones gain nothing)."""
    seen: set[str] = set()
    grades = []
    for d in top:
        key = groups.get(d, d)
        grades.append(0 if key in seen else judged.get(d, 0))
        seen.add(key)
    best: dict[str, int] = {}
    for d, g in judged.items():
        key = groups.get(d, d)
        best[key] = max(g, best.get(key, 0))
    return _ndcg(grades, best.values())


def evaluate_run(run: Mapping[str, Sequence[Any]], qrels: Qrels, *, condensed: bool = False,
                 groups: Mapping[str, str] | None = None) -> Metrics:
    """Average the metrics over every question of `qrels` (missing in the run: zeros).
    Run entries may be doc ids or (doc id, score) pairs, best first. `condensed` drops the
    unjudged answers from each ranking first (Sakai's condensed lists: what the ranking is
    worth if the unjudged answers were as good as the judges' pool says nothing about).
    `groups` (record id -> duplicate group, `duplicate_groups`) adds nDCG@10d."""
    per: dict[str, dict[str, float]] = {}
    for qid, judged in qrels.items():
        ranked = [d if isinstance(d, str) else d[0] for d in run.get(qid, [])]
        if condensed:
            ranked = [d for d in ranked if d in judged]
        per[qid] = question_metrics(ranked, judged, groups)
    n = len(per) or 1

    def mean(key: str) -> float:
        return sum(m[key] for m in per.values()) / n

    return Metrics(
        questions=len(per),
        avg_score=mean("score"),
        p_at_1=mean("p1"),
        mrr_at_10=mean("rr"),
        ndcg_at_10=mean("ndcg"),
        judged_at_10=mean("judged"),
        per_question=per,
        ndcg_distinct=None if groups is None else mean("ndcg_d"),
    )


def duplicate_groups(index_dir: Path) -> dict[str, str]:
    """Record id -> duplicate group of every record of the index that has a duplicate (the
    relation the search collapses hits by: the same condition and section, else the same
    answer words; see `indexer.search.distinct`)."""
    from indexer.index.store import IndexStore
    from indexer.search.distinct import groups

    with IndexStore(index_dir).searcher() as s:
        data = s.data
        primary = groups(data).primary
        return {data.ids[r]: f"g{int(primary[r])}" for r in
                (int(x) for x in (primary >= 0).nonzero()[0]) if data.live[r]}


# --------------------------------------------------------------------------- LiveQA
@dataclass
class LiveQAPaths:
    medquad: Path
    judged: Path
    questions: Path
    qrels: Path

    @classmethod
    def defaults(cls, shared: Path) -> LiveQAPaths:
        live = shared / "data" / "liveqa"
        return cls(
            medquad=shared / "data" / "medquad",
            judged=live / "judged-answers.csv",
            questions=live / "TREC-2017-LiveQA-Medical-Test-Questions-w-summaries.xml",
            qrels=live / "qrels-dev.txt",
        )

    def missing(self) -> list[str]:
        return [str(p) for p in (self.medquad, self.judged, self.questions, self.qrels)
                if not p.exists()]


def eval_corpus(paths: LiveQAPaths, problems: list | None = None) -> Iterator[Any]:
    """The evaluation corpus: answered MedQuAD pairs plus the judged answers (17,912)."""
    from indexer.ingest.parse.medquad import parse_medquad

    yield from parse_medquad([paths.medquad], [paths.judged], problems=problems)


# The code and data that decide what an index contains: what a record's terms, focus and
# question type are, how the indexes are written. Any change to one of them must not reuse a
# cached evaluation index (globs under the `indexer` package; every match is hashed).
INDEX_CODE: tuple[str, ...] = (
    "records.py",
    "index/*.py",
    "text/analysis.py",
    "text/qtypes.py",
    "data/qtype_cues.toml",
)


def index_code_files() -> list[Path]:
    """The files of `INDEX_CODE`, sorted."""
    pkg = Path(__file__).resolve().parent.parent
    return sorted({p for pattern in INDEX_CODE for p in pkg.glob(pattern)})


def _code_version() -> str:
    """A hash of `index_code_files` (names and contents, in a stable order)."""
    pkg = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in index_code_files():
        h.update(path.relative_to(pkg).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def default_cache_dir() -> Path:
    """$QASEARCH_CACHE_DIR, else $XDG_CACHE_HOME/qasearch, else ~/.cache/qasearch."""
    if os.environ.get("QASEARCH_CACHE_DIR"):
        return Path(os.environ["QASEARCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "qasearch"


def cached_index(records: Iterable[Any], cache_dir: Path, *, progress: bool = False) -> Path:
    """Build (or reuse) an index of `records` under `cache_dir`, keyed by the records'
    content hashes and the indexing code; returns the index directory."""
    from indexer.index.build import build_index, current_generation

    recs = list(records)
    h = hashlib.sha256(_code_version().encode())
    for r in sorted(recs, key=lambda r: r.id):
        h.update(r.id.encode("utf-8"))
        h.update(r.content_hash.encode("ascii"))
    index_dir = Path(cache_dir) / f"eval-{h.hexdigest()[:16]}"
    if current_generation(index_dir) is None:
        build_index(recs, index_dir, progress=progress, full=True)
        # keep this index and the one before it; older code versions' indexes go
        others = sorted((p for p in Path(cache_dir).glob("eval-*") if p != index_dir),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[1:]:
            shutil.rmtree(old, ignore_errors=True)
    return index_dir


def liveqa_topics(questions_xml: Path, form: str) -> list[tuple[str, str]]:
    """(qid, text) for every LiveQA question in one form: "original" (SUBJECT + MESSAGE)
    or "summary" (the NLM summary)."""
    from indexer.eval.datasets import load_liveqa_questions

    out = []
    for q in load_liveqa_questions(questions_xml):
        text = q.text if form == "original" else (q.summary or q.text)
        out.append((q.qid, text))
    return out


def evaluate_liveqa(
    s: Any, paths: LiveQAPaths, *, forms: Sequence[str] = ("original", "summary"),
    limit: int = 10,
) -> dict[str, tuple[Metrics, Run]]:
    """Metrics and runs per question form over the judged questions of `paths.qrels`."""
    from indexer.eval.datasets import load_qrels

    qrels = load_qrels(paths.qrels)
    results = {}
    for form in forms:
        topics = [(qid, text) for qid, text in liveqa_topics(paths.questions, form)
                  if qid in qrels]
        run = run_topics(s, topics, limit=limit)
        results[form] = (evaluate_run(run, qrels), run)
    return results


def evaluate_folds(
    results: Mapping[str, tuple[Metrics, Run]], qrels: Qrels, folds: int
) -> dict[str, Metrics]:
    """Metrics per form and fold, keyed "<form>/<fold, 1-based>"."""
    out = {}
    for form, (_m, run) in results.items():
        for i, part in enumerate(split_qrels(qrels, folds), 1):
            out[f"{form}/{i}"] = evaluate_run(run, part)
    return out


def format_table(results: Mapping[str, Metrics]) -> str:
    cols = ["questions", "avgScore", "P@1", "MRR@10", "nDCG@10", "judged@10"]
    width = max([10, *(len(form) + 2 for form in results)])
    lines = ["form".ljust(width) + "".join(f"{c:>11}" for c in cols)]
    for form, m in results.items():
        row = m.row()
        cells = "".join(
            f"{row[c]:>11}" if c == "questions" else f"{row[c]:>11.3f}" for c in cols
        )
        lines.append(f"{form:<{width}}{cells}")
    return "\n".join(lines)


def metrics_json(results: Mapping[str, Metrics]) -> str:
    return json.dumps({form: m.row() for form, m in results.items()}, indent=1)
