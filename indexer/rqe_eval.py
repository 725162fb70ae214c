"""How well "similar questions" finds an already answered question: the RQE evaluation.

The RQE files (`../shared/data/rqe/`) pair consumer questions (chq) with NIH FAQs, labelled
true when every answer to the FAQ answers the consumer's question. In *retrieval form*, for
each consumer question that has a true pair in a split, all distinct FAQs of that split are
ranked by `QuestionIndex.search` and we measure:

- P@1 (a true FAQ ranked first) and MRR (over the whole ranking; 0 when no true FAQ is found);
- the "likely already answered" flag on the top hit: precision (flagged top hits that are a
  true FAQ) and recall (consumer questions whose first hit is a true FAQ and is flagged);
- the flag on the labelled pairs themselves (each pair scored alone; precision/recall of
  "flag" against the true/false label), the form used to choose the threshold.

The harder form adds MedQuAD's questions (~43k distinct) as distractors, after removing those
identical to one of the split's own FAQs (same words after analysis), so the right FAQ must
beat every MedQuAD question about the same condition.

`fit` learns the feature weights (pairwise logistic regression: the true FAQ against the
highest-ranked wrong ones) and the 0..1 calibration (logistic regression on the labelled
pairs) and picks the flag threshold (best F0.5 on the labelled pairs: precision first).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from indexer import similar
from indexer.analysis import analyse
from indexer.datasets import RQEPair, load_rqe_pairs
from indexer.records import Record, normalise_text
from indexer.similar import FEATURES, QuestionIndex, make_draft

SPLITS = {
    "validation": "rqe-validation-AMIA2016.xml",
    "train": "rqe-train-AMIA2016.xml",
}
RANK_ALL_UP_TO = 2000  # sets this small are ranked whole; larger ones via candidates


@dataclass
class RQEFigures:
    split: str
    distractors: int  # MedQuAD questions added (0: the split's FAQs only)
    semantic: bool
    questions: int  # consumer questions with a true pair
    faqs: int
    p_at_1: float
    mrr: float
    flag_precision: float  # top hit flagged and right / top hits flagged
    flag_recall: float  # top hit flagged and right / questions
    pair_precision: float  # flag on labelled pairs vs label
    pair_recall: float
    pair_accuracy: float
    pairs: int
    threshold: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RQESet:
    """One split in retrieval form."""

    name: str
    pairs: list[RQEPair]
    faq_records: list[Record]
    faq_id: dict[str, str]  # FAQ text -> record id
    truth: dict[str, set[str]]  # consumer question -> ids of its true FAQs


def rqe_path(shared: Path, split: str) -> Path:
    if split not in SPLITS:
        raise ValueError(f"unknown RQE split {split!r} (choose from {', '.join(SPLITS)})")
    return Path(shared) / "data" / "rqe" / SPLITS[split]


def load_set(path: Path, name: str = "") -> RQESet:
    pairs = [p for p in load_rqe_pairs(path) if p.chq.strip() and p.faq.strip()]
    # FAQs differing only in case or spacing are one FAQ
    first: dict[str, str] = {}
    for p in sorted(pairs, key=lambda p: p.faq):
        first.setdefault(normalise_text(p.faq), p.faq)
    norm_id = {n: f"FAQ{i:05d}" for i, n in enumerate(sorted(first))}
    faq_id = {p.faq: norm_id[normalise_text(p.faq)] for p in pairs}
    records = [Record(id=norm_id[n], question=first[n], answer="", source="rqe-faq")
               for n in sorted(first)]
    truth: dict[str, set[str]] = {}
    for p in pairs:
        if p.value:
            truth.setdefault(p.chq, set()).add(faq_id[p.faq])
    return RQESet(name or path.stem, pairs, records, faq_id, truth)


def medquad_distractors(medquad_dir: Path, own_faqs: Iterable[str]) -> list[Record]:
    """MedQuAD's distinct questions as records (focus, synonyms, qtype kept), minus those
    identical to one of `own_faqs` (the same analysed words)."""
    from indexer.parse.medquad import parse_medquad

    own = {tuple(analyse(f)) for f in own_faqs}
    seen: set[str] = set()
    out = []
    for rec in parse_medquad([Path(medquad_dir)], include_empty=True):
        key = normalise_text(rec.question)
        if not key or key in seen:
            continue
        seen.add(key)
        if tuple(analyse(rec.question)) in own:
            continue
        out.append(rec)
    return out


def build_index(
    rset: RQESet, distractors: Sequence[Record] = (), *, semantic: bool = False
) -> QuestionIndex:
    qi = QuestionIndex.from_records([*rset.faq_records, *distractors])
    if semantic:
        from indexer import semantic as sem

        sem.attach(qi)
    return qi


def evaluate(
    rset: RQESet,
    qi: QuestionIndex,
    *,
    semantic: bool = False,
    n_distractors: int = 0,
) -> RQEFigures:
    t0 = time.perf_counter()
    rank_all = len(qi) <= RANK_ALL_UP_TO
    p1 = rr = 0.0
    flagged = flagged_right = 0
    for chq, ids in rset.truth.items():
        hits = qi.search(chq, limit=len(qi) if rank_all else 100, semantic=semantic,
                         all_entries=rank_all)
        rank = next((k for k, h in enumerate(hits, 1) if h.id in ids), None)
        if rank:
            rr += 1.0 / rank
        if rank == 1:
            p1 += 1
        if hits and hits[0].likely_answered:
            flagged += 1
            flagged_right += rank == 1
    n = max(1, len(rset.truth))
    pp, pr, pa = pair_flags(rset, qi, semantic=semantic)
    return RQEFigures(
        split=rset.name,
        distractors=n_distractors,
        semantic=semantic,
        questions=len(rset.truth),
        faqs=len(rset.faq_records),
        p_at_1=round(p1 / n, 4),
        mrr=round(rr / n, 4),
        flag_precision=round(flagged_right / flagged, 4) if flagged else 0.0,
        flag_recall=round(flagged_right / n, 4),
        pair_precision=pp,
        pair_recall=pr,
        pair_accuracy=pa,
        pairs=len(rset.pairs),
        threshold=similar.SEMANTIC_THRESHOLD if semantic else similar.THRESHOLD,
        seconds=round(time.perf_counter() - t0, 2),
    )


def pair_scores(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False
                ) -> list[tuple[float, bool]]:
    """(calibrated score, label) for every labelled pair, each FAQ scored alone."""
    out = []
    for p in rset.pairs:
        i = qi.by_id[rset.faq_id[p.faq]]
        d = make_draft(p.chq)
        if semantic and qi.semantic is not None:
            d.vector = qi.semantic.encode([p.chq])[0]
        raw, *_ = qi.score_entries(d, [i], semantic=semantic)[0]
        a, b = similar.SEMANTIC_CALIBRATION if semantic else similar.CALIBRATION
        out.append((similar._sigmoid(a * raw + b), p.value))
    return out


def pair_flags(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False
               ) -> tuple[float, float, float]:
    thr = similar.SEMANTIC_THRESHOLD if semantic else similar.THRESHOLD
    scores = pair_scores(rset, qi, semantic=semantic)
    return _prf(scores, thr)


def _prf(scores: Sequence[tuple[float, bool]], thr: float) -> tuple[float, float, float]:
    tp = sum(1 for s, y in scores if s >= thr and y)
    fp = sum(1 for s, y in scores if s >= thr and not y)
    fn = sum(1 for s, y in scores if s < thr and y)
    tn = len(scores) - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    acc = (tp + tn) / len(scores) if scores else 0.0
    return round(prec, 4), round(rec, 4), round(acc, 4)


# ---------------------------------------------------------------------------------------------
# Fitting the weights, the calibration and the threshold.


def _training_diffs(rset: RQESet, qi: QuestionIndex, *, semantic: bool, negatives: int,
                    rng: random.Random) -> list[list[float]]:
    """Feature differences (true FAQ - wrong FAQ) for the top-ranked wrong FAQs."""
    diffs = []
    rank_all = len(qi) <= RANK_ALL_UP_TO
    for chq, ids in rset.truth.items():
        d = make_draft(chq)
        if semantic and qi.semantic is not None:
            d.vector = qi.semantic.encode([chq])[0]
        idxs = range(len(qi)) if rank_all else qi.candidates(d)
        idxs = set(idxs) | {qi.by_id[i] for i in ids if i in qi.by_id}
        scored = qi.score_entries(d, idxs, semantic=semantic)
        pos = [x for x in scored if qi.entries[x[1]].id in ids]
        neg = [x for x in scored if qi.entries[x[1]].id not in ids][: negatives * 2]
        neg = rng.sample(neg, min(negatives, len(neg)))
        for _s, _i, fp, _ in pos:
            for _s2, _i2, fn, _ in neg:
                diffs.append([fp[k] - fn[k] for k in FEATURES])
    return diffs


def _logistic(xs: Sequence[Sequence[float]], ys: Sequence[float], *, epochs: int = 60,
              lr: float = 0.5, l2: float = 1e-3, bias: bool = True, seed: int = 1
              ) -> list[float]:
    """Plain batch-gradient logistic regression (few features, pure Python)."""
    dim = len(xs[0]) + (1 if bias else 0)
    w = [0.0] * dim
    rows = [list(x) + ([1.0] if bias else []) for x in xs]
    n = len(rows)
    for _ in range(epochs * 5):
        grad = [0.0] * dim
        for x, y in zip(rows, ys, strict=True):
            z = sum(wi * xi for wi, xi in zip(w, x, strict=True))
            p = similar._sigmoid(z)
            g = p - y
            for k in range(dim):
                grad[k] += g * x[k]
        for k in range(dim):
            w[k] -= lr * (grad[k] / n + l2 * w[k])
    return w


def fit(train: RQESet, train_qi: QuestionIndex, calib: RQESet, calib_qi: QuestionIndex, *,
        semantic: bool = False, negatives: int = 5, max_diffs: int = 6000
        ) -> dict[str, Any]:
    """Learn weights on `train` (retrieval form), then calibration and threshold on `calib`
    (labelled pairs). Returns them; also installs them in `indexer.similar` for this process."""
    rng = random.Random(7)  # noqa: S311 - sampling, not security
    diffs = _training_diffs(train, train_qi, semantic=semantic, negatives=negatives, rng=rng)
    if len(diffs) > max_diffs:
        diffs = rng.sample(diffs, max_diffs)
    # symmetric: each difference as a positive and its negation as a negative example
    xs = diffs + [[-v for v in d] for d in diffs]
    ys = [1.0] * len(diffs) + [0.0] * len(diffs)
    w = _logistic(xs, ys, bias=False, epochs=30)
    weights = {k: round(v, 3) for k, v in zip(FEATURES, w, strict=True)}
    if not semantic:
        weights["semantic"] = 0.0
    _install(weights, None, None, semantic)
    # calibration: logistic regression of the label on the raw score
    raws = []
    for p in calib.pairs:
        d = make_draft(p.chq)
        if semantic and calib_qi.semantic is not None:
            d.vector = calib_qi.semantic.encode([p.chq])[0]
        raw = calib_qi.score_entries(d, [calib_qi.by_id[calib.faq_id[p.faq]]],
                                     semantic=semantic)[0][0]
        raws.append((raw, 1.0 if p.value else 0.0))
    a, b = _logistic([[r] for r, _ in raws], [y for _, y in raws], epochs=60, lr=0.5, l2=0.0)
    cal = (round(a, 4), round(b, 4))
    scored = [(similar._sigmoid(cal[0] * r + cal[1]), y == 1.0) for r, y in raws]
    best = max(
        (round(t / 100, 2) for t in range(20, 91)),
        key=lambda t: (_fbeta(scored, t), t),
    )
    _install(weights, cal, best, semantic)
    return {"weights": weights, "calibration": cal, "threshold": best, "pairs": len(diffs)}


def _fbeta(scored: Sequence[tuple[float, bool]], thr: float, beta: float = 0.5) -> float:
    """F-beta of the flag at `thr`; beta 0.5 weighs precision more: a wrong "already
    answered" costs an editor more than a missed one."""
    p, r, _ = _prf(scored, thr)
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


