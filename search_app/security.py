"""Security headers on every response and CORS for the public API.

Pages get a strict Content-Security-Policy (no inline scripts or styles: every script and
stylesheet is a file served from this origin), nosniff, a referrer policy that keeps search
terms on this site, and frame protection. The public API answers cross-origin requests only
from the origins in `settings.cors_origins` ('*' allows any); editor routes never.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response
from werkzeug.datastructures import Headers

from search_app.settings import Settings

PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "manifest-src 'self'",
    ]
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

# Assets that other sites load with a <script>/<link> tag.
EMBEDDABLE = ("/widget.js", "/widget.css", "/static/widget/")
# Set on every response unless a view set them (FRAMED: all but the embeddable assets).
COMMON = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"),
          ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")]
FRAMED = [("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin")]
EXPOSED_HEADERS = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def is_public_api(path: str) -> bool:
    return (path.startswith("/api/") or path == "/openapi.json") and not path.startswith(
        "/api/editor"
    )


def init_app(app: Flask, settings: Settings) -> None:
    allowed = frozenset(settings.cors_origins)

    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        path = request.path
        json_like = resp.mimetype in ("application/json", "application/problem+json")
        defaults = [("Content-Security-Policy", API_CSP if json_like else PAGE_CSP), *COMMON]
        if path.startswith(EMBEDDABLE):
            h["Cross-Origin-Resource-Policy"] = "cross-origin"
        else:
            defaults += FRAMED
        if request.is_secure:
            defaults.append(("Strict-Transport-Security", "max-age=31536000"))
        _add_missing(h, defaults)
        if is_public_api(path):
            _cors(resp, allowed)
        return resp


def _add_missing(h: Headers, defaults: list[tuple[str, str]]) -> None:
    """Add each (name, value) whose header the response does not have yet (as setdefault,
    without its exception per missing name: the names present are read once)."""
    present = {name.lower() for name in h.keys()}  # noqa: SIM118 (Headers iterates pairs)
    for name, value in defaults:
        if name.lower() not in present:
            h.add(name, value)


def _cors(resp: Response, allowed: frozenset[str]) -> None:
    resp.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin or not ("*" in allowed or origin in allowed):
        return
    h = resp.headers
    h["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
    h["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        h["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        h["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        h["Access-Control-Max-Age"] = "600"
