"""The one record type: a question and its expert answer, as plain data.

Every boundary (parser -> index -> search -> app) passes `Record`s or dicts made from them.
Records are read and written as JSON Lines whose keys are the field names below.

The content hash is ours: `content_hash` is computed from the content fields (lazily, on first
use, then kept) and never taken from input. A `content_hash` key in a dict or a JSON line is
ignored; an index build compares it with the hash its previous generation stored, so it is
only a cache key for "this record is unchanged".

Validation, at every boundary that makes a Record (`Record(...)`, `Record.from_dict`, the
JSON Lines readers) -- one rule for all fields:

- text fields (`id`, `question`, `answer`, `title`, `url`, `source`, `item_id`, `focus`,
  `qtype`) hold strings; `id`, `question` and `answer` are required and `id` is not empty;
- list fields (`flags`, `synonyms`, `cuis`, `urls`) hold lists of strings; `categories` holds
  a list of paths, each a list of strings (a flat list of strings is one path);
- coerced, because nothing is lost: JSON `null` is the field's empty value; an integer `id` or
  `item_id` is its decimal text; a single string where a list is expected is a one-item list
  (for `categories`: a one-level path);
- anything else (`"focus": 5`, `"synonyms": [5]`, `"categories": [[1, 2]]`, `"id": true`)
  rejects the record with a `RecordError` (a ValueError) naming the field and what it got.

The readers report a rejected line with its file, line number and that message and go on;
one bad record never stops a parse or a build. Unknown keys are ignored.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TextIO

# Flags a record can carry.
ORPHAN = "orphan_answer"  # an answer whose question (and title) is unknown
TRUNCATED = "truncated"  # the page was cut short; the text may be incomplete
INTRO_ONLY = "intro_only"  # only a listing intro ("Read more...") was available, not the item page

CategoryPath = list[str]


@dataclass
class Record:
    """One question-and-answer record.

    `categories` holds every category path the item was filed under, deepest (primary) first,
    e.g. ``[["muscles and bones", "back / spine", "lower back pain"]]``.
    `content_hash` is computed from the content fields (see `compute_hash`), never given.
    Field types are checked on construction (see the module doc); a wrong type raises
    RecordError.
    """

    id: str
    question: str
    answer: str
    title: str = ""
    categories: list[CategoryPath] = field(default_factory=list)
    url: str = ""
    source: str = ""
    item_id: str = ""
    flags: list[str] = field(default_factory=list)
    # Not an argument and never read from input: computed from the content on first use
    # (`__getattr__`), then kept. A field, so dataclass tools (fields, asdict) list it.
    content_hash: str = field(init=False, compare=False, repr=False)
    # Structured-source extras (MedQuAD); empty for scraped archive items.
    focus: str = ""
    synonyms: list[str] = field(default_factory=list)
    qtype: str = ""
    cuis: list[str] = field(default_factory=list)
    # Every URL the item was seen at (listing pages, item page), for provenance.
    urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        problem = self.check()
        if problem:
            raise RecordError(problem)

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not set yet: the content hash, on first use
        if name != "content_hash":
            raise AttributeError(name)
        value = self.compute_hash()
        object.__setattr__(self, "content_hash", value)
        return value

    def check(self) -> str | None:
        """What is wrong with the field types (one line naming the field), or None."""
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str):
                return _wrong(name, "text", value)
        if not self.id:
            return "field 'id' is empty"
        for name in _LIST_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return _wrong(name, "a list of text", value)
        cats = self.categories
        if not isinstance(cats, list) or not all(
            isinstance(p, list) and all(isinstance(c, str) for c in p) for p in cats
        ):
            return _wrong("categories", "a list of category paths (lists of text)", cats)
        return None

    @property
    def category(self) -> CategoryPath:
        """The primary (deepest) category path, or [] when the record has none."""
        return self.categories[0] if self.categories else []

    @property
    def is_orphan(self) -> bool:
        return ORPHAN in self.flags

    @property
    def display_question(self) -> str:
        """What to show as the record's heading: the question, else the title."""
        return self.question or self.title or "(answer without a question)"

    def compute_hash(self) -> str:
        """SHA-256 over the fields that change what is indexed (not provenance)."""
        payload = json.dumps(
            [
                normalise_text(self.question),
                normalise_text(self.answer),
                normalise_text(self.title),
                self.categories,
                self.focus,
                self.synonyms,
                self.qtype,
                sorted(self.flags),
                self.url,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def rehashed(self, **changes: Any) -> Record:
        """A copy with `changes` applied (its content hash follows the new content)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The fields in order, with `content_hash`, lists copied (like `dataclasses.asdict`,
        ~8x faster: an index build serialises every record)."""
        out: dict[str, Any] = {}
        for name in _OUT_NAMES:
            value = getattr(self, name)
            if isinstance(value, list):
                value = [list(v) if isinstance(v, list) else v for v in value]
            out[name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Build a record from a dict by the module doc's rules: unknown keys (and
        `content_hash`) are ignored, missing optional ones take defaults, lossless coercions
        are applied; a wrong type raises RecordError naming the field."""
        if not isinstance(data, dict):
            raise RecordError(f"expected a JSON object, got {type(data).__name__}")
        kwargs = {k: _coerce(k, v) for k, v in data.items() if k in _INIT_NAMES}
        missing = [k for k in ("id", "question", "answer") if k not in kwargs]
        if missing:
            raise RecordError(f"record is missing required field(s): {', '.join(missing)}")
        return cls(**kwargs)


class RecordError(ValueError):
    """A record's field has the wrong type or a required field is missing."""


_TEXT_FIELDS = ("id", "question", "answer", "title", "url", "source", "item_id", "focus",
                "qtype")
_LIST_FIELDS = ("flags", "synonyms", "cuis", "urls")
_INIT_NAMES = frozenset(f.name for f in fields(Record) if f.init)
_OUT_NAMES = tuple(f.name for f in fields(Record))  # the keys of `Record.to_dict()`, in order


def _wrong(name: str, expected: str, value: Any) -> str:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"field '{name}' must be {expected}, got {type(value).__name__} {shown}"


def _coerce(name: str, value: Any) -> Any:
    """The module doc's lossless coercions; anything else is left for `Record.check`."""
    if value is None:
        return [] if name in _LIST_FIELDS or name == "categories" else ""
    if name in ("id", "item_id") and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and name in _LIST_FIELDS:
        return [value]
    if name == "categories":
        if isinstance(value, str):
            return [[value]]
        if isinstance(value, list):
            if value and all(isinstance(c, str) for c in value):  # a single path given flat
                return [list(value)]
            return [list(p) if isinstance(p, list) else p for p in value]
    return value


def normalise_text(text: str) -> str:
    """Unicode NFKC, lower case, whitespace folded: for hashing and duplicate keys."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.split())


def read_jsonl(path: str | Path, problems: list[str] | None = None) -> Iterator[Record]:
    """Yield records from a JSON Lines file. Blank lines are skipped. A bad line (not JSON,
    or a record the module doc's rules reject) is reported as '<file>:<line>: <why>' in
    `problems` and skipped; without a `problems` list it raises ValueError with that text."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = Record.from_dict(json.loads(line))
            except ValueError as exc:  # json.JSONDecodeError and RecordError are ValueErrors
                message = f"{path}:{lineno}: not a record: {exc}"
                if problems is None:
                    raise ValueError(message) from exc
                problems.append(f"{message}; line skipped")
                continue
            yield rec


def write_jsonl(records: Iterable[Record], out: str | Path | TextIO) -> int:
    """Write records as JSON Lines to a path or an open text file; return how many."""
    if isinstance(out, (str, Path)):
        with Path(out).open("w", encoding="utf-8") as fh:
            return write_jsonl(records, fh)
    n = 0
    for rec in records:
        out.write(rec.to_json())
        out.write("\n")
        n += 1
    return n
