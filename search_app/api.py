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

from flask import Blueprint, current_app, request
from flask.wrappers import Response

from indexer.limits import API_MAX_LIMIT, API_MAX_OFFSET, MAX_SUGGEST
from indexer.results import SearchResult
from indexer.search import category_tree, get_record, index_stats, records_in_category
from indexer.search.suggest import suggest
from search_app import categories as cats
from search_app import params, zerohelp
from search_app.index import searcher
from search_app.present import base_url, hit_dict, record_dict, record_path, safe_url
from search_app.responses import ApiError, ok
from search_app.searching import is_corrected, run_search

bp = Blueprint("api", __name__, url_prefix="/api")
RESULT_FIELDS = tuple(f.name for f in fields(SearchResult))

SEARCH_LIMIT = 10  # default results per call of /api/search
CATEGORY_LIMIT = 20  # default records per call of /api/categories/<slugs>
SUGGEST_LIMIT = 8  # default completions per call of /api/suggest


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
    category = params.known_category(params.category())
    limit = params.integer("limit", SEARCH_LIMIT, minimum=1, maximum=API_MAX_LIMIT)
    offset = params.integer("offset", 0, minimum=0, maximum=API_MAX_OFFSET)
    partial = params.flag("partial")  # typed-ahead query from the widget: not logged
    correct = params.flag("correct") if "correct" in request.args else True
    outcome = run_search(q, category=category, limit=limit, offset=offset,
                         log_query=not partial, correct=correct)
    res = outcome.result
    base = base_url()
    # result objects as they are: the JSON provider (jsonio) serialises dataclasses
    data = {name: getattr(res, name) for name in RESULT_FIELDS if name != "hits"}
    data["hits"] = [hit_dict(h, base) for h in res.hits]
    data["urgent_notice"] = outcome.urgent_notice
    data["links"] = _search_links(base, q, category, limit, offset, res, correct)
    # what the results page offers when nothing was found (not while typing: too costly)
    data["help"] = _zero_help(base, q, res, category) if not res.total and not partial else None
    return ok(data, urgent_help=outcome.urgent)


def _search_links(
    base: str, q: str, category: list[str] | None, limit: int, offset: int,
    res: SearchResult, correct: bool,
) -> dict[str, str | None]:
    def qs(**extra: Any) -> str:
        pairs: list[tuple[str, Any]] = [("q", extra.pop("q", q))]
        pairs += [("category", c) for c in category or []]
        pairs += [(k, v) for k, v in extra.items() if v is not None]
        return urlencode(pairs)

    nxt = offset + limit
    page = offset // limit + 1 if limit else 1
    prev = max(offset - limit, 0)
    plain = None if correct else 0
    return {
        "html": f"{base}/search?{qs(page=page if page > 1 else None, correct=plain)}",
        "next": (f"{base}/api/search?{qs(limit=limit, offset=nxt, correct=plain)}"
                 if nxt < res.total and nxt <= API_MAX_OFFSET else None),
        "prev": (f"{base}/api/search?{qs(limit=limit, offset=prev, correct=plain)}"
                 if offset > 0 else None),
        # "Search instead for <what was typed>" when the hits came through a correction
        "uncorrected": (f"{base}/api/search?{qs(limit=limit, correct=0)}"
                        if correct and is_corrected(res) else None),
    }


def _zero_help(base: str, q: str, res: SearchResult,
               category: list[str] | None) -> dict[str, Any]:
    shorter = []
    for b in zerohelp.broader(q, zerohelp.query_units(res), category):
        pairs: list[tuple[str, Any]] = [("q", b["q"])]
        if not b["all_categories"]:
            pairs += [("category", c) for c in category or []]
        shorter.append({**b, "html_url": f"{base}/search?{urlencode(pairs)}",
                        "api_url": f"{base}/api/search?{urlencode(pairs)}"})
    ask = safe_url(current_app.config["QASEARCH"].ask_url)
    return {
        "did_you_mean": res.did_you_mean,
        "shorter": shorter,
        "categories_url": f"{base}/categories",
        "ask_url": ask or None,
    }


@bp.get("/suggest")
def api_suggest() -> Response:
    q = params.query()
    limit = params.integer("limit", SUGGEST_LIMIT, minimum=1, maximum=MAX_SUGGEST)
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
    limit = params.integer("limit", CATEGORY_LIMIT, minimum=1, maximum=API_MAX_LIMIT)
    offset = params.integer("offset", 0, minimum=0, maximum=API_MAX_OFFSET)
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
