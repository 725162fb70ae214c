"""The Whoosh side of a generation: its schema, and a record's Whoosh document.

Whoosh answers two questions here: "which records have these terms as a phrase in a field"
(positions) and "what exactly was indexed under this id" (the whole record, kept as JSON in
the stored field `record`). Which records have which term, how often and in which field —
everything scoring, filtering and facets need — is answered by the ranking arrays
(`indexer.index.ranking`). Both are written from the same `indexer.index.terms.RecordTerms`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh import fields

from indexer.index.terms import FIELDS, RecordTerms
from indexer.records import Record
from indexer.text.analysis import analyzer

SCHEMA_VERSION = 6  # bump when what is indexed changes: the next build is then a full one


class AnalysedText(fields.TEXT):
    """A text field fed the already-analysed terms of `RecordTerms` as (term, position) pairs,
    so Whoosh posts exactly the terms the ranking arrays count, at their positions in the text
    (a term left out leaves a gap: no phrase is made across it). A string value is analysed
    with the field's analyzer as usual."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        poses: dict[str, list[int]] = defaultdict(list)
        for text, pos in value:
            poses[text].append(pos)
        encode = self.format.encode
        boost = self.format.field_boost
        for text, poslist in poses.items():
            yield text.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


def build_schema() -> fields.Schema:
    ana = analyzer()
    text_fields = {name: AnalysedText(analyzer=ana, phrase=True) for name in FIELDS}
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        record=fields.STORED(),
        **text_fields,
    )


def to_document(rec: Record, terms: RecordTerms) -> dict[str, Any]:
    """The keyword arguments for `writer.add_document` for one record."""
    doc: dict[str, Any] = {"id": rec.id, "record": rec.to_json()}
    for name in FIELDS:
        postings = terms.fields[name].postings()
        if postings:  # an empty field is left out (Whoosh would post an empty term)
            doc[name] = postings
    return doc
