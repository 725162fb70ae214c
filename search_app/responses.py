"""One JSON envelope for every API response and one error shape, RFC 9457 problem details.

Success: ``{"ok": true, "data": ..., "meta": {"took_ms": 1.9, ...}}``
Error (``Content-Type: application/problem+json``)::

    {"type": "https://search.example/problems/invalid_parameter", "title": "Invalid parameter",
     "status": 400, "detail": "parameter limit must be between 1 and 50",
     "ok": false, "error": {"status": 400, "code": "invalid_parameter",
                            "message": "parameter limit must be between 1 and 50",
                            "param": "limit"}}

`type`, `title`, `status` and `detail` are RFC 9457's members; `ok` and `error` (read by the
widget and by older clients) are extension members carrying the same facts. Each `type` of
ours is a URL (`/problems/<code>`) that describes the problem; a problem without one of our
codes has type ``about:blank`` and the HTTP status phrase as its title.
"""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

from flask import g, jsonify
from flask.wrappers import Response

API_VERSION = "1"
PROBLEM_JSON = "application/problem+json"

# Our problem types: code -> (title, what it means and what to do), served at /problems/<code>.
PROBLEMS: dict[str, tuple[str, str]] = {
    "invalid_parameter": ("Invalid parameter", "A query parameter has a value the API cannot "
                          "use; `error.param` names it and `detail` says what is allowed."),
    "missing_parameter": ("Missing parameter", "A required query parameter was not given; "
                          "`error.param` names it."),
    "unknown_category": ("Unknown category", "No category of the index has this path; "
                         "`/api/categories` lists them (names match without regard to case)."),
    "not_found": ("Not found", "Nothing at this address (an unknown record id, category or "
                  "route)."),
    "method_not_allowed": ("Method not allowed", "The route does not accept this HTTP method; "
                           "the Allow header lists those it does."),
    "too_many_requests": ("Too many requests", "This client used up its request budget; wait "
                          "the seconds in Retry-After and try again."),
    "uri_too_long": ("Request line too long", "The request line is longer than the server "
                     "accepts; no parameter of the API needs one this long."),
    "bad_request": ("Bad request", "The server could not read the request."),
    "unauthorized": ("Unauthorized", "The route needs the editor token "
                     "(Authorization: Bearer <token>)."),
    "index_unavailable": ("Index unavailable", "The search index is not built or cannot be "
                          "opened; try again later."),
    "query_statistics_unavailable": ("Query statistics unavailable", "The shared store of "
                                     "query statistics cannot be reached; try again later."),
    "internal_error": ("Internal error", "Something failed on the server; try again later."),
}


class ApiError(Exception):
    """An error the client can act on; rendered with the error shape (JSON or HTML page)."""

    def __init__(
        self, status: int, code: str, message: str, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param


def start_timer() -> None:
    g.qasearch_t0 = time.perf_counter()


def took_ms() -> float:
    t0 = g.get("qasearch_t0")
    return round((time.perf_counter() - t0) * 1000, 2) if t0 is not None else 0.0


def ok(data: Any, status: int = 200, **meta: Any) -> Response:
    body = {"ok": True, "data": data, "meta": {"took_ms": took_ms(), "api_version": API_VERSION,
                                                **meta}}
    resp = jsonify(body)
    resp.status_code = status
    return resp


def problem_type(code: str, base: str) -> str:
    """The `type` URI of a problem code (about:blank for a code without a description)."""
    return f"{base}/problems/{code}" if code in PROBLEMS else "about:blank"


def problem_title(code: str, status: int) -> str:
    if code in PROBLEMS:
        return PROBLEMS[code][0]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_body(status: int, code: str, message: str, param: str | None = None,
               base: str = "") -> dict[str, Any]:
    return {
        "type": problem_type(code, base),
        "title": problem_title(code, status),
        "status": status,
        "detail": message,
        "ok": False,
        "error": {"status": status, "code": code, "message": message, "param": param},
    }


def error(status: int, code: str, message: str, param: str | None = None) -> Response:
    from search_app.present import base_url

    resp = jsonify(error_body(status, code, message, param, base_url()))
    resp.status_code = status
    resp.mimetype = PROBLEM_JSON
    return resp
