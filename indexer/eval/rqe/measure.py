"""The RQE figures of similar questions: P@1, MRR and the flag's precision and recall, on the
ranking of a set's FAQs and on its labelled pairs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from indexer.editors.similar import QuestionIndex, flag, model
from indexer.eval.rqe.sets import RQESet

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
    removed: int = 0  # MedQuAD questions left out as identical to one of the set's FAQs

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(
    rset: RQESet,
    qi: QuestionIndex,
    *,
    semantic: bool = False,
    n_distractors: int = 0,
    removed: int = 0,
) -> RQEFigures:
    """The figures of `qi` (a set's FAQs, maybe with distractors) on set `rset`."""
    t0 = time.perf_counter()
    rank_all = len(qi) <= RANK_ALL_UP_TO
    p1 = rr = 0.0
    flagged = flagged_right = 0
    vectors = draft_vectors(rset, qi) if semantic else {}
    for chq, ids in rset.truth.items():
        hits = qi.search(chq, limit=len(qi) if rank_all else 100, semantic=semantic,
                         all_entries=rank_all, vector=vectors.get(chq))
        rank = next((k for k, h in enumerate(hits, 1) if h.id in ids), None)
        if rank:
            rr += 1.0 / rank
        if rank == 1:
            p1 += 1
        if hits and hits[0].likely_answered:
            flagged += 1
            flagged_right += rank == 1
    n = max(1, len(rset.truth))
    pp, pr, pa = pair_flags(rset, qi, semantic=semantic, vectors=vectors)
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
        threshold=model.scoring(semantic).threshold,
        seconds=round(time.perf_counter() - t0, 2),
        removed=removed,
    )


def pair_scores(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False,
                vectors: dict[str, Any] | None = None) -> list[tuple[float, bool, bool]]:
    """(calibrated score, flagged, label) for every labelled pair, each FAQ scored alone."""
    out = []
    sc = model.scoring(semantic)
    for p in rset.pairs:
        i = qi.by_id[rset.faq_id[p.faq]]
        d = qi.draft(p.chq)
        if semantic and qi.semantic is not None:
            d.vector = (vectors or {}).get(p.chq)
            if d.vector is None:
                d.vector = qi.semantic.encode([p.chq])[0]
        raw, _i, feats, _fi = qi.score_entries(d, [i], semantic=semantic)[0]
        prob = sc.calibrated(raw)
        asked = qi.asked_cover(d, qi.entries[i])
        out.append((prob, flag(prob, feats, sc.threshold, asked), p.value))
    return out


def pair_flags(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False,
               vectors: dict[str, Any] | None = None) -> tuple[float, float, float]:
    """Precision, recall and accuracy of the flag on the labelled pairs."""
    scores = pair_scores(rset, qi, semantic=semantic, vectors=vectors)
    return _prf([(1.0 if f else 0.0, y) for _p, f, y in scores], 0.5)


def _prf(scores: Sequence[tuple[float, bool]], thr: float) -> tuple[float, float, float]:
    tp = sum(1 for s, y in scores if s >= thr and y)
    fp = sum(1 for s, y in scores if s >= thr and not y)
    fn = sum(1 for s, y in scores if s < thr and y)
    tn = len(scores) - tp - fp - fn
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    acc = (tp + tn) / len(scores) if scores else 0.0
    return round(prec, 4), round(rec, 4), round(acc, 4)


def draft_vectors(rset: RQESet, qi: QuestionIndex) -> dict[str, Any]:
    """Embeddings of the set's consumer questions (cached), when the index has the extra."""
    if qi.semantic is None:
        return {}
    from indexer.text import semantic as sem

    chqs = sorted({p.chq for p in rset.pairs})
    return dict(zip(chqs, sem.encode_cached(chqs), strict=True))


def format_table(rows: Sequence[RQEFigures]) -> str:
    """The figures as a text table."""
    head = (f"{'split':<11}{'distractors':>12}{'removed':>8}{'semantic':>9}"
            f"{'questions':>10}{'faqs':>6}"
            f"{'P@1':>7}{'MRR':>7}{'flagP':>7}{'flagR':>7}{'pairP':>7}{'pairR':>7}"
            f"{'pairAcc':>8}{'thr':>6}{'sec':>7}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.split:<11}{r.distractors:>12}{r.removed:>8}{'yes' if r.semantic else 'no':>9}"
            f"{r.questions:>10}{r.faqs:>6}{r.p_at_1:>7.3f}{r.mrr:>7.3f}"
            f"{r.flag_precision:>7.3f}{r.flag_recall:>7.3f}{r.pair_precision:>7.3f}"
            f"{r.pair_recall:>7.3f}{r.pair_accuracy:>8.3f}{r.threshold:>6.2f}{r.seconds:>7.1f}"
        )
    return "\n".join(lines)
