"""One JSON envelope and one error shape for every API response.

Success: ``{"ok": true, "data": ..., "meta": {"took_ms": 1.9, ...}}``
Error:   ``{"ok": false, "error": {"status": 400, "code": "invalid_parameter",
           "message": "limit must be between 1 and 50", "param": "limit"}}``
"""

from __future__ import annotations

import time
from typing import Any

from flask import g, jsonify
from flask.wrappers import Response

API_VERSION = "1"


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


def error_body(status: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "error": {"status": status, "code": code, "message": message, "param": param},
    }


def error(status: int, code: str, message: str, param: str | None = None) -> Response:
    resp = jsonify(error_body(status, code, message, param))
    resp.status_code = status
    return resp
