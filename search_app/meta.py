"""Service routes outside the rate-limited API: health check and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.wrappers import Response

from indexer.search import index_stats
from search_app.index import searcher
from search_app.openapi import spec
from search_app.present import base_url
from search_app.responses import ok

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 with index facts when the index answers; 503 (error shape) when it is missing."""
    stats = index_stats(searcher())
    return ok({"status": "ok", "index": _json_safe(stats)})


@bp.get("/openapi.json")
def openapi() -> Response:
    resp = jsonify(spec(base_url()))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


def _json_safe(stats: dict) -> dict:
    out = {}
    for key, value in stats.items():
        out[str(key)] = value if isinstance(value, (str, int, float, bool, type(None))) else str(
            value
        )
    return out
