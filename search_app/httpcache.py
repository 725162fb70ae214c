"""HTTP caching: validators keyed by the index generation, and assets under versioned URLs.

- **Pages and API answers that only depend on the index** (`POLICIES`: search, suggestions,
  records, categories, the home page) get a weak `ETag` computed *before* the view runs from
  the deployment (`fingerprint`: the code, templates, data files and the settings that shape
  a page), the live generation and the request's own inputs (scheme, host, path and query
  string). A conditional request whose `If-None-Match` holds that tag is answered 304 at once:
  no search, no record read. A new generation (or a new deployment) changes every tag. Each
  endpoint's `Cache-Control` says how long a copy may be used without asking: searches are
  `private` (a health question is the visitor's business) and revalidated every time;
  records and categories are `public` for a few minutes. The weak tag (`W/`) is right for
  both encodings and for bodies that differ in `meta.took_ms` only. A 304 is not counted in
  the query statistics (they count a query once per visitor and day anyway).
- **Assets**: `url_for('static', …)`, `url_for('widget.widget_js')` and
  `url_for('widget.widget_css')` add `?v=<content hash>`; a request carrying the current hash
  is `public, max-age=31536000, immutable`. An old hash still gets the current file, with the
  ordinary revalidating headers (it must not be pinned for a year under a stale name).
  Partners embed the unversioned `/widget.js`, which keeps its ETag and a short lifetime.
- **`Timing-Allow-Origin: *`** on the embeddable assets, so partner sites can measure them.

Compression (search_app.compress) runs after these hooks and keeps the tags valid.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from werkzeug.security import safe_join

from search_app import compress
from search_app.index import IndexUnavailable
from search_app.index import generation as live_generation
from search_app.security import EMBEDDABLE
from search_app.settings import Settings

FINGERPRINT_KEY = "qasearch.fingerprint"
YEAR = 31_536_000
BROWSE_MAX_AGE = 300  # records and categories: a new generation shows within 5 minutes
SUGGEST_MAX_AGE = 60  # as-you-type completions repeat a lot within a minute

# endpoint -> Cache-Control of its 200 and 304 answers
POLICIES: dict[str, str] = {
    "views.search": "private, no-cache",
    "api.api_search": "private, no-cache",
    "api.api_suggest": f"private, max-age={SUGGEST_MAX_AGE}",
    "views.record": f"public, max-age={BROWSE_MAX_AGE}",
    "api.api_record": f"public, max-age={BROWSE_MAX_AGE}",
    "views.home": f"public, max-age={BROWSE_MAX_AGE}",
    "views.categories": f"public, max-age={BROWSE_MAX_AGE}",
    "views.category": f"public, max-age={BROWSE_MAX_AGE}",
    "api.api_categories": f"public, max-age={BROWSE_MAX_AGE}",
    "api.api_category": f"public, max-age={BROWSE_MAX_AGE}",
}
WIDGET_ASSETS = {"widget.widget_js": "widget.js", "widget.widget_css": "widget.css"}

# settings that never change what a page says (and secrets, which stay out of any hash)
_NOT_IN_PAGES = frozenset({
    "host", "port", "workers", "threads", "index_dir", "query_log_dir", "search_cache",
    "search_cache_mb",
    "rate_limit", "suggest_rate_limit", "trusted_proxies", "editor_token",
})
_SECRET_WORDS = ("token", "storage", "secret", "password", "key")
_SOURCE_SUFFIXES = frozenset({".py", ".html", ".toml", ".txt", ".json", ".tsv", ".csv",
                              ".css", ".js", ".svg", ".yaml", ".yml"})


def init_app(app: Flask, settings: Settings) -> None:
    """Register the hooks (after the rate limiter's: a 304 still spends the client's budget)."""
    app.extensions[FINGERPRINT_KEY] = fingerprint(settings)
    app.before_request(answer_unchanged)
    app.url_defaults(versioned_asset_urls)
    compress.init_app(app)  # registered first among these after-hooks: it runs after them
    app.after_request(cache_headers)


# -- generation-keyed validators -----------------------------------------------------------


def fingerprint(settings: Settings) -> str:
    """What every page depends on besides the index and the request: the source files of
    `search_app` and `indexer` (code, templates, data), the settings that shape pages and
    the urgent-help table in use. Content hashes, so replicas of one release agree."""
    digest = hashlib.sha256()
    for name, path in _source_files():
        digest.update(name.encode())
        digest.update(path.read_bytes())
    for f in fields(settings):
        if f.name in _NOT_IN_PAGES or any(w in f.name for w in _SECRET_WORDS):
            continue
        digest.update(f"{f.name}={getattr(settings, f.name)!r}\n".encode())
    if settings.urgent_terms_file:
        try:
            digest.update(Path(settings.urgent_terms_file).read_bytes())
        except OSError:
            digest.update(b"unreadable urgent terms")
    return digest.hexdigest()


def _source_files() -> Iterator[tuple[str, Path]]:
    """(name within the packages, path) of each source file, in a stable order."""
    import indexer
    import search_app

    for package in (search_app, indexer):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in _SOURCE_SUFFIXES and "__pycache__" not in path.parts \
                    and path.is_file():
                yield path.relative_to(root.parent).as_posix(), path


def request_tag(generation: str) -> str:
    """The validator of this request's answer under `generation` (32 hex digits)."""
    parts = (current_app.extensions[FINGERPRINT_KEY], generation, request.host_url,
             request.path, request.query_string.decode("latin-1"))
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def answer_unchanged() -> Response | None:
    """Before the view: a 304 when the client holds this generation's answer."""
    policy = POLICIES.get(request.endpoint or "")
    if policy is None or request.method not in ("GET", "HEAD"):
        return None
    try:
        generation = live_generation()  # opens the request's session: one read of CURRENT
    except IndexUnavailable:  # no index: the view says so (503)
        return None
    tag = request_tag(generation)
    g.qasearch_etag = tag
    wanted = request.if_none_match
    if wanted and not wanted.star_tag and wanted.contains_weak(tag):
        resp = Response(status=304)
        _validators(resp, tag, policy)
        return resp
    return None


