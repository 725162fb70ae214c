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


def facet_tree(facets: Iterable[Any]) -> list[CategoryNode]:
    """A search's flat facets (every path level with its count) as a tree: each parent with
    its count and its children under it, largest first. A level missing from the facets is
    added with its children's largest count (a lower bound)."""
    roots: list[CategoryNode] = []
    nodes: dict[tuple[str, ...], CategoryNode] = {}
    for f in sorted(facets, key=lambda f: len(f.path)):
        siblings = roots
        for depth in range(1, len(f.path) + 1):
            key = tuple(f.path[:depth])
            node = nodes.get(key)
            if node is None:
                node = CategoryNode(name=key[-1], path=list(key), count=0)
                nodes[key] = node
                siblings.append(node)
            node.count = max(node.count, f.count if depth == len(f.path) else 0)
            siblings = node.children
    for key in sorted(nodes, key=len, reverse=True):  # a parent counts at least each child
        if len(key) > 1:
            parent = nodes[key[:-1]]
            parent.count = max(parent.count, nodes[key].count)
    _sort(roots)
    return roots


def _sort(nodes: list[CategoryNode]) -> None:
    nodes.sort(key=lambda n: (-n.count, n.name.lower()))
    for n in nodes:
        _sort(n.children)


def is_within(path: list[str], selected: list[str] | None) -> bool:
    """Is `path` the selected category or one of its ancestors (to open it in the tree)?"""
    return bool(selected) and [p.lower() for p in selected[: len(path)]] == [
        p.lower() for p in path]
