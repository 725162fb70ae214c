"""The web service's settings: the library's `Settings` plus the server's own (address,
processes, CORS, rate limits, editor token, proxies, page texts, result cache).

    settings = Settings.load(overrides={"port": 8080})

Same loading rules as the library's: defaults, then ``QASEARCH_*`` environment variables,
then flags; `Settings.describe()` lists the library's settings and these.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields

from indexer.settings import Settings as LibrarySettings
from indexer.settings import setting

WORKER_CLASSES = ("gthread", "sync")  # gunicorn's, as `qasearch serve --worker-class` takes them
MIN_TOKEN_CHARS = 20  # an editor token at least this long...
MIN_TOKEN_BITS = 72  # ...whose characters carry at least this much (see token_bits)
DEFAULT_EMERGENCY_NOTICE = (
    "If you have chest pain, trouble breathing, signs of a stroke, or thoughts of harming "
    "yourself, call emergency services now (999 in the UK, 112 in the EU, 911 in the US). "
    "In the UK you can also call Samaritans on 116 123, any time."
)


@dataclass(frozen=True)
class Settings(LibrarySettings):
    host: str = setting("Address the web server listens on.", "127.0.0.1")
    port: int = setting("Port the web server listens on.", 5000)
    threads: int = setting(
        "Threads per server process (0: 8 under waitress, 1 under gunicorn).", 0)
    worker_class: str = setting(
        "gunicorn's workers: 'gthread' (keeps connections alive between requests) or 'sync' "
        "(one connection per request).", "gthread")
    workers: int = setting(
        "Server processes (0: one per core). More than 1 runs gunicorn (Unix), each process "
        "with its own index caches, rate-limit counters shared in a SQLite file; 1 (and any "
        "value on Windows) runs waitress, one process.", 0
    )
    public_url: str = setting("Public base URL of the service, used in widget snippets.", "")
    editor_token: str = setting(
        "Token that unlocks editor pages and editor API routes (at least 20 varied "
        "characters; `qasearch editor-token` makes one; empty: editor routes closed).", "")
    cors_origins: tuple[str, ...] = setting(
        "Origins allowed to call the public API from a browser ('*' for any).", factory=tuple
    )
    rate_limit: str = setting(
        "Per-client limit on the public API ('N/second', 'N/minute', 'N/hour' or 'N/day').",
        "120/minute")
    suggest_rate_limit: str = setting(
        "Per-client limit on as-you-type calls (/api/suggest and the widget's typed-ahead "
        "searches), counted apart from rate_limit.", "600/minute"
    )
    rate_limit_storage: str = setting(
        "Where rate-limit counters live: a `limits` storage URI shared by all server processes "
        "(empty: this process's memory; `qasearch serve --workers N` uses a SQLite file).", ""
    )
    emergency_notice: str = setting(
        "Notice pinned above results for urgent-symptom queries.", DEFAULT_EMERGENCY_NOTICE
    )
    ask_url: str = setting(
        "Where visitors can ask an expert a new question (default: the bundled sample "
        "archive's own 'Post a question' page; empty: no link).",
        "https://www.askacupuncture.example/contact/post-a-question.html",
    )
    site_name: str = setting("Name of the search service shown on its pages.", "Ask an expert")
    results_per_page: int = setting("Results per page on the HTML results page.", 10)
    urgent_terms_file: str = setting(
        "File of urgent-symptom phrases that pin the emergency notice (empty: the bundled list).",
        "",
    )
    trusted_proxies: int = setting(
        "Reverse proxies in front of the server whose X-Forwarded-* headers are trusted.", 0
    )
    search_cache: int = setting(
        "Search results kept in memory per server process (0 disables the cache).", 2048
    )
    search_cache_mb: float = setting(
        "Megabytes the kept search results may hold per server process (by an estimate); "
        "never more than their share of the library's QASEARCH_CACHE_MB.", 8.0
    )

    def __post_init__(self) -> None:
        check_editor_token(self.editor_token)
        if self.worker_class not in WORKER_CLASSES:
            raise ValueError(f"setting worker_class: {self.worker_class!r} is not one of "
                             f"{', '.join(WORKER_CLASSES)}")

    @classmethod
    def extending(
        cls, library: LibrarySettings, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Web settings from defaults and the environment, with `library`'s values on top."""
        if isinstance(library, cls):
            return library
        values = {f.name: getattr(library, f.name) for f in fields(LibrarySettings)}
        return cls.load(overrides=values, environ=environ)


def token_bits(token: str) -> float:
    """An estimate of a token's strength: its length times the Shannon entropy of its
    characters (a random 43-character URL-safe token: ~220; "a" * 30 or "abcabc...": little)."""
    if not token:
        return 0.0
    n = len(token)
    per_char = -sum(c / n * math.log2(c / n) for c in Counter(token).values())
    return n * per_char


def check_editor_token(token: str) -> None:
    """ValueError (one line, saying how to make a good one) for a short or repetitive token;
    an empty token is allowed (editor routes stay closed)."""
    if not token:
        return
    if len(token) < MIN_TOKEN_CHARS or token_bits(token) < MIN_TOKEN_BITS:
        raise ValueError(
            f"setting editor_token: too weak ({len(token)} characters; use at least "
            f"{MIN_TOKEN_CHARS} varied ones): make one with `qasearch editor-token`")
