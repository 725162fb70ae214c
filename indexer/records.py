"""The one record type: a question and its expert answer, as plain data.

Every boundary (parser -> index -> search -> app) passes `Record`s or dicts made from them.
Records are read and written as JSON Lines whose keys are the field names below.
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
    `content_hash` is filled from the content fields when left empty (see `compute_hash`).
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
    content_hash: str = ""
    # Structured-source extras (MedQuAD); empty for scraped archive items.
    focus: str = ""
    synonyms: list[str] = field(default_factory=list)
    qtype: str = ""
    cuis: list[str] = field(default_factory=list)
    # Every URL the item was seen at (listing pages, item page), for provenance.
    urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = self.compute_hash()

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
        """A copy with `changes` applied and the content hash recomputed."""
        new = replace(self, **changes, content_hash="")
        return new

    def to_dict(self) -> dict[str, Any]:
        """The fields in order, lists copied (what `dataclasses.asdict` gives, ~8x faster:
        an index build serialises every record)."""
        out: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, list):
                value = [list(v) if isinstance(v, list) else v for v in value]
            out[name] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Build a record from a dict; unknown keys are ignored, missing ones take defaults."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        missing = [k for k in ("id", "question", "answer") if k not in kwargs]
        if missing:
            raise ValueError(f"record is missing required field(s): {', '.join(missing)}")
        cats = kwargs.get("categories") or []
        if cats and isinstance(cats[0], str):  # a single path given flat
            cats = [cats]
        kwargs["categories"] = [list(p) for p in cats]
        return cls(**kwargs)


_FIELD_NAMES = tuple(f.name for f in fields(Record))


def normalise_text(text: str) -> str:
    """Unicode NFKC, lower case, whitespace folded: for hashing and duplicate keys."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(text.split())


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Yield records from a JSON Lines file. Blank lines are skipped; a bad line raises
    ValueError naming the file and line number."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield Record.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{lineno}: not a record: {exc}") from exc


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
