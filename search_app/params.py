"""Reading and checking request parameters: every bad value becomes a 400 with a message."""

from __future__ import annotations

from flask import request

from indexer.limits import MAX_CATEGORY_CHARS, MAX_CATEGORY_DEPTH, MAX_QUERY_CHARS
from search_app.responses import ApiError


def bad(param: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, param)


def query(name: str = "q", *, required: bool = True) -> str:
    """The query text, whitespace-trimmed; required unless told otherwise."""
    raw = request.args.get(name)
    text = (raw or "").strip()
    if not text:
        if required:
            code = "missing_parameter" if raw is None else "invalid_parameter"
            raise ApiError(400, code, f"parameter {name} is required and must not be empty", name)
        return ""
    if len(text) > MAX_QUERY_CHARS:
        raise bad(name, f"parameter {name} is too long (at most {MAX_QUERY_CHARS} characters)")
    if "\x00" in text:
        raise bad(name, f"parameter {name} must not contain NUL characters")
    return text


def integer(name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise bad(name, f"parameter {name} must be a whole number, not {raw[:40]!r}") from None
    if not minimum <= value <= maximum:
        raise bad(name, f"parameter {name} must be between {minimum} and {maximum}")
    return value


def category(name: str = "category") -> list[str] | None:
    """A category path given as repeated parameters, outermost first:
    ``?category=muscles and bones&category=back / spine``."""
    levels = [v.strip() for v in request.args.getlist(name)]
    levels = [v for v in levels if v]
    if not levels:
        return None
    if len(levels) > MAX_CATEGORY_DEPTH:
        raise bad(name, f"parameter {name} may be given at most {MAX_CATEGORY_DEPTH} times")
    if any(len(v) > MAX_CATEGORY_CHARS for v in levels):
        raise bad(name, f"parameter {name} is too long (at most {MAX_CATEGORY_CHARS} characters)")
    return levels


def known_category(levels: list[str] | None, name: str = "category") -> list[str] | None:
    """`levels` when the index has a category with that path (names compared without regard
    to case, as the search's filter compares them); else a 400 `unknown_category`, since a
    filter that matches nothing would only look like a search that found nothing."""
    if not levels:
        return levels
    from indexer.search import category_tree
    from search_app.index import searcher

    nodes = category_tree(searcher())
    for depth, level in enumerate(levels):
        node = next((n for n in nodes if n.name.casefold() == level.casefold()), None)
        if node is None:
            where = " > ".join(levels[: depth + 1])
            raise ApiError(400, "unknown_category", f"parameter {name}: no category "
                           f"{where!r} in the index (see /api/categories)", name)
        nodes = node.children
    return levels


def flag(name: str) -> bool:
    raw = (request.args.get(name) or "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise bad(name, f"parameter {name} must be true or false")
