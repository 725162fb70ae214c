"""The embeddable widget: `/widget.js`, `/widget.css` and the demo page `/widget/demo`.

The two assets are small, so they are read once per process and served from memory with an
ETag (conditional requests get 304) and a public cache lifetime of an hour: partner sites
embed these fixed URLs. Our own pages load them as `/widget.js?v=<hash>` (`asset`'s hash, added
by search_app.httpcache), which is cached for a year as immutable.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources

from flask import Blueprint, Response, render_template, request

from search_app.present import base_url

bp = Blueprint("widget", __name__)

ASSET_MAX_AGE = 3600


@lru_cache(maxsize=4)
def asset(name: str) -> tuple[bytes, str]:
    """The bytes of widget asset `name` and their content hash (its ETag and URL version)."""
    data = resources.files("search_app").joinpath("static", "widget", name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:20]


def _asset(name: str, mimetype: str) -> Response:
    data, etag = asset(name)
    resp = Response(data, mimetype=mimetype)
    resp.set_etag(etag)
    resp.cache_control.public = True
    resp.cache_control.max_age = ASSET_MAX_AGE
    return resp.make_conditional(request)


@bp.get("/widget.js")
def widget_js() -> Response:
    return _asset("widget.js", "text/javascript")


@bp.get("/widget.css")
def widget_css() -> Response:
    return _asset("widget.css", "text/css")


@bp.get("/widget/demo")
def demo() -> str:
    return render_template("widget_demo.html", base=base_url())
