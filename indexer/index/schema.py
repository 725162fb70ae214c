"""The Whoosh schema of a generation, and how a `Record` becomes a Whoosh document.

Text fields share the one analyzer (`indexer.text.analysis.analyzer`). The whole record is kept as
JSON in the stored field `record`, so a hit or `get_record` gives back exactly what was indexed.
Categories are indexed twice: their words in `category` (so "back" finds items filed under
"back / spine") and each path prefix as an opaque key in `catkey` (for exact filtering).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from whoosh import fields

from indexer.text.analysis import analyzer
from indexer.records import Record

# The text fields a query is matched against (ranking weights live in `indexer.index.ranking`).
TEXT_FIELDS: tuple[str, ...] = ("question", "title", "focus", "category", "answer")

SCHEMA_VERSION = 5  # bump when what is indexed changes: the next build is then a full one


def build_schema() -> fields.Schema:
    ana = analyzer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        question=fields.TEXT(analyzer=ana, phrase=True),
        title=fields.TEXT(analyzer=ana, phrase=True),
        focus=fields.TEXT(analyzer=ana, phrase=True),
        category=fields.TEXT(analyzer=ana, phrase=True),
        answer=fields.TEXT(analyzer=ana, phrase=True),
        catkey=fields.KEYWORD(commas=True, scorable=False),
        qtype=fields.ID(),
        source=fields.ID(),
        record=fields.STORED(),
    )


def path_key(path: Sequence[str]) -> str:
    """An opaque, comma-free key for a category path (case-insensitive)."""
    joined = "\x1f".join(p.strip().casefold() for p in path)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]  # noqa: S324 - a key, not security


def path_prefixes(categories: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """Every distinct prefix of every category path (so filtering on a parent finds children)."""
    seen: dict[tuple[str, ...], None] = {}
    for path in categories:
        clean = tuple(p.strip() for p in path if p and p.strip())
        for i in range(1, len(clean) + 1):
            seen.setdefault(clean[:i], None)
    return list(seen)


def focus_text(rec: Record) -> str:
    """The focus and its synonyms, one per line (what the `focus` field indexes)."""
    return "\n".join([rec.focus, *rec.synonyms]) if (rec.focus or rec.synonyms) else ""


def category_text(rec: Record) -> str:
    """Words of the record's category names (each name once)."""
    names = dict.fromkeys(name for path in rec.categories for name in path)
    return "\n".join(names)


def to_document(rec: Record, tokens: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The keyword arguments for `writer.add_document` for one record.

    `tokens` (field -> terms from `indexer.text.analysis.analyse`) saves Whoosh analysing the text
    again: Whoosh indexes a list value as already-analysed tokens, positions in list order.
    """
    texts: dict[str, Any] = {
        "question": rec.question,
        "title": rec.title,
        "focus": focus_text(rec),
        "category": category_text(rec),
        "answer": rec.answer,
    }
    if tokens is not None:
        texts = {name: list(tokens[name]) for name in texts}
    doc = {
        "id": rec.id,
        **texts,
        "catkey": ",".join(path_key(p) for p in path_prefixes(rec.categories)),
        "qtype": rec.qtype or "",
        "source": rec.source or "",
        "record": rec.to_json(),
    }
    # Whoosh indexes an empty string as a term: leave empty fields out instead.
    return {k: v for k, v in doc.items() if v or k in ("id", "record")}
