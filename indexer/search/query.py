"""Parsing what a visitor typed into a safe query: never a syntax error for any input.

Supported syntax (a small, forgiving subset):
  "quoted phrase"      words must appear together (an unclosed quote runs to the end)
  -word  -"phrase"     leave out records containing it (also: NOT word)
  a OR b               either is enough (upper-case OR, or ||, between two items)
Anything else is plain words: field prefixes, wildcards, brackets and operators of other
engines are read as text (a field prefix such as "title:" is dropped); a notice names the
operators a user tried ("title:x", "foo*", "a~2"), never ordinary sentence punctuation
("help?", "(sorry)", "Note: ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from indexer.index.caches import entries
from indexer.text.analysis import STOP_WORDS, WORD_RE, fold, stem

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
# Field prefixes of other engines' syntax: dropped ("title:back" searches "back").
FIELD_NAMES = frozenset([
    "title", "intitle", "question", "answer", "body", "text", "content", "category",
    "categories", "tag", "tags", "topic", "subject", "author", "focus", "url", "inurl", "site",
    "id", "type", "field", "name", "description",
])
_FIELD_PREFIX = re.compile(r"([A-Za-z_]+):(?!//)")

# Operators of other engines, as typed on purpose: a field prefix ("title:back", not
# "https://" or "3:30"), a wildcard inside or at the edge of a word ("back*", "te?t", but
# not a question mark ending a sentence), fuzziness or boosts ("pain~2", "back^3"), ranges
# ("[a TO b]"). Sentence punctuation is not; brackets neither ("(back OR neck) pain" works).
_OPERATOR_RE = re.compile(
    r"""
      (?<![\w/.:-])[A-Za-z_]+:(?=[\w"(*])(?!//)   # field:value
    | \w\*|(?<![\w*])\*\w                      # word*  *word
    | \w\?+\w                                  # te?t
    | \w~\d*(?![\w~])                           # word~  word~2
    | \w\^\d                                    # word^3
    | [\[{][^\]}]*\bTO\b[^\]}]*[\]}]?              # [a TO b]
    """,
    re.VERBOSE,
)

_OPERATOR_CHARS = frozenset(":*?~^[{")  # one of which every match of _OPERATOR_RE has


@dataclass
class Item:
    """One word or phrase of the query, as typed."""

    text: str
    phrase: bool = False
    negated: bool = False
    start: int = 0  # offset in the parsed text

    @property
    def words(self) -> list[str]:
        return list(_words_of(self.text))

    @property
    def stems(self) -> list[str]:
        return list(_stems_of(self.text))

    @property
    def word_tuple(self) -> tuple[str, ...]:
        """`words`, shared (not a fresh list): for reading only."""
        return _words_of(self.text)

    @property
    def stem_tuple(self) -> tuple[str, ...]:
        """`stems`, shared (not a fresh list): for reading only."""
        return _stems_of(self.text)


# An item's words and stems are read many times while a query is planned: computed once
# per text (the same words come back in query after query).
@lru_cache(maxsize=entries("query_words"))
def _words_of(text: str) -> tuple[str, ...]:
    return tuple(w for w in (fold(m) for m in WORD_RE.findall(text)) if w)


@lru_cache(maxsize=entries("query_stems"))
def _stems_of(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _words_of(text) if w not in STOP_WORDS)


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
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text.strip()


def parse(text: object) -> ParsedQuery:
    """Parse `text` (any value) into a `ParsedQuery`. Never raises."""
    text = clean_text(text)
    pq = ParsedQuery(source=text)
    operators = _operator_attempts(text)
    pending_or = False
    pending_not = False
    for m in _TOKEN_RE.finditer(text):
        neg, phrase, word = m.group("neg", "phrase", "word")
        negated = bool(neg) or pending_not
        pending_not = False
        if word is not None and phrase is None:
            if word in ("OR", "||"):
                pending_or = bool(pq.groups)
                continue
            if word in ("AND", "&&", "+"):
                continue
            if word == "NOT":
                pending_not = True
                continue
            text_start = m.start("word")
            bare = word.lstrip("+")
            field_m = _FIELD_PREFIX.match(bare) if ":" in bare else None
            if field_m and field_m.group(1).lower() in FIELD_NAMES:
                bare = bare[field_m.end():]  # "title:back" searches "back" everywhere
            item = Item(text=bare, start=text_start + len(word) - len(bare))
        else:
            item = Item(text=phrase or "", phrase=True, start=m.start())
        words = _words_of(item.text)
        if not words:
            pending_or = False
            continue
        if negated:
            pq.negated.append(item)
            pending_or = False
            continue
        if item.phrase and len(words) == 1:
            item.phrase = False
        if pending_or and pq.groups:
            pq.groups[-1].append(item)
        else:
            pq.groups.append([item])
        pending_or = False
    if operators:
        shown = ", ".join(f"“{op}”" for op in operators[:3])
        pq.notices.append(
            f"{shown}: field names (title:), wildcards (*, ?), ~ and ^ are not search "
            f"operators here, so {'it was' if len(operators) == 1 else 'they were'} searched "
            "as plain words. Use quotes for a phrase, -word to leave a word out, OR between "
            "alternatives."
        )
    return pq


def _scan_from(text: str, first: int) -> int:
    """Where a match of _OPERATOR_RE can start at the earliest, given the first operator
    character at `first`: every match holds one, and starts at most one character before
    it, or at the letters of a field name before a colon (a run no operator character
    interrupts). Its look-behinds still see the text before (so the matches are those of a
    scan from the start, found without trying every character of a long message)."""
    i = first
    while i > 0 and (text[i - 1].isascii() and (text[i - 1].isalpha() or text[i - 1] == "_")):
        i -= 1
    return max(0, min(i, first - 1))


def _operator_attempts(text: str) -> list[str]:
    """The words of `text` that try an operator this search does not support (as typed,
    first occurrence of each), never ordinary sentence punctuation."""
    out: list[str] = []
    if not _OPERATOR_CHARS.intersection(text):
        return out  # (every operator has one of these characters)
    first = min(i for i in map(text.find, _OPERATOR_CHARS) if i >= 0)
    for m in _OPERATOR_RE.finditer(text, _scan_from(text, first)):
        # the whole white-space-delimited word around the operator
        start = text.rfind(" ", 0, m.start()) + 1
        end = text.find(" ", m.end() - 1)
        word = text[start: end if end >= 0 else len(text)]
        if m.group(0).startswith(("[", "{")):
            word = m.group(0)
        word = word.replace('"', "")[:40]
        if word not in out:
            out.append(word)
    return out
