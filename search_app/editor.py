"""Editors' pages and API (issue D), and the public similar-questions API.

- ``GET /api/similar?q=&limit=``: public; archived questions similar to a draft question.
- ``/editor/``: draft-question check with "why it matched", ``/editor/duplicates``,
  ``/editor/queries`` (what visitors could not find); ``/editor/login`` sets the session.
- ``/api/editor/similar``, ``/api/editor/duplicates``, ``/api/editor/queries``: the same data
  as JSON for tools.

Access: every editor page and editor API route needs the editor token
(``QASEARCH_EDITOR_TOKEN``). The API takes it as ``Authorization: Bearer <token>``; pages take
a session cookie set by the login form (HttpOnly, SameSite=Strict, and Secure whenever the
request came over HTTPS, directly or through a trusted proxy: a browser drops a Secure cookie
set over plain HTTP, so it is not marked Secure there). The login then checks that the browser
sent the cookie back and says so when it did not. The cookie holds an expiry and an HMAC of it
under the token, never the token itself, so changing the token ends every session. Comparisons
are constant-time (`hmac.compare_digest`). Wrong tokens are throttled per client with
exponential back-off (`search_app.loginthrottle`: 429 with Retry-After). With no token
configured the editor routes are closed (401), never open.

The duplicates pages and API live in `search_app.editor_duplicates` (same blueprint).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.wrappers import Response

from indexer.editors.report import TEMPLATE_DIR as REPORT_TEMPLATES
from indexer.limits import MAX_SIMILAR as SIMILAR_MAX
from search_app import params
from search_app.index import searcher
from search_app.loginthrottle import LoginThrottle
from search_app.responses import ApiError, ok
from search_app.settings import Settings

# the duplicates page includes the library's template of the groups (one for page and report)
editor_bp = Blueprint("editor", __name__, template_folder=str(REPORT_TEMPLATES))

COOKIE = "qasearch_editor"
SESSION_SECONDS = 12 * 3600
THROTTLE_KEY = "qasearch.login_throttle"


@editor_bp.record_once
def _configure(state: Any) -> None:
    """Similar questions follow the app's settings (QASEARCH_SEMANTIC); an app asked to use
    the semantic extra without it installed fails to start, saying how to install it."""
    from indexer.editors import similar

    settings = state.app.config.get("QASEARCH")
    if settings is not None:
        similar.configure(settings)
    storage = getattr(settings, "rate_limit_storage", "") if settings is not None else ""
    state.app.extensions[THROTTLE_KEY] = LoginThrottle(storage or "")


def settings() -> Settings:
    """The app's settings."""
    return current_app.config["QASEARCH"]


# ---------------------------------------------------------------------------------------------
# Access.


def _token() -> str:
    return settings().editor_token or ""


def _sign(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"editor-session:{expires}".encode(),
                    hashlib.sha256).hexdigest()


def make_cookie_value(token: str, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + SESSION_SECONDS)
    return f"{expires}.{_sign(token, expires)}"


def _cookie_ok(token: str, value: str) -> bool:
    expires_s, _, sig = (value or "").partition(".")
    if not expires_s.isdigit() or not sig:
        return False
    expires = int(expires_s)
    good = hmac.compare_digest(sig.encode(), _sign(token, expires).encode())
    return good and expires > time.time()


