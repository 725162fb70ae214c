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

The harder form adds MedQuAD's questions (43,465 distinct) as distractors, after removing those
identical to one of the split's own FAQs (`question_key`: the same words in the same order once
case, punctuation, articles, plural -s, is/are and MedQuAD's "is (are)" template are set aside;
29 removed for validation, 43 for train), so the right FAQ must beat every MedQuAD question
about the same condition, paraphrases of itself included.

`fit` learns the feature weights (pairwise logistic regression: the true FAQ against the
highest-ranked wrong ones, on both splits, each alone and with distractors; the validation
figures it prints are 5-fold cross-validated) and the 0..1 calibration (logistic regression
on the labelled pairs) and picks the flag threshold (best F0.5 on the labelled pairs:
precision first).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from indexer.editors import similar
from indexer.editors.similar import FEATURES, QuestionIndex
from indexer.eval.datasets import RQEPair, load_rqe_pairs
from indexer.records import Record, normalise_text

SPLITS = {
    "validation": "rqe-validation-AMIA2016.xml",
    "train": "rqe-train-AMIA2016.xml",
}
RANK_ALL_UP_TO = 2000  # sets this small are ranked whole; larger ones via candidates
FLAG_PRECISION = 0.8  # the "likely already answered" flag: right this often on validation
FLAG_MIN_PROBABILITY = 0.5
FIT_L2 = 3e-3  # weight decay of `fit_weights` (chosen by `fit`'s cross-validated P@1)


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


_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"a", "an", "the"})
_TEMPLATE_OPTIONAL = "(or clinical trials)"


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def question_key(text: str) -> str:
    """The surface form two questions must share to be *identical*: Unicode NFKC, case folded,
    possessive 's dropped, punctuation and brackets dropped, whitespace collapsed, the articles
    a/an/the dropped, a final plural -s dropped ("stones" = "stone") and "are" read as "is"
    (number agreement). Words, their order and every other word stay: "How is X treated?" and
    "What are the treatments for X?" are paraphrases, not identical."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"['\u2019]s\b", "", text)
    out = []
    for w in _WORD.findall(text):
        if w in _ARTICLES:
            continue
        out.append("is" if w == "are" else _singular(w))
    return " ".join(out)


def question_keys(text: str) -> set[str]:
    """`question_key` of each reading of MedQuAD's question templates: "What is (are) X ?" reads
    "What is X" or "What are X"; "what research (or clinical trials) is being done for X ?"
    reads with or without the bracket."""
    text = unicodedata.normalize("NFKC", text or "")
    readings = [re.sub(r"\bis \(are\)", "is", text, flags=re.IGNORECASE)]
    if _TEMPLATE_OPTIONAL in text.lower():
        readings.append(re.sub(re.escape(_TEMPLATE_OPTIONAL), "", readings[0],
                               flags=re.IGNORECASE))
    return {question_key(r) for r in readings}


def medquad_questions(medquad_dir: Path) -> list[Record]:
    """MedQuAD's distinct questions as records (focus, synonyms, qtype kept; the first record
    of each question text after normalising case and spacing)."""
    from indexer.ingest.parse.medquad import parse_medquad

    seen: set[str] = set()
    out = []
    for rec in parse_medquad([Path(medquad_dir)], include_empty=True):
        key = normalise_text(rec.question)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(rec)
    return out


def remove_identical(questions: Sequence[Record], own_faqs: Iterable[str]) -> list[Record]:
    """`questions` minus those identical (`question_keys`) to one of `own_faqs`."""
    own: set[str] = set()
    for f in own_faqs:
        own |= question_keys(f)
    return [r for r in questions if not (question_keys(r.question) & own)]


def medquad_distractors(medquad_dir: Path, own_faqs: Iterable[str]) -> list[Record]:
    """MedQuAD's distinct questions minus those identical to one of `own_faqs`."""
    return remove_identical(medquad_questions(medquad_dir), own_faqs)


def build_index(
    rset: RQESet, distractors: Sequence[Record] = (), *, semantic: bool = False,
    distractor_vectors: Any = None,
) -> QuestionIndex:
    """The question index of a set's FAQs (plus distractors). With `semantic`, the entries'
    embeddings come from the cache (`distractor_vectors`: rows for `distractors`, when the
    caller encoded a larger list once)."""
    qi = QuestionIndex.from_records([*rset.faq_records, *distractors])
    if semantic:
        import numpy as np

        from indexer.text import semantic as sem

        vecs = sem.encode_cached([r.display_question for r in rset.faq_records])
        if distractors:
            dv = distractor_vectors
            if dv is None:
                dv = sem.encode_cached([r.display_question for r in distractors])
            vecs = np.vstack([vecs, dv])
        sem.attach(qi, vecs)
    return qi


