"""Synonyms applied at query time: the editable lay-term file and MedQuAD focus synonyms.

`indexer/data/lay_terms.txt` holds groups of equivalent phrases ("bad back = back pain");
MedQuAD records bring the synonyms of their focus ("AAS" for Aarskog-Scott syndrome), kept in
the generation's gazetteer. A query phrase found in either gets the other names as
alternatives of the same query unit, and the result tells the user (SearchResult.synonyms).

`wordnet_bridges` reads `indexer/data/wordnet_synonyms.txt` (WordNet 3.0's synonyms and
hypernyms of words about the body and its states, made by bench/wordnet_bridge.py) as index
terms: the condition table (`indexer.search.conditions`) lets a visitor's word it barely
knows speak through them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.text.analysis import STOP_WORDS, fold, phrase_key, stem

LAY_TERMS_FILE = Path(__file__).resolve().parent.parent / "data" / "lay_terms.txt"
WORDNET_FILE = LAY_TERMS_FILE.with_name("wordnet_synonyms.txt")
MAX_PHRASE_TERMS = 6


@dataclass(frozen=True)
class SynonymMatch:
    start: int  # index of the first query term of the phrase
    end: int  # one past the last
    phrase: str  # the phrase as written in the file / focus list
    alternatives: tuple[str, ...]  # the other names (display form)
    source: str  # "lay-terms" or "focus"


class LayTerms:
    """Groups of equivalent phrases, looked up by their analysed form."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.groups = [list(g) for g in groups if len(g) > 1]
        self.by_key: dict[str, list[tuple[int, str]]] = {}
        for gi, group in enumerate(self.groups):
            for phrase in group:
                key = phrase_key(phrase)
                if key:
                    self.by_key.setdefault(key, []).append((gi, phrase))
        self.starts = phrase_starts(self.by_key)

    @classmethod
    def from_file(cls, path: Path) -> LayTerms:
        groups = []
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return cls([])
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            if "=" not in line:
                continue
            group = [p.strip() for p in line.split("=") if p.strip()]
            if len(group) > 1:
                groups.append(group)
        return cls(groups)

    def lookup(self, key: str) -> tuple[str, tuple[str, ...]] | None:
        found = self.by_key.get(key)
        if not found:
            return None
        gi, phrase = found[0]
        others = tuple(p for p in self.groups[gi] if phrase_key(p) != key)
        return (phrase, others) if others else None


_LOCK = threading.Lock()
_CACHE: dict[str, tuple[float, float, LayTerms]] = {}  # path -> (mtime, checked at, table)
RECHECK_SECONDS = 1.0  # an edited file is seen within this long (a stat per query cost ~2%)


def lay_terms(path: Path | None = None) -> LayTerms:
    """The lay-term table, re-read when the file changes (its mtime looked at no more than
    once every `RECHECK_SECONDS`). Called for every query."""
    key = os.fspath(os.environ.get("QASEARCH_LAY_TERMS") or path or LAY_TERMS_FILE)
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and now - hit[1] < RECHECK_SECONDS:
        return hit[2]
    try:
        mtime = os.stat(key).st_mtime
    except OSError:
        mtime = -1.0
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is None or hit[0] != mtime:
            hit = (mtime, now, LayTerms.from_file(Path(key)))
        else:
            hit = (mtime, now, hit[2])
        _CACHE[key] = hit
    return hit[2]


def phrase_starts(phrases: Iterable[str]) -> dict[str, int]:
    """First term -> the most terms of a phrase (space-separated analysed terms) starting
    with it: a query term that starts none needs no lookup (`find_synonyms`)."""
    out: dict[str, int] = {}
    for phrase in phrases:
        terms = phrase.split(" ")
        if out.get(terms[0], 0) < len(terms):
            out[terms[0]] = len(terms)
    return out