def _install(weights: dict[str, float], cal: tuple[float, float] | None, thr: float | None,
             semantic: bool) -> None:
    if semantic:
        similar.SEMANTIC_WEIGHTS.update(weights)
        if cal is not None:
            similar.SEMANTIC_CALIBRATION = cal
        if thr is not None:
            similar.SEMANTIC_THRESHOLD = thr
    else:
        similar.WEIGHTS.update(weights)
        if cal is not None:
            similar.CALIBRATION = cal
        if thr is not None:
            similar.THRESHOLD = thr


def format_table(rows: Sequence[RQEFigures]) -> str:
    head = (f"{'split':<11}{'distractors':>12}{'semantic':>9}{'questions':>10}{'faqs':>6}"
            f"{'P@1':>7}{'MRR':>7}{'flagP':>7}{'flagR':>7}{'pairP':>7}{'pairR':>7}"
            f"{'pairAcc':>8}{'thr':>6}{'sec':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.split:<11}{r.distractors:>12}{'yes' if r.semantic else 'no':>9}"
            f"{r.questions:>10}{r.faqs:>6}{r.p_at_1:>7.3f}{r.mrr:>7.3f}"
            f"{r.flag_precision:>7.3f}{r.flag_recall:>7.3f}{r.pair_precision:>7.3f}"
            f"{r.pair_recall:>7.3f}{r.pair_accuracy:>8.3f}{r.threshold:>6.2f}{r.seconds:>7.1f}"
        )
    return "\n".join(lines)
