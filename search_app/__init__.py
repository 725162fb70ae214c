"""The Flask service: HTML pages, JSON API and the embeddable widget over `indexer`.

    from search_app import create_app
    from search_app.settings import Settings
    app = create_app(Settings.load())

Importing this package does nothing; `create_app` only builds cheap objects (the index
store opens the index on first use, per request).
"""

from __future__ import annotations

from flask import Flask

from indexer.index.caches import budget
from indexer.settings import Settings as LibrarySettings
from search_app.settings import Settings


def create_app(settings: LibrarySettings | None = None) -> Flask:
    """Build the app for `settings` (default: `Settings.load()`: defaults + environment).
    The library's settings alone are completed with the web defaults and environment."""
    from indexer.editors.querylog import QueryLog
    from search_app import api, errors, index, meta, ratelimit, searching, security, views, widget
    from search_app.editor import editor_bp
    from search_app.httpcache import init_app as init_http_caching
    from search_app.jsonio import FastJSONProvider
    from search_app.responses import start_timer

    settings = Settings.load() if settings is None else Settings.extending(settings)
    app = Flask(__name__)
    app.config["QASEARCH"] = settings
    app.json = FastJSONProvider(app)  # orjson: keys in order, UTF-8, dataclasses in C
    if settings.trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.before_request(start_timer)
    index.init_app(app, settings)
    app.extensions[searching.QLOG_KEY] = QueryLog(settings)  # opens its file on first record
    if settings.search_cache > 0 and settings.search_cache_mb > 0:
        app.extensions[searching.CACHE_KEY] = searching.ResultCache(
            settings.search_cache,
            min(int(settings.search_cache_mb * (1 << 20)), budget("results")))
    ratelimit.init_app(app, settings)  # every public route; see ratelimit for the budgets
    security.init_app(app, settings)
    init_http_caching(app, settings)  # ETags by generation (304 before any search), gzip
    errors.init_app(app)
    for bp in (views.bp, api.bp, meta.bp, widget.bp, editor_bp):
        app.register_blueprint(bp)
    return app
