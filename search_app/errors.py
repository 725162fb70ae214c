"""Error handlers: every error gets the one error shape (API) or a friendly page (HTML).

Nothing ever shows a traceback: unexpected exceptions are logged on the server and answered
with a generic 500.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from indexer.results import QueryError
from search_app import ratelimit
from search_app.index import IndexUnavailable
from search_app.responses import ApiError, error

JSON_PATHS = ("/api/", "/healthz", "/openapi.json")

MESSAGES = {
    400: "The request was not understood.",
    404: "There is no page at this address.",
    405: "This address does not accept that method.",
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


def _code_for(exc: HTTPException) -> str:
    name = exc.name or "error"
    return "_".join(name.lower().replace("'", "").split())


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
