"""Facets of a result list: the category paths of the matching records with counts, counted
through a per-generation table of each row's paths."""

from __future__ import annotations

import numpy as np

from indexer.index.ranking import RankData
from indexer.index.store import Session
from indexer.results import Facet

FACET_LIMIT = 50


def facets(s: Session, matched: np.ndarray, limit: int = FACET_LIMIT) -> list[Facet]:
    """Category paths of the matching rows (a bool per row) with counts: every top-level
    path, then the deeper paths with the most matches (up to `limit` in all; ties by path)."""
    return facets_of_rows(s, np.flatnonzero(matched), limit)


def facets_of_rows(s: Session, rows: np.ndarray, limit: int = FACET_LIMIT) -> list[Facet]:
    """`facets` of the matching `rows` (ascending, distinct)."""
    data = s.data
    if not len(data.paths):
        return []
    counts = _category_counts(data, rows, facet_table(s))
    nz = counts.nonzero()[0]
    if not len(nz):
        return []
    deep, path_rank = facet_keys(s)
    # = sorted((depth > 1, -count, path)): path_rank is each path's place among all paths
    best = nz[np.lexsort((path_rank[nz], -counts[nz], deep[nz]))[:limit]].tolist()
    paths, n = data.paths, counts.tolist()
    return [Facet(list(paths[i]), n[i]) for i in best]  # (path, count)


def _category_counts(data: RankData, rows: np.ndarray, table: np.ndarray | None = None
                     ) -> np.ndarray:
    """How many of the matching `rows` (ascending, distinct) are filed under each category
    path: through the generation's `category_table` (the rows' entries at once) when it has
    one, else through the rows' own entries when they are few, else over every entry."""
    n_paths = len(data.paths)
    if table is not None:  # one count per column: each row's first paths, its second...
        counts = np.bincount(table[0][rows], minlength=n_paths + 1)
        for column in table[1:]:
            counts += np.bincount(column[rows], minlength=n_paths + 1)
        return counts[:n_paths]
    if len(rows) * 4 > data.n_rows:
        matched = np.zeros(data.n_rows, dtype=bool)
        matched[rows] = True
        return np.bincount(data.cat_ids[matched[data.cat_rows]], minlength=n_paths)
    starts = data.cat_ptr[rows].astype(np.int64)
    sizes = data.cat_ptr[rows + 1].astype(np.int64) - starts
    # the entries of each matched row: starts[k], ..., starts[k] + sizes[k] - 1
    entries = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
    return np.bincount(data.cat_ids[entries], minlength=n_paths)


TABLE_MAX_WASTE = 2  # a padded category table is made when it holds at most this many
# cells per category entry (MedQuAD: every record has 2 paths, so none is wasted)


def category_table(data: RankData) -> np.ndarray | None:
    """Each row's category path ids as a column of a 2-d array (line j: every row's j-th
    path), padded with `len(paths)` (a gather per line counts a set of rows' paths: a
    quarter of the time of walking their entries), or None when rows have so different
    numbers of paths that the padding would outweigh them."""
    sizes = np.diff(data.cat_ptr)
    width = int(sizes.max()) if len(sizes) else 0
    if not width or data.n_rows * width > TABLE_MAX_WASTE * len(data.cat_ids):
        return None
    dtype = np.int16 if len(data.paths) < np.iinfo(np.int16).max else np.int32
    table = np.full((width, data.n_rows), len(data.paths), dtype)
    starts = data.cat_ptr[:-1]
    for j in range(width):
        has = sizes > j
        table[j, has] = data.cat_ids[starts[has] + j]
    return table


def facet_keys(s: Session) -> tuple[np.ndarray, np.ndarray]:
    """Per category path of the generation: is it below the top level, and its rank among
    all paths in sorted order (worked out once per generation)."""
    keys = s.gen.cache.get("facet_keys")
    if keys is None:
        paths = s.data.paths
        deep = np.fromiter((len(p) > 1 for p in paths), bool, len(paths))
        rank = np.empty(len(paths), np.int64)
        rank[sorted(range(len(paths)), key=paths.__getitem__)] = np.arange(len(paths))
        keys = s.gen.cache["facet_keys"] = (deep, rank)
    return keys


def facet_table(s: Session) -> np.ndarray | None:
    """The generation's `category_table` (made on first use)."""
    cache = s.gen.cache
    if "category_table" not in cache:
        cache["category_table"] = category_table(s.data)
    return cache["category_table"]