def distractor_rows(medquad: Sequence[Record], kept: Sequence[Record], vectors: Any) -> Any:
    """The rows of `vectors` (one per `medquad` record) for the `kept` records."""
    import numpy as np

    pos = {id(r): i for i, r in enumerate(medquad)}
    return vectors[np.asarray([pos[id(r)] for r in kept], dtype=np.int64)]


def evaluate(
    rset: RQESet,
    qi: QuestionIndex,
    *,
    semantic: bool = False,
    n_distractors: int = 0,
    removed: int = 0,
) -> RQEFigures:
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
        threshold=similar.SEMANTIC_THRESHOLD if semantic else similar.THRESHOLD,
        seconds=round(time.perf_counter() - t0, 2),
        removed=removed,
    )


def pair_scores(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False,
                vectors: dict[str, Any] | None = None) -> list[tuple[float, bool, bool]]:
    """(calibrated score, flagged, label) for every labelled pair, each FAQ scored alone."""
    out = []
    a, b = similar.SEMANTIC_CALIBRATION if semantic else similar.CALIBRATION
    thr = similar.SEMANTIC_THRESHOLD if semantic else similar.THRESHOLD
    for p in rset.pairs:
        i = qi.by_id[rset.faq_id[p.faq]]
        d = qi.draft(p.chq)
        if semantic and qi.semantic is not None:
            d.vector = (vectors or {}).get(p.chq)
            if d.vector is None:
                d.vector = qi.semantic.encode([p.chq])[0]
        raw, _i, feats, _fi = qi.score_entries(d, [i], semantic=semantic)[0]
        prob = similar._sigmoid(a * raw + b)
        asked = qi.asked_cover(d, qi.entries[i])
        out.append((prob, similar.flag(prob, feats, thr, asked), p.value))
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


# ---------------------------------------------------------------------------------------------
# Fitting the weights, the calibration and the threshold.


@dataclass
class Candidates:
    """One consumer question's candidates: their features (rows, `FEATURES` order) and
    whether each is a true FAQ."""

    x: Any  # numpy array (n, len(FEATURES))
    y: Any  # numpy bool array (n,)
    asked: Any = None  # numpy array (n,): `QuestionIndex.asked_cover` (for the flag)


def draft_vectors(rset: RQESet, qi: QuestionIndex) -> dict[str, Any]:
    """Embeddings of the set's consumer questions (cached), when the index has the extra."""
    if qi.semantic is None:
        return {}
    from indexer.text import semantic as sem

    chqs = sorted({p.chq for p in rset.pairs})
    return dict(zip(chqs, sem.encode_cached(chqs), strict=True))


def candidate_features(rset: RQESet, qi: QuestionIndex, *, semantic: bool = False,
                       vectors: dict[str, Any] | None = None) -> list[Candidates]:
    """Features of every candidate for each consumer question with a true FAQ (the whole set
    when it is small, else the index's candidates), the true FAQs always included."""
    import numpy as np

    rank_all = len(qi) <= RANK_ALL_UP_TO
    use_sem = semantic and qi.semantic is not None
    out = []
    for chq, ids in rset.truth.items():
        d = qi.draft(chq)
        if use_sem:
            d.vector = (vectors or {}).get(chq)
            if d.vector is None:
                d.vector = qi.semantic.encode([chq])[0]
        if rank_all:
            idxs: set[int] = set(range(len(qi)))
        else:
            idxs = set(qi.candidates(d))
            if use_sem:
                idxs |= set(qi.semantic.nearest(d.vector, qi.vectors, similar.SEMANTIC_NEAREST))
        idxs |= {qi.by_id[i] for i in ids if i in qi.by_id}
        scored = qi.score_entries(d, sorted(idxs), semantic=use_sem)
        x = np.array([[f[k] for k in FEATURES] for _s, _i, f, _fi in scored], dtype=float)
        y = np.array([qi.entries[i].id in ids for _s, i, _f, _fi in scored], dtype=bool)
        asked = np.array([qi.asked_cover(d, qi.entries[i]) for _s, i, _f, _fi in scored])
        out.append(Candidates(x, y, asked))
    return out


