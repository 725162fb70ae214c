"""The embeddable widget: `/widget.js`, `/widget.css` and the demo page `/widget/demo`."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.wrappers import Response

from search_app.present import base_url

bp = Blueprint("widget", __name__)

ASSET_MAX_AGE = 3600


def _asset(name: str, mimetype: str) -> Response:
    resp = current_app.send_static_file(f"widget/{name}")
    resp.mimetype = mimetype
    resp.cache_control.public = True
    resp.cache_control.max_age = ASSET_MAX_AGE
    return resp


@bp.get("/widget.js")
def widget_js() -> Response:
    return _asset("widget.js", "text/javascript")


@bp.get("/widget.css")
def widget_css() -> Response:
    return _asset("widget.css", "text/css")


@bp.get("/widget/demo")
def demo() -> str:
    return render_template("widget_demo.html", base=base_url())
