"""Urgent-symptom queries: which ones pin the emergency notice above the results.

The trigger phrases live in an editable data file (`search_app/data/urgent_terms.txt`, or
the file named by `settings.urgent_terms_file`). A phrase matches when all of its words occur
in the query close together (in any order), after folding case, apostrophes and common
endings, so "chest pains", "pain in my chest" and "Chest pain!" all match "chest pain".
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SLACK = 3  # extra words allowed between a phrase's words


def _fold(word: str) -> str:
    """A deliberately crude stemmer: plural, -ing and -ed endings, then a final e
    (bruise/bruised/bruises -> bruis, breathe/breathing -> breath)."""
    word = word.replace("'", "")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [_fold(w) for w in _WORD.findall(text)]


class UrgentTerms:
    def __init__(self, phrases: list[str]) -> None:
        self._pairs = [(p.strip(), tuple(words(p))) for p in phrases if words(p)]
        self.phrases = [p for p, _ in self._pairs]

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> UrgentTerms:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("search_app").joinpath("data/urgent_terms.txt").read_text(
                encoding="utf-8"
            )
        lines = [ln.strip() for ln in text.splitlines()]
        return cls([ln for ln in lines if ln and not ln.startswith("#")])

    def match(self, *texts: str) -> str | None:
        """The first phrase found in any of `texts`, or None."""
        for text in texts:
            toks = words(text or "")
            if not toks:
                continue
            positions: dict[str, list[int]] = {}
            for i, tok in enumerate(toks):
                positions.setdefault(tok, []).append(i)
            for phrase, folded in self._pairs:
                if _near(folded, positions):
                    return phrase
        return None


def _near(phrase: tuple[str, ...], positions: dict[str, list[int]]) -> bool:
    if any(w not in positions for w in phrase):
        return False
    if len(phrase) == 1:
        return True
    window = len(phrase) + _SLACK
    first, rest = phrase[0], phrase[1:]
    for start in positions[first]:
        if all(any(abs(p - start) < window for p in positions[w]) for w in rest):
            return True
    return False


@lru_cache(maxsize=8)
def load(path: str = "") -> UrgentTerms:
    return UrgentTerms.from_file(path or None)