def _pairwise_diffs(groups: Sequence[Candidates], w: Any, negatives: int) -> tuple[Any, Any]:
    """(true - wrong) feature differences against the `negatives` best-scoring wrong candidates
    of each question, and weights giving each question the same total weight."""
    import numpy as np

    diffs, weights = [], []
    for c in groups:
        s = c.x @ w if w is not None else c.x.sum(axis=1)
        neg = np.where(~c.y)[0]
        neg = neg[np.argsort(-s[neg], kind="stable")][:negatives]
        pos = np.where(c.y)[0]
        if not len(pos) or not len(neg):
            continue
        for p in pos:
            diffs.append(c.x[p] - c.x[neg])
            weights.append(np.full(len(neg), 1.0 / (len(pos) * len(neg))))
    return np.vstack(diffs), np.concatenate(weights)


def _logistic(xs: Any, ys: Any, *, l2: float = 1e-3, bias: bool = True, iters: int = 50,
              sample_weight: Any = None) -> list[float]:
    """L2-regularised (optionally weighted) logistic regression by Newton's method."""
    import numpy as np

    x = np.asarray(xs, dtype=float)
    if bias:
        x = np.hstack([x, np.ones((len(x), 1))])
    y = np.asarray(ys, dtype=float)
    sw = np.ones(len(x)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    w = np.zeros(x.shape[1])
    reg = l2 * len(x) * np.eye(x.shape[1])
    if bias:
        reg[-1, -1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (sw * (p - y)) + reg @ w
        hess = (x * (sw * p * (1 - p))[:, None]).T @ x + reg + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w]


def fit_weights(sets: Sequence[Sequence[Candidates]], *, rounds: int = 3, negatives: int = 10,
                l2: float = FIT_L2) -> Any:
    """Pairwise logistic regression (RankNet-like) of the feature weights: each true FAQ
    against the best-scoring wrong candidates, re-mined with the new weights `rounds` times.
    Each set of questions weighs the same."""
    import numpy as np

    w = None
    for _ in range(rounds):
        parts = [_pairwise_diffs(g, w, negatives) for g in sets if g]
        d = np.vstack([p[0] for p in parts])
        sw = np.concatenate([p[1] / p[1].sum() for p in parts])
        sw = sw / sw.mean()
        x = np.vstack([d, -d])
        y = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
        w = np.asarray(_logistic(x, y, l2=l2, bias=False, sample_weight=np.concatenate([sw, sw])))
    return w


def ranking_metrics(groups: Sequence[Candidates], w: Any) -> tuple[float, float]:
    """P@1 and MRR (up to rank 100) of `w` on precomputed candidates; ties count against."""
    p1 = rr = 0.0
    for c in groups:
        s = c.x @ w
        best = s[c.y].max()
        rank = int((s[~c.y] >= best).sum()) + 1
        p1 += rank == 1
        rr += 1.0 / rank if rank <= 100 else 0.0
    n = max(1, len(groups))
    return round(p1 / n, 4), round(rr / n, 4)


def calibrate(groups: Sequence[Candidates], w: Any, *, top: int = 1) -> tuple[float, float]:
    """Platt scaling: P(true FAQ | raw score) fitted on the `top` best-scoring candidates of
    each question: with top=1, the probability that a first hit with this score is right
    (its wrong first hits are hard negatives: the same condition asked another way)."""
    import numpy as np

    xs, ys = [], []
    for c in groups:
        s = c.x @ w
        order = np.argsort(-s, kind="stable")[:top]
        xs.extend([v] for v in s[order])
        ys.extend(float(v) for v in c.y[order])
    a, b = _logistic(xs, ys, l2=0.0)
    return round(a, 4), round(b, 4)


def flag_threshold(groups: Sequence[Candidates], w: Any, cal: tuple[float, float], *,
                   precision: float = FLAG_PRECISION) -> float:
    """The lowest calibrated score at which flagged top hits are right at least `precision`
    of the time (on `groups`), i.e. the most recall at that precision; never below
    `FLAG_MIN_PROBABILITY`: "likely" answered means more likely than not."""
    import numpy as np

    tops = []
    for c in groups:
        s = c.x @ w
        i = int(np.argmax(s))
        ok = bool(c.y[i]) and not bool((s[~c.y] >= s[i]).any())
        feats = dict(zip(FEATURES, c.x[i], strict=True))
        asked = 1.0 if c.asked is None else float(c.asked[i])
        tops.append((similar._sigmoid(cal[0] * float(s[i]) + cal[1]), ok, feats, asked))
    best = 0.95
    for t in (round(v / 100, 2) for v in range(95, int(FLAG_MIN_PROBABILITY * 100) - 1, -1)):
        flagged = [ok for p, ok, f, a in tops if similar.flag(p, f, t, a)]
        if flagged and sum(flagged) / len(flagged) >= precision:
            best = t
    return best


def fit(train: Sequence[tuple[RQESet, QuestionIndex]], calib: tuple[RQESet, QuestionIndex], *,
        semantic: bool = False, held_out: Sequence[tuple[RQESet, QuestionIndex]] = ()
        ) -> dict[str, Any]:
    """Learn the weights on `train` (retrieval form: each (set, index), e.g. the training and
    validation splits, each alone and with MedQuAD's distractors), then the Platt calibration
    and the flag threshold on `calib` (the validation split). `held_out`: sets also in `train`
    whose questions are cross-validated (5 folds: weights learned without a fold's questions,
    P@1 and MRR measured on them), the honest estimate of what the weights do on new questions.
    Returns them; also installs them in `indexer.editors.similar` for this process (copy them into
    similar.py to keep them)."""
    import numpy as np

    groups = [candidate_features(rs, qi, semantic=semantic, vectors=draft_vectors(rs, qi))
              for rs, qi in train]
    fixed = [g for (rs, _qi), g in zip(train, groups, strict=True)
             if all(rs is not h[0] for h in held_out)]
    folded = [g for (rs, _qi), g in zip(train, groups, strict=True)
              if any(rs is h[0] for h in held_out)]
    cv = cross_validate(fixed, folded) if folded else []
    w = fit_weights(groups, l2=FIT_L2)
    weights = {k: round(float(v), 3) for k, v in zip(FEATURES, w, strict=True)}
    if not semantic:
        weights["semantic"] = 0.0
    wv = np.asarray([weights[k] for k in FEATURES])
    _install(weights, None, None, semantic)
    res = fit_calibration(calib, semantic=semantic)
    return {"weights": weights, **res, "train": [ranking_metrics(g, wv) for g in groups],
            "cross_validated": cv}


def cross_validate(fixed: Sequence[Sequence[Candidates]], folded: Sequence[Sequence[Candidates]],
                   *, folds: int = 5, seed: int = 0) -> list[tuple[float, float]]:
    """(P@1, MRR) of each `folded` set when its questions are split in `folds` and each fold is
    ranked by weights learned on `fixed` plus the other folds. The folded sets hold the same
    questions in the same order (e.g. one split alone and with distractors)."""
    import numpy as np

    n = len(folded[0])
    order = np.random.RandomState(seed).permutation(n)
    hits = np.zeros((len(folded), 2))
    for f in range(folds):
        test = set(order[f::folds].tolist())
        train = [*fixed, *([c for i, c in enumerate(g) if i not in test] for g in folded)]
        w = fit_weights(train, l2=FIT_L2)
        for k, g in enumerate(folded):
            part = [c for i, c in enumerate(g) if i in test]
            hits[k] += np.asarray(ranking_metrics(part, w)) * len(part)
    return [(round(float(p) / n, 4), round(float(m) / n, 4)) for p, m in hits]


def fit_calibration(calib: tuple[RQESet, QuestionIndex], *, semantic: bool = False
                    ) -> dict[str, Any]:
    """Platt calibration and flag threshold for the installed weights, on `calib`."""
    import numpy as np

    weights = similar.SEMANTIC_WEIGHTS if semantic else similar.WEIGHTS
    wv = np.asarray([weights[k] for k in FEATURES])
    rs, qi = calib
    cgroups = candidate_features(rs, qi, semantic=semantic, vectors=draft_vectors(rs, qi))
    cal = calibrate(cgroups, wv)
    thr = flag_threshold(cgroups, wv, cal)
    _install(dict(weights), cal, thr, semantic)
    return {"calibration": cal, "threshold": thr, "calib": ranking_metrics(cgroups, wv)}


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
