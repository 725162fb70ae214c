"""The public JSON API: every page's data as JSON, in one envelope (see responses.py).

GET /api/search?q=&category=&limit=&offset=   ranked hits with highlighted snippet segments
GET /api/suggest?q=&limit=                    as-you-type completions (questions and terms)
GET /api/records/<id>                         one whole record
GET /api/categories                           the category tree with counts
GET /api/categories/<slug path>?limit=&offset= a category, its subcategories and records
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint
from flask.wrappers import Response

from indexer.results import SearchResult
from indexer.search import category_tree, get_record, index_stats, records_in_category
from indexer.suggest import suggest
from search_app import categories as cats
from search_app import params
from search_app.index import searcher
from search_app.present import base_url, hit_dict, record_dict, record_path
from search_app.responses import ApiError, ok
from search_app.searching import run_search

bp = Blueprint("api", __name__, url_prefix="/api")
RESULT_FIELDS = tuple(f.name for f in fields(SearchResult))

MAX_LIMIT = 50
MAX_SUGGEST = 20


@bp.get("/")
def index() -> Response:
    base = base_url()
    return ok(
        {
            "endpoints": {
                "search": f"{base}/api/search?q={{query}}",
                "suggest": f"{base}/api/suggest?q={{prefix}}",
                "record": f"{base}/api/records/{{id}}",
                "categories": f"{base}/api/categories",
                "openapi": f"{base}/openapi.json",
            }
        }
    )


@bp.get("/search")
def api_search() -> Response:
    q = params.query()
    category = params.category()
    limit = params.integer("limit", 10, minimum=1, maximum=MAX_LIMIT)
    offset = params.integer("offset", 0, minimum=0, maximum=params.MAX_OFFSET)
    partial = params.flag("partial")  # typed-ahead query from the widget: not logged
    outcome = run_search(q, category=category, limit=limit, offset=offset,
                         log_query=not partial)
    res = outcome.result
    base = base_url()
    # result objects as they are: the JSON provider (jsonio) serialises dataclasses
    data = {name: getattr(res, name) for name in RESULT_FIELDS if name != "hits"}
    data["hits"] = [hit_dict(h, base) for h in res.hits]
    data["urgent_notice"] = outcome.urgent_notice
    data["links"] = _search_links(base, q, category, limit, offset, res.total)
    return ok(data)


def _search_links(
    base: str, q: str, category: list[str] | None, limit: int, offset: int, total: int
) -> dict[str, str | None]:
    def qs(**extra: Any) -> str:
        pairs: list[tuple[str, Any]] = [("q", q)]
        pairs += [("category", c) for c in category or []]
        pairs += [(k, v) for k, v in extra.items() if v is not None]
        return urlencode(pairs)

    nxt = offset + limit
    page = offset // limit + 1 if limit else 1
    return {
        "html": f"{base}/search?{qs(page=page if page > 1 else None)}",
        "next": (f"{base}/api/search?{qs(limit=limit, offset=nxt)}"
                 if nxt < total and nxt <= params.MAX_OFFSET else None),
        "prev": (f"{base}/api/search?{qs(limit=limit, offset=max(offset - limit, 0))}"
                 if offset > 0 else None),
    }


@bp.get("/suggest")
def api_suggest() -> Response:
    q = params.query()
    limit = params.integer("limit", 8, minimum=1, maximum=MAX_SUGGEST)
    base = base_url()
    items = []
    for sug in suggest(searcher(), q, limit=limit):
        item = sug.to_dict()
        item["html_url"] = (
            base + record_path(sug.id) if sug.id
            else f"{base}/search?{urlencode({'q': sug.text})}"
        )
        items.append(item)
    return ok({"query": q, "suggestions": items})


@bp.get("/records/<path:record_id>")
def api_record(record_id: str) -> Response:
    rec = get_record(searcher(), record_id)
    if rec is None:
        raise ApiError(404, "not_found", f"no record with id {record_id!r}")
    return ok(record_dict(rec, base_url()))


@bp.get("/categories")
def api_categories() -> Response:
    s = searcher()
    tree = category_tree(s)
    stats = index_stats(s)
    base = base_url()
    return ok(
        {
            "categories": [cats.node_dict(n, base) for n in tree],
            "total_records": int(stats.get("records", 0)),
        }
    )


@bp.get("/categories/<path:slugs>")
def api_category(slugs: str) -> Response:
    limit = params.integer("limit", 20, minimum=1, maximum=MAX_LIMIT)
    offset = params.integer("offset", 0, minimum=0, maximum=params.MAX_OFFSET)
    s = searcher()
    node = cats.find(category_tree(s), [p for p in slugs.split("/") if p])
    if node is None:
        raise ApiError(404, "not_found", f"no category at {slugs!r}")
    total, records = records_in_category(s, node.path, limit=limit, offset=offset)
    base = base_url()
    return ok(
        {
            "category": cats.node_dict(node, base, depth=1),
            "total": total,
            "offset": offset,
            "limit": limit,
            "records": [record_dict(r, base) for r in records],
        }
    )
