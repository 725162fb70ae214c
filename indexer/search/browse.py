"""Browsing a generation without a query: one record, the records of a category, the
category tree, every record, and the index's statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from indexer.index.store import Session
from indexer.records import Record
from indexer.results import CategoryNode
from indexer.search.execute import category_rows
from indexer.search.hits import record_at
from indexer.search.validate import check_category, check_paging


def get_record(s: Session, record_id: str) -> Record | None:
    """The record with `record_id`, or None."""
    if not isinstance(record_id, str) or not record_id:
        return None
    row = s.data.row_of(record_id)
    if row is None:
        return None
    return record_at(s, row)


def records_in_category(
    s: Session, path: Sequence[str], *, limit: int = 20, offset: int = 0
) -> tuple[int, list[Record]]:
    """(total, records) filed under `path` or below it, in a stable order (by question)."""
    limit, offset = check_paging(limit, offset)
    clean = check_category(list(path) if not isinstance(path, str) else path)
    if clean is None:
        return 0, []
    rows = np.flatnonzero(category_rows(s.data, clean))
    order = display_order(s, rows)
    page = order[offset: offset + limit]
    return len(rows), [record_at(s, int(r)) for r in page]


def display_order(s: Session, rows: np.ndarray) -> list[int]:
    """`rows` sorted by their question as shown (then by row), with the order kept per
    generation as one array (a row's place among all rows: 4 bytes a row, not a string)."""
    rank = s.gen.cache.get("display_keys")
    if rank is None:
        with s.gen.lock:
            rank = s.gen.cache.get("display_keys")
            if rank is None:
                rank = s.gen.cache["display_keys"] = _display_rank(s)
    rows = np.asarray(rows, dtype=np.int64)
    return rows[np.argsort(rank[rows], kind="stable")].tolist()


def _display_rank(s: Session) -> np.ndarray:
    """The place of every row when rows are sorted by their question (or title) as shown,
    casefolded, then by row; rows without a stored record sort as an empty question."""
    n = s.data.n_rows
    keys = [""] * n
    for docnum, stored in s.searcher.reader().iter_docs():
        rec = json.loads(stored["record"])
        keys[docnum] = (rec.get("question") or rec.get("title") or "").casefold()
    order = sorted(range(n), key=lambda r: (keys[r], r))
    rank = np.empty(n, dtype=np.int32)
    rank[order] = np.arange(n, dtype=np.int32)
    return rank


def category_tree(s: Session) -> list[CategoryNode]:
    """The category tree with record counts (a parent counts every record below it)."""
    data = s.data
    counts = np.bincount(data.cat_ids[data.live[data.cat_rows]], minlength=len(data.paths))
    nodes: dict[tuple[str, ...], CategoryNode] = {}
    roots: list[CategoryNode] = []
    for i in sorted(range(len(data.paths)), key=lambda i: [p.casefold() for p in data.paths[i]]):
        if counts[i] <= 0:
            continue
        path = tuple(data.paths[i])
        node = CategoryNode(name=path[-1], path=list(path), count=int(counts[i]))
        nodes[path] = node
        parent = nodes.get(path[:-1])
        (parent.children if parent is not None else roots).append(node)
    return roots


def all_records(s: Session) -> Iterator[Record]:
    """Every record of the generation the session sees (for the editors' tools)."""
    reader = s.searcher.reader()
    for _docnum, stored in reader.iter_docs():
        yield Record.from_dict(json.loads(stored["record"]))


def index_stats(s: Session) -> dict[str, Any]:
    """Records, generation name and build time of the live index."""
    meta = s.gen.meta
    data = s.data
    return {
        "records": data.n_live,
        "index_dir": str(s.gen.path.parent),
        "generation": s.gen.name,
        "built_at": meta.get("built_at"),
        "categories": len(data.paths),
        "terms": len(data.vocab),
    }
