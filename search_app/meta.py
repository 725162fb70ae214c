"""Service routes: health check, the OpenAPI document and the problem types' descriptions."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.wrappers import Response

from indexer.search import index_stats
from search_app.index import searcher
from search_app.openapi import spec
from search_app.present import base_url
from search_app.responses import PROBLEMS, ApiError, ok, problem_type

bp = Blueprint("meta", __name__)

# What /healthz tells anyone who asks: facts about the live generation, never where it is
# on disk (the index directory is the operator's business).
HEALTH_FIELDS = ("records", "generation", "built_at", "categories", "terms")


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


@bp.get("/problems/<code>")
def problem(code: str) -> Response:
    """What a problem `type` of ours means (RFC 9457 suggests its URL describe it)."""
    if code not in PROBLEMS:
        raise ApiError(404, "not_found", f"no problem type {code[:60]!r}")
    title, description = PROBLEMS[code]
    resp = jsonify({"type": problem_type(code, base_url()), "code": code, "title": title,
                    "description": description})
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


def _json_safe(stats: dict) -> dict:
    out = {}
    for key in HEALTH_FIELDS:
        if key not in stats:
            continue
        value = stats[key]
        out[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
    return out
