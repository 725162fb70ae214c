"""Checking the arguments of the search and browsing calls (limits from `indexer.limits`)."""

from __future__ import annotations

from typing import Any

from indexer.limits import MAX_CATEGORY_CHARS, MAX_CATEGORY_DEPTH, MAX_LIMIT, MAX_OFFSET
from indexer.results import QueryError


def check_paging(limit: Any, offset: Any) -> tuple[int, int]:
    """(limit, offset) as whole numbers in range; QueryError otherwise."""
    try:
        limit_i = int(limit)
        offset_i = int(offset)
    except (TypeError, ValueError) as exc:
        raise QueryError("limit and offset must be whole numbers") from exc
    if isinstance(limit, float) and not float(limit).is_integer():
        raise QueryError("limit must be a whole number")
    if not 1 <= limit_i <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset_i <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}")
    return limit_i, offset_i


def check_category(category: Any) -> list[str] | None:
    """A category path (a list of names; one name alone is a path of one), blank names
    dropped; None for no category; QueryError for anything else or a path too long."""
    if category is None:
        return None
    if isinstance(category, str):
        category = [category]  # one name (names may contain "/": "back / spine")
    if not isinstance(category, (list, tuple)) or not all(isinstance(p, str) for p in category):
        raise QueryError("category must be a list of category names (a path)")
    path = [p.strip() for p in category if p.strip()]
    if not path:
        return None
    if len(path) > MAX_CATEGORY_DEPTH or any(len(p) > MAX_CATEGORY_CHARS for p in path):
        raise QueryError("category path is too long")
    return path
