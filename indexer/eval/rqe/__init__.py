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
precision first); `--write` saves them to `indexer/data/similar_weights.json`.

Modules: `sets` (the splits in retrieval form, MedQuAD distractors, the question index of a
set), `measure` (the figures), `fit` (weights, calibration, threshold; writing them).
"""

from indexer.editors.similar import FEATURES, QuestionIndex
from indexer.eval.rqe.fit import (
    Candidates,
    calibrate,
    candidate_features,
    cross_validate,
    fit,
    fit_calibration,
    fit_weights,
    flag_threshold,
    ranking_metrics,
    write,
)
from indexer.eval.rqe.measure import (
    RQEFigures,
    draft_vectors,
    evaluate,
    format_table,
    pair_flags,
    pair_scores,
)
from indexer.eval.rqe.sets import (
    SPLITS,
    RQESet,
    build_index,
    distractor_rows,
    load_set,
    medquad_questions,
    question_key,
    question_keys,
    remove_identical,
    rqe_path,
)

__all__ = [
    "FEATURES",
    "SPLITS",
    "Candidates",
    "QuestionIndex",
    "RQEFigures",
    "RQESet",
    "build_index",
    "calibrate",
    "candidate_features",
    "cross_validate",
    "distractor_rows",
    "draft_vectors",
    "evaluate",
    "fit",
    "fit_calibration",
    "fit_weights",
    "flag_threshold",
    "format_table",
    "load_set",
    "medquad_questions",
    "pair_flags",
    "pair_scores",
    "question_key",
    "question_keys",
    "ranking_metrics",
    "remove_identical",
    "rqe_path",
    "write",
]
