"""Category paths in URLs: readable slugs (`/categories/muscles-and-bones/back-spine`)
resolved against the category tree, since names may contain '/' and other characters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from indexer.results import CategoryNode

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = text.replace("'", "")  # women's health -> womens-health
    slug = _NON_WORD.sub("-", text.lower()).strip("-")
    return slug or "-"


def slug_path(path: Iterable[str]) -> str:
    return "/".join(slugify(n) for n in path)


def find(tree: list[CategoryNode], slugs: list[str]) -> CategoryNode | None:
    """The node whose path's slugs are `slugs`, or None."""
    nodes, found = tree, None
    for slug in slugs:
        found = next((n for n in nodes if slugify(n.name) == slug), None)
        if found is None:
            return None
        nodes = found.children
    return found


def node_dict(node: CategoryNode, base: str, *, depth: int | None = None) -> dict[str, Any]:
    """JSON form of a node with links; children down to `depth` levels (None: all)."""
    slugs = slug_path(node.path)
    children = []
    if depth is None or depth > 0:
        nxt = None if depth is None else depth - 1
        children = [node_dict(c, base, depth=nxt) for c in node.children]
    return {
        "name": node.name,
        "path": list(node.path),
        "slug": slugs,
        "count": node.count,
        "html_url": f"{base}/categories/{slugs}",
        "api_url": f"{base}/api/categories/{slugs}",
        "children": children,
    }
