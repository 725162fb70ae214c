"""As-you-type suggestions: completions of the last word from the corpus vocabulary, and
known questions containing what was typed so far (the last word as a prefix)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from indexer.index.store import Session
from indexer.index.strings import WordCounts
from indexer.results import Suggestion
from indexer.search.query import clean_text
from indexer.text.analysis import STOP_WORDS, WORD_RE, fold, stem

MAX_PREFIX_CHARS = 200
MAX_COMPLETIONS = 6


MIN_COMPLETION_COUNT = 2  # a word completes a prefix when the corpus has it this often
MAX_SCANNED = 2000  # words starting with the prefix looked at (a short prefix has thousands)


def sorted_words(s: Session) -> WordCounts:
    """The generation's spelling vocabulary with its words in sorted order: the stored table
    (shared arrays), or for a generation written before it was stored, one built once."""
    gen = s.gen
    cached = gen.cache.get("suggest_words")
    if cached is None:
        words = s.data.words
        if not isinstance(words, WordCounts) or words.table.order is None:
            words = WordCounts.build(words)
        cached = gen.cache["suggest_words"] = words
    return cached


def completions(s: Session, prefix: str, limit: int = MAX_COMPLETIONS) -> list[str]:
    """Vocabulary words starting with `prefix`, most frequent first."""
    if not prefix:
        return []
    words = sorted_words(s)
    table, counts = words.table, words.counts
    found: list[tuple[int, str]] = []
    for pos in table.prefixed(prefix):
        count = int(counts[pos])
        if count >= MIN_COMPLETION_COUNT:
            found.append((-count, table[pos]))
            if len(found) > MAX_SCANNED:
                break
    found.sort()
    return [w for _, w in found[:limit]]


def suggest(s: Session, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Up to `limit` suggestions for what is being typed: query completions first (kind
    "term"), then known questions (kind "question", with the record id)."""
    try:
        limit = max(1, min(int(limit), 50))
    except (TypeError, ValueError):
        limit = 8
    text = clean_text(prefix)[:MAX_PREFIX_CHARS]
    raw = WORD_RE.findall(text)
    if not raw:
        return []
    typed = [fold(w) for w in raw]
    partial = not text[-1:].isspace() and text[-1:] not in ".?!"
    head, last = (typed[:-1], typed[-1]) if partial else (typed, "")
    if partial and len(last) < 2 and not head:
        return []
    comps = completions(s, last) if partial else []
    if partial and last in comps:
        comps.remove(last)
        comps.insert(0, last)
    out: list[Suggestion] = []
    base = " ".join(raw[:-1]) if partial else " ".join(raw)
    for c in comps[: max(1, limit // 3)]:
        q = f"{base} {c}".strip()
        if q.casefold() != text.casefold():
            out.append(Suggestion(text=q, kind="term"))
    out.extend(_questions(s, head, comps if partial else [], limit - len(out)))
    return out[:limit]


def _questions(s: Session, head: list[str], comps: list[str], limit: int) -> list[Suggestion]:
    if limit <= 0:
        return []
    data = s.data
    n = data.n_rows
    score = np.zeros(n, np.float32)
    ok = data.live.copy()
    stems = [stem(w) for w in head if w not in STOP_WORDS]
    groups = [[t] for t in dict.fromkeys(stems)]
    last = [stem(c) for c in comps if c not in STOP_WORDS]
    if last:
        groups.append(list(dict.fromkeys(last)))
    if not groups:
        return []
    for group in groups:
        mask = np.zeros(n, dtype=bool)
        for t in group:
            for f in ("question", "title"):
                rows, _ = data.postings(f, t)
                if len(rows):
                    mask[rows] = True
                    score[rows] += data.idf(len(rows))
        ok &= mask
    rows = np.flatnonzero(ok)
    if not len(rows):
        return []
    qlen = data.lengths["question"][rows] + data.lengths["title"][rows]
    order = np.lexsort((rows, qlen, -score[rows]))[: limit * 3]
    out: list[Suggestion] = []
    seen: set[str] = set()
    for r in rows[order]:
        rec = _stored(s, int(r))
        q = rec.get("question") or rec.get("title") or ""
        key = q.casefold().strip()
        if not q or key in seen:
            continue
        seen.add(key)
        out.append(Suggestion(text=q, kind="question", id=rec.get("id")))
        if len(out) >= limit:
            break
    return out


def _stored(s: Session, row: int) -> dict[str, Any]:
    return json.loads(s.searcher.stored_fields(row)["record"])
