"""`qasearch serve`: the app under waitress (one process, worker threads).

One process on purpose: the rate limiter's counters and the index store live in it, so the
per-client limit holds and the index is opened once. Settings come from defaults, then
QASEARCH_* environment variables, then these flags.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from indexer.settings import Settings


@click.command("serve")
@click.option("--host", help="Address to listen on [QASEARCH_HOST; default 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535),
              help="Port to listen on [QASEARCH_PORT; default 5000].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Index directory [QASEARCH_INDEX_DIR; default index].")
@click.option("--threads", type=click.IntRange(1, 256),
              help="Worker threads [QASEARCH_THREADS; default 8].")
@click.option("--public-url", help="Public base URL, used in links and widget snippets "
              "[QASEARCH_PUBLIC_URL].")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="Origin allowed to call the API from a browser; repeat for more, '*' for "
              "any [QASEARCH_CORS_ORIGINS, comma-separated].")
@click.option("--rate-limit", help="Per-client API limit, e.g. '120/minute'; '' disables "
              "[QASEARCH_RATE_LIMIT].")
@click.option("--ask-url", help="Where visitors can ask a new question [QASEARCH_ASK_URL].")
@click.option("--trusted-proxies", type=click.IntRange(0, 10),
              help="Reverse proxies whose X-Forwarded-* headers are trusted "
              "[QASEARCH_TRUSTED_PROXIES; default 0].")
@click.option("--search-cache", type=click.IntRange(0, 1_000_000),
              help="Search results kept in memory; 0 disables [QASEARCH_SEARCH_CACHE; "
              "default 2048].")
@click.option("--query-log-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where query statistics are kept [QASEARCH_QUERY_LOG_DIR; default var].")
def serve_command(cors_origins: tuple[str, ...], **options: Any) -> None:
    """Serve the search pages, JSON API and widget with waitress."""
    import waitress

    from search_app import create_app

    overrides = dict(options)
    if cors_origins:
        overrides["cors_origins"] = cors_origins
    try:
        settings = Settings.load(overrides=overrides)
        app = create_app(settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not _index_built(app):
        click.echo(
            f"warning: no index at {settings.index_dir}: pages answer 503 until you run "
            f"`qasearch index --index {settings.index_dir}`",
            err=True,
        )
    click.echo(
        f"qasearch: serving {settings.index_dir} on http://{settings.host}:{settings.port} "
        f"({settings.threads} threads, rate limit {settings.rate_limit or 'off'})"
    )
    waitress.serve(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="qasearch",
        # X-Forwarded-* reach the app (ProxyFix) only when proxies are trusted
        clear_untrusted_proxy_headers=settings.trusted_proxies == 0,
        channel_timeout=30,
    )


def _index_built(app: Any) -> bool:
    from search_app.index import STORE_KEY

    return bool(app.extensions[STORE_KEY].exists())