def _bearer_ok(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def is_editor() -> bool:
    """Whether this request carries a valid editor token (header) or session (cookie)."""
    token = _token()
    if not token:
        return False
    return _bearer_ok(token) or _cookie_ok(token, request.cookies.get(COOKIE, ""))


@editor_bp.before_request
def _guard() -> Response | None:
    path = request.path
    if path.startswith("/api/editor"):
        if not is_editor():
            msg = ("Editor access is not configured on this server." if not _token()
                   else "This route needs the editor token (Authorization: Bearer <token>).")
            resp = ok_error(401, "unauthorized", msg)
            resp.headers["WWW-Authenticate"] = 'Bearer realm="qasearch-editor"'
            return resp
        return None
    open_pages = ("editor.login", "editor.logout")
    if path.startswith("/editor") and request.endpoint not in open_pages and not is_editor():
        return _login_page(401)
    return None


def ok_error(status: int, code: str, message: str) -> Response:
    from search_app.responses import error

    return error(status, code, message)


def _login_page(status: int, message: str = "") -> Response:
    configured = bool(_token())
    if request.method != "GET":
        target = request.form.get("next", "")
    elif request.endpoint == "editor.login":  # /editor/login?next=...
        target = request.args.get("next", "")
    else:  # a page that needs a session: back to it once signed in
        target = request.full_path
    html = render_template("editor/login.html", configured=configured, message=message,
                           next_url=_safe_next(target))
    resp = Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _safe_next(target: str) -> str:
    target = (target or "").rstrip("?")
    if target.startswith("/editor") and not target.startswith("//"):
        return target
    return url_for("editor.dashboard")


def _throttle() -> LoginThrottle:
    return current_app.extensions[THROTTLE_KEY]


def _no_cookie_message() -> str:
    msg = ("You signed in, but your browser did not send the session cookie back, so you are "
           "still signed out. Allow cookies for this site and sign in again.")
    if not request.is_secure:
        msg += (" If cookies are allowed, open the site over HTTPS (or, behind a reverse proxy "
                "that terminates HTTPS, set QASEARCH_TRUSTED_PROXIES so the server knows).")
    return msg


@editor_bp.route("/editor/login", methods=["GET", "POST"])
def login() -> Response:
    token = _token()
    if request.method == "GET":
        if is_editor():
            return redirect(_safe_next(request.args.get("next", "")))
        if request.args.get("check") and token:  # back from a sign-in: the cookie is missing
            return _login_page(401, _no_cookie_message())
        return _login_page(401 if not token else 200)
    throttle = _throttle()
    client = throttle.client(request.remote_addr)
    verdict = throttle.check(client)
    if not verdict.allowed:
        return _throttled(verdict.retry_after)
    given = (request.form.get("token") or "").strip()
    if not token or not given or not hmac.compare_digest(given.encode(), token.encode()):
        if not token:
            return _login_page(401)
        after = throttle.failed(client)
        msg = "That token is not right."
        if not after.allowed:
            msg += f" Too many wrong tokens: wait {after.retry_after} seconds before trying again."
        return _login_page(401, msg)
    throttle.succeeded(client)
    target = _safe_next(request.form.get("next", ""))
    resp = redirect(url_for("editor.login", check=1, next=target), code=303)
    resp.set_cookie(COOKIE, make_cookie_value(token), max_age=SESSION_SECONDS,
                    secure=request.is_secure, httponly=True, samesite="Strict", path="/")
    return resp


def _throttled(retry_after: int) -> Response:
    resp = _login_page(429, f"Too many wrong tokens from this connection. Try again in "
                            f"{retry_after} seconds.")
    resp.headers["Retry-After"] = str(retry_after)
    return resp


@editor_bp.post("/editor/logout")
def logout() -> Response:
    resp = redirect(url_for("editor.login"), code=303)
    resp.delete_cookie(COOKIE, path="/", secure=request.is_secure, httponly=True,
                       samesite="Strict")
    return resp


@editor_bp.after_request
def _no_store(resp: Response) -> Response:
    if request.path.startswith(("/editor", "/api/editor")):
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Robots-Tag"] = "noindex"
    return resp


# ---------------------------------------------------------------------------------------------
# Data.


def _similar(q: str, limit: int) -> list[Any]:
    from indexer.editors.similar import similar_questions

    return similar_questions(searcher(), q, limit=limit)


def _report(days: int, limit: int) -> Any:
    """The query statistics report; a 503 with a message when their shared store is down."""
    from indexer.editors.querystore import StoreUnavailable

    try:
        return _query_log().report(days=days, limit=limit)
    except StoreUnavailable as exc:
        raise ApiError(503, "query_statistics_unavailable",
                       "The query statistics store cannot be reached; try again later.") from exc


def _query_log() -> Any:
    from indexer.editors.querylog import QueryLog

    log = current_app.extensions.get("qasearch.querylog")
    if log is None:
        log = QueryLog(settings())
        current_app.extensions["qasearch.querylog"] = log
    return log


# ---------------------------------------------------------------------------------------------
# Public API.


@editor_bp.get("/api/similar")
def api_similar() -> Response:
    q = params.query()
    limit = params.integer("limit", 10, minimum=1, maximum=SIMILAR_MAX)
    hits = _similar(q, limit)
    return ok({"query": q, "hits": [_api_hit(h) for h in hits]}, count=len(hits))


API_HIT_FIELDS = ("id", "question", "categories", "url", "score", "likely_answered", "matches")


def _api_hit(hit: Any) -> dict[str, Any]:
    """A hit in the documented shape of the API (SimilarHit in /openapi.json); the page
    also shows why a hit is or is not flagged (`verdict`)."""
    d = hit.to_dict()
    return {k: d[k] for k in API_HIT_FIELDS}


# ---------------------------------------------------------------------------------------------
# Editor API.


@editor_bp.get("/api/editor/similar")
def api_editor_similar() -> Response:
    return api_similar()


@editor_bp.get("/api/editor/queries")
def api_editor_queries() -> Response:
    days = params.integer("days", settings().query_log_retention_days, minimum=1,
                          maximum=3650)
    limit = params.integer("limit", 50, minimum=1, maximum=1000)
    return ok(_report(days, limit).to_dict())


# ---------------------------------------------------------------------------------------------
# Editor pages.


@editor_bp.get("/editor/")
@editor_bp.get("/editor")
def dashboard() -> str:
    q = params.query(required=False)
    hits = [_similar_view(h) for h in _similar(q, 20)] if q else []
    return render_template("editor/similar.html", q=q, hits=hits, editor_nav="similar",
                           threshold=_flag_threshold())


def _flag_threshold() -> float:
    from indexer.editors.similar import model

    return model.scoring(bool(getattr(settings(), "semantic", False))).threshold


def _similar_view(hit: Any) -> dict[str, Any]:
    """A similar hit for the page: why it is (not) flagged in words, and each matched term
    as the draft and the archived question wrote it (never a stem)."""
    from indexer.editors.similar import VERDICTS, written_words

    theirs = written_words(hit.question)
    view = hit.to_dict()
    view["why"] = VERDICTS.get(getattr(hit, "verdict", ""), "")
    view["matches"] = [{"yours": m.term, "theirs": theirs.get(m.stem, ""), "fields": m.fields,
                        "via": m.via} for m in hit.matches]
    return view


@editor_bp.get("/editor/queries")
def queries_page() -> str:
    days = params.integer("days", settings().query_log_retention_days, minimum=1,
                          maximum=3650)
    report = _report(days, 100)
    return render_template("editor/queries.html", report=report, days=days,
                           editor_nav="queries")


from search_app import editor_duplicates  # noqa: E402,F401  (its routes join editor_bp)
