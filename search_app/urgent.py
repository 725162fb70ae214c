"""Urgent help: which emergency a query describes, and what to tell the visitor to do.

The table lives in a data file (`search_app/data/urgent_help.toml`, or the file named by
`settings.urgent_terms_file`): each situation has its own title, message, actions (`tel:`
links) and trigger phrases. A trigger matches when all of its words occur next to each other
in the query (in any order, small words ignored), after folding case, apostrophes and endings
with the index's stemmer, so "pain in my chest" and "Chest pains!" both match "chest pain".
A situation is held back when the query also says one of its `not_when` phrases or a `past`
phrase ("history of", "recovering from"), or when "no"/"not" comes right before the trigger.

An old-style phrase list (a `.txt` file, one phrase a line) still works: its phrases form one
situation whose message is `settings.emergency_notice`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from indexer.text.analysis import stem

BUNDLED = "data/urgent_help.toml"
MAX_SHOWN = 2  # situations shown for one query
SLACK = 1  # other words allowed between a trigger's words
FOLD_MEMO = 8192  # words whose tokens a table keeps (queries repeat their words)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SMALL = frozenset({
    "a", "an", "the", "my", "me", "i", "i'm", "im", "our", "we", "us", "your", "you", "his",
    "her", "he", "she", "him", "their", "they", "them", "it", "its", "this", "that", "these",
    "those", "to", "of", "in", "on", "at", "for", "and", "or", "so", "just", "very", "really",
    "some", "is", "am", "are", "was", "were", "be", "been", "being", "have", "has", "had",
    "do", "does", "did", "feel", "feeling", "felt",
})
_NEGATIONS = frozenset({"no", "not", "never", "without"})
_SAFE_LINK = re.compile(r"^(tel:\+?[0-9]+|sms:\+?[0-9]+(\?body=[A-Za-z0-9%+]+)?|https://\S+)$")

Tokens = tuple[str, ...]


@dataclass(frozen=True)
class Action:
    label: str
    href: str


@dataclass(frozen=True)
class Situation:
    """One emergency: what to say and do, and the phrases that describe it."""

    id: str
    kind: str  # "crisis" (crisis-line card), "emergency" (call 999), "urgent" (call now)
    title: str
    message: str
    actions: tuple[Action, ...] = ()
    triggers: tuple[Tokens, ...] = ()
    not_when: tuple[Tokens, ...] = ()
    past_blocks: bool = True
    negation_blocks: bool = True

    def to_dict(self, elsewhere: str = "") -> dict[str, Any]:
        """What pages, the widget and the API show."""
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "message": self.message,
            "actions": [{"label": a.label, "href": a.href} for a in self.actions],
            "elsewhere": elsewhere,
        }


class Folder:
    """Query text -> comparable tokens: lower case, apostrophes and small words dropped,
    stemmed, and words of one `same` group made one."""

    def __init__(self, same: list[list[str]] | None = None) -> None:
        self._same: dict[str, str] = {}
        for group in same or []:
            stems = [self._stem(w) for w in group]
            for s in stems[1:]:
                self._same[s] = stems[0]
        # every search folds its words: a word's token is kept (bounded, ~1 MB at most)
        self._fold = lru_cache(maxsize=FOLD_MEMO)(self._fold_word)

    def _fold_word(self, word: str) -> str:
        """A lower-case word of the text -> its token ("" for a small word)."""
        if word in _SMALL:
            return ""
        s = self._stem(word)
        return self._same.get(s, s)

    @staticmethod
    def _stem(word: str) -> str:
        word = word.lower().replace("\u2019", "'")
        if word.endswith("'s"):
            word = word[:-2]
        return stem(word.replace("'", ""))

    def tokens(self, text: str) -> Tokens:
        text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
        return tuple(t for t in map(self._fold, _WORD.findall(text)) if t)


@dataclass
class UrgentHelp:
    situations: list[Situation]
    folder: Folder = field(default_factory=Folder)
    past: tuple[Tokens, ...] = ()
    elsewhere: str = ""

    def match(self, *texts: str) -> list[Situation]:
        """The situations that `texts` (the query, the query as searched...) describe, in table
        order, at most MAX_SHOWN."""
        found: set[int] = set()
        seen: set[Tokens] = set()
        for text in dict.fromkeys(texts):  # each text once (the query is often as searched)
            toks = self.folder.tokens(text)
            if not toks or toks in seen:  # the query as searched is often the query itself
                continue
            seen.add(toks)
            positions = _positions(toks)
            past: bool | None = None  # looked up only when a trigger is found
            for i in self._triggered(toks, positions) - found:
                sit = self.situations[i]
                if sit.past_blocks:
                    if past is None:
                        past = any(_find(p, positions) is not None for p in self.past)
                    if past:
                        continue
                if not any(_find(p, positions) is not None for p in sit.not_when):
                    found.add(i)
        return [self.situations[i] for i in sorted(found)][:MAX_SHOWN]

    @cached_property
    def _by_first_word(self) -> dict[str, list[tuple[int, Tokens]]]:
        """First word of a trigger -> (situation number, trigger): a query is compared with
        the triggers whose first word it holds only (`_find` anchors on that word)."""
        index: dict[str, list[tuple[int, Tokens]]] = {}
        for i, sit in enumerate(self.situations):
            for trigger in sit.triggers:
                index.setdefault(trigger[0], []).append((i, trigger))
        return index

    def _triggered(self, toks: Tokens, positions: dict[str, list[int]]) -> set[int]:
        """Situations with a trigger in the text that no "no"/"not" comes right before."""
        hit: set[int] = set()
        for word in positions:
            for i, trigger in self._by_first_word.get(word, ()):
                if i in hit:
                    continue
                start = _find(trigger, positions)
                if start is None:
                    continue
                negated = start > 0 and toks[start - 1] in _NEGATIONS
                if not (negated and self.situations[i].negation_blocks):
                    hit.add(i)
        return hit

    def to_dicts(self, situations: list[Situation]) -> list[dict[str, Any]]:
        return [s.to_dict(self.elsewhere) for s in situations]

    @classmethod
    def from_toml(cls, text: str, source: str = "urgent help") -> UrgentHelp:
        data = tomllib.loads(text)
        folder = Folder(data.get("same"))
        situations = [_situation(item, folder, source) for item in data.get("situation", [])]
        if not situations:
            raise ValueError(f"{source}: no [[situation]] tables")
        past = tuple(t for t in (folder.tokens(p) for p in data.get("past", [])) if t)
        return cls(situations, folder, past, str(data.get("elsewhere", "")))

    @classmethod
    def from_phrases(cls, phrases: list[str], message: str) -> UrgentHelp:
        """An old-style phrase list: one situation with the site's emergency notice."""
        folder = Folder()
        triggers = tuple(t for t in (folder.tokens(p) for p in phrases) if t)
        sit = Situation("emergency", "emergency", "Need help now?", message, triggers=triggers,
                        past_blocks=False, negation_blocks=False)
        return cls([sit], folder)


