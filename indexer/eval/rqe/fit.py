"""Fitting similar questions' model on RQE: the feature weights (pairwise logistic regression),
the 0..1 calibration (Platt scaling) and the flag threshold; `write` saves them as the data
file `indexer.editors.similar.model` reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexer.editors.similar import FEATURES, QuestionIndex, flag, model
from indexer.editors.similar.index import SEMANTIC_NEAREST
from indexer.eval.rqe.measure import RANK_ALL_UP_TO, draft_vectors
from indexer.eval.rqe.sets import RQESet

FLAG_PRECISION = 0.8  # the "likely already answered" flag: right this often on validation
FLAG_MIN_PROBABILITY = 0.5
FIT_L2 = 3e-3  # weight decay of `fit_weights` (chosen by `fit`'s cross-validated P@1)


@dataclass
class Candidates:
    """One consumer question's candidates: their features (rows, `FEATURES` order) and
    whether each is a true FAQ."""

    x: Any  # numpy array (n, len(FEATURES))
    y: Any  # numpy bool array (n,)
    asked: Any = None  # numpy array (n,): `QuestionIndex.asked_cover` (for the flag)


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
                idxs |= set(qi.semantic.nearest(d.vector, qi.vectors, SEMANTIC_NEAREST))
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
        tops.append((model.sigmoid(cal[0] * float(s[i]) + cal[1]), ok, feats, asked))
    best = 0.95
    for t in (round(v / 100, 2) for v in range(95, int(FLAG_MIN_PROBABILITY * 100) - 1, -1)):
        flagged = [ok for p, ok, f, a in tops if flag(p, f, t, a)]
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
    Returns them; also installs them in `indexer.editors.similar.model` for this process
    (`write` saves them)."""
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
    current = model.scoring(semantic)
    model.install(model.Scoring(weights, current.calibration, current.threshold),
                  semantic=semantic)
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

    weights = model.scoring(semantic).weights
    wv = np.asarray([weights[k] for k in FEATURES])
    rs, qi = calib
    cgroups = candidate_features(rs, qi, semantic=semantic, vectors=draft_vectors(rs, qi))
    cal = calibrate(cgroups, wv)
    thr = flag_threshold(cgroups, wv, cal)
    model.install(model.Scoring(dict(weights), cal, thr), semantic=semantic)
    return {"calibration": cal, "threshold": thr, "calib": ranking_metrics(cgroups, wv)}


def write(command: str, path: Any = None) -> Any:
    """Save the model this process now uses (what `fit` or `fit_calibration` installed) as the
    data file, with where it came from; returns the path written."""
    m = model.current()
    source = (
        f"Fitted by `{command}` on {dt.date.today().isoformat()} (indexer/eval/rqe/fit.py): "
        "feature weights by pairwise logistic regression on the RQE training and validation "
        "splits, each alone and with MedQuAD's questions as distractors; Platt calibration on "
        "the validation split's first hits; flag threshold: the lowest calibrated score at "
        f"which flagged first hits were right >= {FLAG_PRECISION:.0%} of the time on "
        f"validation (never below {FLAG_MIN_PROBABILITY}). A mode not fitted by this command "
        "keeps its earlier values."
    )
    target = model.WEIGHTS_FILE if path is None else path
    model.save(model.Model(m.lexical, m.semantic, source), target)
    return target
