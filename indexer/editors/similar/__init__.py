"""Similar archived questions for a draft question (editors' tool: "was this already answered?").

A draft question is compared with every archived *question* (not the answers): a consumer's
long message and a short FAQ ask the same thing when they are about the same condition and
ask the same kind of thing about it. So each candidate is scored on a few plain features:

- ``focus``: how much of the archived question's condition (MedQuAD's focus and its synonyms,
  else the question's words that are not question-type words) the draft mentions, weighted by
  rarity (IDF), and ``focus_subject`` the same within the draft's first sentence (its subject);
- ``type``: agreement of the question types (treatment, causes, diagnosis, outlook, ...;
  `indexer.text.qtypes`; MedQuAD records keep their labelled type);
- ``doc_cover``: how much of the archived question the draft covers (IDF-weighted), and
  ``draft_cover``: how much of the draft's subject the archived question covers;
- ``specific_generic``: the archived question asks nothing specific ("What is X?", "Do you
  have information about X?") while the draft asks something specific (its weight over the
  types that are not "information"): a general page about the right condition is the usual
  wrong first hit once the archive is large;
- ``semantic`` (optional extra, `pip install .[semantic]`): cosine of sentence embeddings.

The features are combined linearly with weights learned on the RQE pairs and the
sum is mapped to 0..1 by a logistic curve fitted on the same pairs (`indexer.eval.rqe` does
both: ``qasearch eval rqe --fit --write`` writes them to `indexer/data/similar_weights.json`,
which `model` reads). A hit is flagged "likely already answered" when its calibrated score
reaches the threshold chosen on the RQE validation pairs.

The question index is a small in-memory inverted index over question text, focus and
synonyms built from the records of the search index (one per index generation, cached).

Modules: `features` (draft and archived question analysed), `model` (feature names, fitted
weights and calibration, the flag), `index` (the question index: candidates, scoring,
explanation), `service` (over the search index: the calls the app and the CLI make).
"""

from indexer.editors.similar.features import (
    Draft,
    Entry,
    core_text,
    make_draft,
    make_entry,
    subject_of,
    terms_of,
    type_similarity,
    written_words,
)
from indexer.editors.similar.index import SEMANTIC_NEAREST, ExplainedHit, QuestionIndex
from indexer.editors.similar.model import FEATURES, VERDICTS, flag
from indexer.editors.similar.service import (
    configure,
    question_index,
    similar_questions,
    warm,
)

__all__ = [
    "FEATURES",
    "SEMANTIC_NEAREST",
    "VERDICTS",
    "Draft",
    "Entry",
    "ExplainedHit",
    "QuestionIndex",
    "configure",
    "core_text",
    "flag",
    "make_draft",
    "make_entry",
    "question_index",
    "similar_questions",
    "subject_of",
    "terms_of",
    "type_similarity",
    "warm",
    "written_words",
]