def _situation(item: dict[str, Any], folder: Folder, source: str) -> Situation:
    for key in ("id", "kind", "title", "message", "triggers"):
        if not item.get(key):
            raise ValueError(f"{source}: a situation has no {key!r}: {item.get('id', item)}")
    actions = []
    for a in item.get("actions", []):
        if not _SAFE_LINK.match(str(a.get("href", ""))):
            raise ValueError(f"{source}: {item['id']}: action link must be tel:, sms: or "
                             f"https:, not {a.get('href')!r}")
        actions.append(Action(str(a["label"]), str(a["href"])))
    triggers = tuple(t for t in (folder.tokens(p) for p in item["triggers"]) if t)
    not_when = tuple(t for t in (folder.tokens(p) for p in item.get("not_when", [])) if t)
    for t in not_when:
        if any(set(t) <= set(trigger) for trigger in triggers):
            raise ValueError(f"{source}: {item['id']}: not_when {' '.join(t)!r} would hold back "
                             "one of its own triggers (small words are ignored)")
    return Situation(
        id=str(item["id"]), kind=str(item["kind"]), title=str(item["title"]),
        message=" ".join(str(item["message"]).split()), actions=tuple(actions),
        triggers=triggers, not_when=not_when,
        past_blocks=bool(item.get("past_blocks", True)),
        negation_blocks=bool(item.get("negation_blocks", True)),
    )


def _positions(toks: Tokens) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for i, tok in enumerate(toks):
        positions.setdefault(tok, []).append(i)
    return positions


def _find(phrase: Tokens, positions: dict[str, list[int]]) -> int | None:
    """Where `phrase` starts (its first word in the text) when all of its words are within
    len(phrase) + SLACK positions of one another, in any order; else None."""
    if any(w not in positions for w in phrase):
        return None
    window = len(phrase) + SLACK
    for anchor in positions[phrase[0]]:
        chosen = [anchor]
        for w in phrase[1:]:
            near = [p for p in positions[w] if abs(p - anchor) < window]
            if not near:
                break
            chosen.append(min(near, key=lambda p: abs(p - anchor)))
        else:
            if max(chosen) - min(chosen) < window:
                return min(chosen)
    return None


def parse(text: str, *, legacy_message: str = "", source: str = "urgent help") -> UrgentHelp:
    """A TOML table of situations, or an old-style list of phrases (one a line, # comments)."""
    if "[[situation]]" in text:
        return UrgentHelp.from_toml(text, source)
    lines = [ln.strip() for ln in text.splitlines()]
    return UrgentHelp.from_phrases([ln for ln in lines if ln and not ln.startswith("#")],
                                   legacy_message)


@lru_cache(maxsize=8)
def load(path: str = "", legacy_message: str = "") -> UrgentHelp:
    """The table in `path` (default: the bundled one), read once per process."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("search_app").joinpath(BUNDLED).read_text(encoding="utf-8")
    return parse(text, legacy_message=legacy_message, source=path or BUNDLED)