def _validators(resp: Response, tag: str, policy: str) -> None:
    resp.set_etag(tag, weak=True)
    resp.headers["Cache-Control"] = policy
    resp.vary.add("Accept-Encoding")  # the 200 is compressed for clients that ask


# -- versioned assets --------------------------------------------------------------------


def versioned_asset_urls(endpoint: str, values: dict[str, Any]) -> None:
    """`url_for` of an asset adds `v=<content hash>` (unless the caller gave one)."""
    if "v" in values:
        return
    version = None
    if endpoint == "static" and "filename" in values:
        version = static_version(str(values["filename"]))
    elif endpoint in WIDGET_ASSETS:
        version = widget_version(WIDGET_ASSETS[endpoint])
    if version:
        values["v"] = version


def static_version(filename: str) -> str | None:
    """Content hash of a file of the app's static folder (None: no such file)."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _file_hash(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _file_hash(path: str, _mtime_ns: int, _size: int) -> str:
    """Hash of a file's content, cached per (path, mtime, size): a changed file, a new hash."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def widget_version(name: str) -> str:
    from search_app.widget import asset

    return asset(name)[1]


def is_current_version(endpoint: str | None) -> bool:
    """Does this asset request carry the hash of the content being served?"""
    wanted = request.args.get("v")
    if not wanted:
        return False
    if endpoint == "static":
        current = static_version(str((request.view_args or {}).get("filename", "")))
    elif endpoint in WIDGET_ASSETS:
        current = widget_version(WIDGET_ASSETS[endpoint])
    else:
        return False
    return current is not None and wanted == current


# -- response headers --------------------------------------------------------------------


def cache_headers(resp: Response) -> Response:
    endpoint = request.endpoint
    tag = g.pop("qasearch_etag", None)
    policy = POLICIES.get(endpoint or "")
    if tag and policy and resp.status_code == 200 and "Set-Cookie" not in resp.headers:
        _validators(resp, tag, policy)
    elif resp.status_code in (200, 304) and is_current_version(endpoint):
        resp.cache_control.no_cache = None
        resp.cache_control.public = True
        resp.cache_control.max_age = YEAR
        resp.cache_control.immutable = True
    if request.path.startswith(EMBEDDABLE):
        resp.headers["Timing-Allow-Origin"] = "*"
    return resp
