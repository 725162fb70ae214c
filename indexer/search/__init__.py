"""query -> hits: parse the query, plan it, score it, page it, cut snippets, browse, suggest.

One public entry point, `search(session, query, ...)`; the other names here are the browsing
calls the pages and the API make. Every function takes a session of `indexer.index.store`.
"""

from indexer.search.browse import (
    all_records,
    category_tree,
    get_record,
    index_stats,
    records_in_category,
)
from indexer.search.entry import rank_ids, search, warm

__all__ = [
    "all_records",
    "category_tree",
    "get_record",
    "index_stats",
    "rank_ids",
    "records_in_category",
    "search",
    "warm",
]