def find_synonyms(
    terms: Sequence[str],
    *,
    table: LayTerms | None = None,
    gazetteer: dict[str, list[int]] | None = None,
    focus_names: Sequence[str] = (),
    min_focus_chars: int = 3,
    capitals: frozenset[str] = frozenset(),
    acronym_max: int = 4,
    acronyms: Collection[str] | None = None,
    gazetteer_starts: Mapping[str, int] | None = None,
    nicknames: Collection[str] = (),
) -> list[SynonymMatch]:
    """Longest-first, non-overlapping phrases of `terms` (analysed query terms) that have
    synonyms in the lay-term table or name a MedQuAD focus by one of its other names.
    A focus name made only of short words and written as an acronym ("MED", "GSD VI": its
    key in `acronyms`; without that set, any name of short words) counts only when one of
    them was typed in capitals (its term in `capitals`). `gazetteer_starts`: the
    gazetteer's `phrase_starts` (computed here when not given); `nicknames`: gazetteer
    phrases that are not names in a query (`indexer.search.focus.nicknames`)."""
    table = table if table is not None else lay_terms()
    gaz_starts: Mapping[str, int] = {}
    if gazetteer:
        gaz_starts = gazetteer_starts if gazetteer_starts is not None else phrase_starts(
            gazetteer)
    lay_starts = table.starts
    out: list[SynonymMatch] = []
    i = 0
    n = len(terms)
    while i < n:
        found = None
        longest = min(MAX_PHRASE_TERMS, max(lay_starts.get(terms[i], 0),
                                            gaz_starts.get(terms[i], 0)))
        for j in range(min(n, i + longest), i, -1):
            key = " ".join(terms[i:j])
            if key not in table.by_key and (not gazetteer or key not in gazetteer
                                            or key in nicknames):
                continue  # no name at all: nothing to check
            lay = table.lookup(key)
            if lay is not None:
                found = SynonymMatch(i, j, lay[0], lay[1], "lay-terms")
                break
            span = terms[i:j]
            acronym = all(len(t) <= acronym_max or t.isdigit() for t in span) and (
                acronyms is None or key in acronyms
            )
            if gazetteer and key not in nicknames and len(key) >= min_focus_chars and (
                not acronym or any(t in capitals for t in span)
            ):
                ids = gazetteer.get(key)
                if ids:
                    names = [focus_names[k] for k in ids[:3] if k < len(focus_names)]
                    alts = tuple(dict.fromkeys(
                        nm for nm in names if nm and phrase_key(nm) != key
                    ))
                    if alts:
                        found = SynonymMatch(i, j, key, alts, "focus")
                        break
        if found is not None:
            out.append(found)
            i = found.end
        else:
            i += 1
    return out


_WORDNET: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None


def wordnet_bridges(path: Path | None = None
                    ) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Index term -> (the terms of its WordNet synonyms, of its direct hypernyms), from
    `WORDNET_FILE` (a word's first sense; words sharing a term merged); read once per process
    (`path`: another file, read every call). A missing file gives none."""
    global _WORDNET
    if path is None and _WORDNET is not None:
        return _WORDNET
    try:
        text = (path or WORDNET_FILE).read_text(encoding="utf-8")
    except OSError:
        text = ""
    plain_stem = stem.__wrapped__  # not through the stem memo: these words are read once

    def terms(words: list[str]) -> list[str]:
        return [plain_stem(w) for w in map(fold, words) if w and w not in STOP_WORDS]

    merged: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        same, _, above = line.partition("|")
        words = same.split()
        key = terms(words[:1])
        if not key:
            continue
        syns, hyper = merged.setdefault(key[0], ({}, {}))
        syns.update((t, None) for t in terms(words[1:]) if t != key[0])
        hyper.update((t, None) for t in terms(above.split()) if t != key[0] and t not in syns)
    out = {k: (tuple(a), tuple(b)) for k, (a, b) in merged.items() if a or b}
    if path is None:
        _WORDNET = out
    return out
