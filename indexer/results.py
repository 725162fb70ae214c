"""Plain-data results of the search core: what views, the JSON API and the CLI receive.

Nothing here refers to Whoosh. Every type converts to JSON-ready dicts with `to_dict()`.
Text that came from scraped pages is never HTML: highlighted snippets are lists of
`Segment(text, highlight)` and callers escape `text` when they render it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class QueryError(ValueError):
    """A request the search core refuses (bad limit, offset, category...): its message is
    safe to show to the user and maps to HTTP 400. Query *text* never raises this."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of snippet text; `highlight` marks a matched term."""

    text: str
    highlight: bool = False


_new_object = object.__new__
_set_text = Segment.__dict__["text"].__set__
_set_highlight = Segment.__dict__["highlight"].__set__


def segment(text: str, highlight: bool = False) -> Segment:
    """`Segment(text, highlight)`, made without the frozen dataclass's `__init__` (which
    sets each field through `object.__setattr__`): half the time, and a search's snippets
    make ~35 of them."""
    seg = _new_object(Segment)
    _set_text(seg, text)
    _set_highlight(seg, highlight)
    return seg


@dataclass
class Match:
    """Why a hit matched: one query term and where it met the record."""

    term: str  # the word as the user typed it (or the synonym / correction used)
    stem: str  # the analysed form that met the index
    fields: list[str]  # record fields it matched in: question, answer, title, focus...
    via: str = "query"  # "query", "synonym", "correction" or "expansion"


def match(term: str, stem: str, fields: list[str], via: str) -> Match:
    """`Match(term, stem, fields, via)`, made without the dataclass's `__init__` (an
    attribute set per field, in Python; a page of hits makes a few dozen)."""
    obj = _new_object(Match)
    obj.__dict__ = {"term": term, "stem": stem, "fields": fields, "via": via}
    return obj


@dataclass
class Elsewhere:
    """Another record with the same answer as a hit (the same condition and section, or
    nearly the same text): listed with the hit instead of as a hit of its own."""

    id: str
    question: str  # display question
    url: str
    source: str


@dataclass
class Hit:
    id: str
    question: str  # display question (falls back to the title for orphan answers)
    title: str
    categories: list[list[str]]  # every path, primary first
    url: str
    source: str
    score: float
    rank: int  # 1-based position in the whole result list
    question_parts: list[Segment] = field(default_factory=list)
    answer_parts: list[Segment] = field(default_factory=list)  # best fragment of the answer
    matches: list[Match] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    also_in: list[Elsewhere] = field(default_factory=list)  # duplicates collapsed into it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Facet:
    """A category path and how many of the matching records are filed under it."""

    path: list[str]
    count: int


@dataclass
class SynonymUse:
    """A query phrase and the equivalent terms that were searched too (shown to the user)."""

    phrase: str
    alternatives: list[str]
    source: str  # "lay-terms" (editable file) or "focus" (MedQuAD synonyms)


@dataclass
class SearchResult:
    query: str  # what the user typed
    searched: str  # what was searched after spelling correction / reduction
    total: int  # number of matching records (before pagination)
    offset: int
    limit: int
    hits: list[Hit]
    did_you_mean: str | None = None  # a suggested spelling, when the query looks misspelt
    corrected: bool = False  # True when `hits` are for `did_you_mean`, not the typed query
    synonyms: list[SynonymUse] = field(default_factory=list)
    facets: list[Facet] = field(default_factory=list)
    category: list[str] | None = None  # the category filter applied, if any
    understood: dict[str, Any] = field(default_factory=dict)  # e.g. {"qtype": ..., "focus": ...}
    notices: list[str] = field(default_factory=list)  # e.g. "ignored unsupported syntax"
    # distinctive words of the search that no answer mentions ("IVF"); records that lack
    # them are not listed for the other words alone (issue F, item 5: no padding)
    unmatched: list[str] = field(default_factory=list)
    # when that leaves nothing: the topics (category paths) where the other words lead,
    # closest first, with how many records there have them
    topics: list[Facet] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Suggestion:
    """An as-you-type completion: a known question or a term."""

    text: str
    kind: str  # "question" or "term"
    id: str | None = None  # record id for questions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CategoryNode:
    name: str
    path: list[str]
    count: int  # records filed under this path or below it
    children: list[CategoryNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SimilarHit:
    """A similar archived question for a draft question (editors' tool, issue D)."""

    id: str
    question: str
    categories: list[list[str]]
    url: str
    score: float  # calibrated similarity, 0..1
    likely_answered: bool  # score at or above the calibrated threshold
    matches: list[Match] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
