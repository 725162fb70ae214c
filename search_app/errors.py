"""Error handlers: every error gets the one error shape (API: RFC 9457 problem details, see
responses.py) or the friendly error page (HTML), with the service's headers (CSP...).

Nothing ever shows a traceback: unexpected exceptions are logged on the server and answered
with a generic 500. `outside_response` renders the same answer for the WSGI servers' own
errors (a request they refuse before the app sees it), so those look like ours too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from indexer.results import QueryError
from search_app import ratelimit
from search_app.index import IndexUnavailable
from search_app.responses import ApiError, error

JSON_PATHS = ("/api/", "/healthz", "/openapi.json", "/problems/")

MESSAGES = {
    400: "The request was not understood.",
    404: "There is no page at this address.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    414: "The address is too long: please use a shorter search.",
    431: "The request's headers are too large.",
    429: "Too many requests: please wait a moment and try again.",
    500: "Something went wrong on our side. Please try again later.",
    503: "Search is not available right now. Please try again later.",
}


def wants_json() -> bool:
    return request.path.startswith(JSON_PATHS)


def render_error(
    status: int, code: str, message: str, param: str | None = None
) -> Response:
    if wants_json():
        return error(status, code, message, param)
    html = render_template("error.html", status=status, code=code, message=message)
    return Response(html, status=status, mimetype="text/html")


# HTTP statuses with a problem code of ours (see responses.PROBLEMS)
CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
         414: "uri_too_long", 429: "too_many_requests", 500: "internal_error",
         503: "index_unavailable"}


def code_for(status: int, name: str | None = None) -> str:
    if status in CODES:
        return CODES[status]
    return "_".join((name or "error").lower().replace("'", "").split())


def _code_for(exc: HTTPException) -> str:
    return code_for(exc.code or 500, exc.name)


def outside_response(app: Flask, status: int, path: str | None = None,
                     ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of the service's answer `status` to a request for `path` that
    never reached the app (None: the path is unknown, answered with the HTML page)."""
    target = path if path and path.startswith("/") else "/"
    with app.test_request_context(target):
        resp = render_error(status, code_for(status), MESSAGES.get(status) or
                            MESSAGES[400 if status < 500 else 500])
        resp = app.process_response(resp)
        resp.headers["Connection"] = "close"
        headers: list[Any] = list(resp.headers.items())
        return resp.status_code, headers, resp.get_data()


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return render_error(exc.status, exc.code, exc.message, exc.param)

    @app.errorhandler(QueryError)
    def _query_error(exc: QueryError) -> Response:
        return render_error(400, "invalid_parameter", str(exc) or MESSAGES[400])

    @app.errorhandler(IndexUnavailable)
    def _unavailable(exc: IndexUnavailable) -> Response:
        return render_error(503, "index_unavailable", str(exc))

    @app.errorhandler(429)
    def _too_many(exc: HTTPException) -> Response:
        resp = render_error(429, "too_many_requests", MESSAGES[429])
        resp.headers["Retry-After"] = str(ratelimit.retry_after(app))
        return resp

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = MESSAGES.get(status) or exc.description or "The request failed."
        resp = render_error(status, _code_for(exc), message)
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                resp.headers[key] = value
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", MESSAGES[500])
