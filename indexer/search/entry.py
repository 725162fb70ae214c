"""The search calls: `search` (a page of hits for any query text), `rank_ids` (the ranking
alone, for batch runs and evaluation) and `warm` (build the per-generation caches now)."""

from __future__ import annotations

import numpy as np

from indexer.index.store import Session
from indexer.results import SearchResult
from indexer.search.browse import display_order
from indexer.search.execute import run, synonym_terms
from indexer.search.fuse import apply_hybrid
from indexer.search.hits import build_result, empty_result
from indexer.search.validate import check_category, check_paging
from indexer.text.spelling import spell_index

RANK_IDS_MAX = 10_000


def search(
    s: Session,
    query: str,
    *,
    category: list[str] | None = None,
    limit: int = 10,
    offset: int = 0,
    autocorrect: bool = True,
) -> SearchResult:
    """Search `query` (any text). Raises QueryError only for bad limit/offset/category.

    A keyword query lists the records with all of its words first, with the pages about a
    condition it names (`understood["all_words"]` of them, `["about_condition"]` of those for
    the condition), then those with at least half of the typed words, most words first
    (`understood["some_words"]`); `total` counts both. A long question or message ranks
    every record with a score (no such keys). No padding: a word in most records never lists
    a record by itself, and a distinctive word no record has is named in `unmatched` (with
    `topics` when nothing is listed) instead of listing the records without it.

    `autocorrect` (default True): words that look misspelt are also searched as corrected
    ("sciatia" finds "sciatica" too, with a notice), and the corrected query replaces the
    typed one when that finds nothing (`corrected`). With `autocorrect=False` the query is
    run exactly as typed (for "Search instead for ..."): no spelling corrections, while
    `did_you_mean` still suggests one.
    """
    limit, offset = check_paging(limit, offset)
    category = check_category(category)
    typed = query if isinstance(query, str) else ("" if query is None else str(query))
    out = run(s, typed, category, offset + limit, bool(autocorrect))
    out = apply_hybrid(s, typed, out, category)
    if out.plan is None or out.ranked is None:
        notices = list(out.parsed.notices)
        if out.parsed.negated:
            notices.append("Add at least one word to search for: a query cannot only exclude.")
        return empty_result(typed, limit, offset, category, notices)
    return build_result(s, typed, out, category, limit, offset)


def rank_ids(s: Session, query: str, *, limit: int = 1000) -> list[tuple[str, float]]:
    """(record id, score) of the best `limit` records for `query`, best first: the ranking
    of `search` without snippets (for batch runs and evaluation)."""
    limit = max(1, min(int(limit), RANK_IDS_MAX))
    text = query if isinstance(query, str) else ""
    ranked = apply_hybrid(s, text, run(s, text, None, limit), None).ranked
    if ranked is None:
        return []
    ids = s.data.ids
    rows = ranked.rows[:limit]
    return [(ids[r], score) for r, score in zip(rows.tolist(), ranked.score_of(rows).tolist(),
                                                strict=True)]


def warm(s: Session) -> None:
    """Build the lazy per-generation caches now (the thread's searcher, the spelling index,
    the synonym terms, completion words, the category display order, the duplicate groups,
    the facets' sort keys and category table, the condition gazetteer, the condition
    table and the terms of each condition's names: ~0.7 s on 18k records), so that a
    server's first visitors do not wait for them. Harmless to call again."""
    from indexer.search.conditions import warm as warm_conditions
    from indexer.search.distinct import groups
    from indexer.search.diversify import warm as warm_diversity
    from indexer.search.facets import facet_keys, facet_table
    from indexer.search.focus import focus_index
    from indexer.search.suggest import sorted_words

    getattr(s, "searcher", None)
    spell_index(s.gen)
    synonym_terms(s)
    sorted_words(s)
    display_order(s, np.arange(0))
    groups(s.data)
    facet_keys(s)
    facet_table(s)
    focus_index(s.data)  # the gazetteer, its nicknames and the common-word list
    warm_conditions(s.data)  # the condition table (conditions.npz) and its acronym terms
    warm_diversity(s)  # the terms of each condition's names
