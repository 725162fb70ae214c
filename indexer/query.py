"""Parsing what a visitor typed into a safe query: never a syntax error for any input.

Supported syntax (a small, forgiving subset):
  "quoted phrase"      words must appear together (an unclosed quote runs to the end)
  -word  -"phrase"     leave out records containing it (also: NOT word)
  a OR b               either is enough (upper-case OR between two items)
Anything else is plain words: field prefixes, wildcards, brackets and operators of other
engines are read as text, and a notice tells the user what was ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.analysis import STOP_WORDS, WORD_RE, fold, stem

MAX_QUERY_CHARS = 4000  # longer input is cut (a whole pasted letter is still searched)

_TOKEN_RE = re.compile(
    r"""
    (?P<neg>(?:(?<=\s)|^)-(?=["\w]))?      # a minus that starts an item
    (?:
        "(?P<phrase>[^"]*)(?:"|$)          # a quoted phrase (unclosed: to the end)
      | (?P<word>[^\s"]+)                  # anything else up to white space or a quote
    )
    """,
    re.VERBOSE,
)
_SYNTAX_CHARS = re.compile(r"[*?~^:()\[\]{}]")


@dataclass
class Item:
    """One word or phrase of the query, as typed."""

    text: str
    phrase: bool = False
    negated: bool = False
    start: int = 0  # offset in the parsed text

    @property
    def words(self) -> list[str]:
        return [w for w in (fold(m) for m in WORD_RE.findall(self.text)) if w]

    @property
    def stems(self) -> list[str]:
        return [stem(w) for w in self.words if w not in STOP_WORDS]


@dataclass
class ParsedQuery:
    """Positive units (each a list of alternatives joined by OR) and negated items."""

    groups: list[list[Item]] = field(default_factory=list)
    negated: list[Item] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    source: str = ""  # the cleaned text that was parsed

    @property
    def items(self) -> list[Item]:
        return [it for g in self.groups for it in g]

    @property
    def phrases(self) -> list[Item]:
        return [it for it in self.items if it.phrase and len(it.stems) > 1]

    def text(self) -> str:
        """The positive part of the query as plain words (for display and spelling)."""
        return " ".join(it.text for it in self.items)


def clean_text(text: object) -> str:
    """Any input as a bounded, printable string (control characters become spaces)."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_QUERY_CHARS]
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.strip()


def parse(text: object) -> ParsedQuery:
    """Parse `text` (any value) into a `ParsedQuery`. Never raises."""
    text = clean_text(text)
    pq = ParsedQuery(source=text)
    syntax_seen = bool(_SYNTAX_CHARS.search(text))
    pending_or = False
    pending_not = False
    for m in _TOKEN_RE.finditer(text):
        phrase = m.group("phrase")
        word = m.group("word")
        negated = bool(m.group("neg")) or pending_not
        pending_not = False
        if word is not None and phrase is None:
            if word == "OR":
                pending_or = bool(pq.groups)
                continue
            if word in ("AND", "&&", "+"):
                continue
            if word == "NOT":
                pending_not = True
                continue
            item = Item(text=word.lstrip("+"), start=m.start())
        else:
            item = Item(text=phrase or "", phrase=True, start=m.start())
        if not item.words:
            pending_or = False
            continue
        if negated:
            pq.negated.append(item)
            pending_or = False
            continue
        if item.phrase and len(item.words) == 1:
            item.phrase = False
        if pending_or and pq.groups:
            pq.groups[-1].append(item)
        else:
            pq.groups.append([item])
        pending_or = False
    if syntax_seen:
        pq.notices.append(
            "Special characters such as * ? ~ ^ : ( ) are not search operators here; "
            "they were read as plain text."
        )
    return pq
