"""Help for a search that found nothing: shorter queries that do find answers.

Suggestions are made of the units the search core searched (`understood["terms"]`: words, and
phrases such as the lay term "pins and needles", which stay whole):
- a short query (2..6 units): the query with one unit left out;
- a longer one (a whole worried question): its most informative units, the 3 (then 2) units
  that the fewest answers contain among those some answer contains, kept in the order typed;
- with a category filter: the same query in all categories.

Every suggestion is checked with a real search (one hit, not logged) and comes with its
count, so the page never suggests a search that finds nothing either. Used by the results
page and its JSON twin.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from indexer.results import SearchResult
from indexer.text.analysis import STOP_WORDS, stem, words
from search_app.searching import run_search

SHORT_MAX_WORDS = 6  # up to this many words: leave one out at a time
MAX_PROBED_WORDS = 12  # longer queries: words whose answer counts are looked up
MAX_SUGGESTIONS = 5


def _count(q: str, category: list[str] | None) -> int:
    """How many answers `q` finds with all of its words (0 when the core could only find
    answers with some of them: its best hit must match every word)."""
    res = run_search(q, category=category, limit=1, log_query=False).result
    if not res.total or not res.hits:
        return 0
    matched = {m.stem for m in res.hits[0].matches}
    wanted = {stem(w) for w in words(q) if w not in STOP_WORDS}
    return res.total if wanted <= matched else 0


def content_words(text: str) -> list[str]:
    """Words of `text` that carry meaning (no stop words), first spelling of each stem."""
    out: list[str] = []
    seen: set[str] = set()
    for w in words(text):
        if w in STOP_WORDS or len(w) < 2:
            continue
        key = stem(w)
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out


def query_units(res: SearchResult) -> list[str]:
    """The units the core searched: its terms (phrases kept whole), else the searched words."""
    terms = res.understood.get("terms") if isinstance(res.understood, dict) else None
    if isinstance(terms, list) and all(isinstance(t, str) for t in terms) and terms:
        if len(terms) == 1:  # one quoted phrase: its words are what can be left out
            return content_words(terms[0])
        return list(terms)
    return content_words(res.searched or res.query)


def _leave_one_out(query_words: list[str]) -> list[str]:
    out = []
    for i in range(len(query_words)):
        out.append(" ".join(query_words[:i] + query_words[i + 1:]))
    return out


def _informative(query_words: list[str], category: list[str] | None) -> list[str]:
    """Queries of the 3, then 2, words that the fewest answers contain (but some do)."""
    probed = query_words[:MAX_PROBED_WORDS]
    counts = {w: _count(w, category) for w in probed}
    rare = sorted((w for w in probed if counts[w] > 0), key=lambda w: (counts[w], probed.index(w)))
    best = rare[:3]
    if not best:
        return []
    ordered = [w for w in probed if w in best]
    out = [" ".join(ordered)] if len(ordered) > 1 else []
    pairs = sorted(combinations(ordered, 2),
                   key=lambda p: counts[p[0]] + counts[p[1]])  # rarest pair first
    out += [" ".join(p) for p in pairs]
    out.append(best[0])
    return out


def broader(q: str, units: list[str], category: list[str] | None) -> list[dict[str, Any]]:
    """Shorter searches made of `units` (see `query_units`) that find answers, most answers
    first (at most MAX_SUGGESTIONS): dicts with the query `q`, its `total` and whether it
    drops the filter (`all_categories`)."""
    out: list[dict[str, Any]] = []
    if category:
        total = _count(q, None)
        if total:
            out.append({"q": q, "total": total, "all_categories": True})
    typed = units
    if 2 <= len(typed) <= SHORT_MAX_WORDS:
        candidates = _leave_one_out(typed)
    else:
        candidates = _informative(typed, category)
    seen = {q.casefold()}
    found = []
    for cand in candidates:
        if not cand or cand.casefold() in seen:
            continue
        seen.add(cand.casefold())
        total = _count(cand, category)
        if total:
            found.append({"q": cand, "total": total, "all_categories": False})
        if len(found) >= MAX_SUGGESTIONS:
            break
    if len(typed) <= SHORT_MAX_WORDS:
        found.sort(key=lambda b: -b["total"])  # for long queries: the most specific first
    return (out + found)[:MAX_SUGGESTIONS]
