"""The search view of the question-type model, under its old name (`indexer.search.plan` imports
it from here); the model and its cue table are in `indexer.text.qtypes`."""

from indexer.text.qtypes import LABELS, RELATED, question_types, with_related

__all__ = ["LABELS", "RELATED", "question_types", "with_related"]
