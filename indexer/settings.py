"""One settings object: declared once with defaults and help, then environment, then flags.

    settings = Settings.load(overrides={"index_dir": "/tmp/idx"})

Every field can be set from the environment as ``QASEARCH_<FIELD NAME IN CAPITALS>``
(e.g. ``QASEARCH_INDEX_DIR``, ``QASEARCH_EDITOR_TOKEN``); CLI flags are passed as overrides
and win over the environment. Lists are comma-separated in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "QASEARCH_"

DEFAULT_EMERGENCY_NOTICE = (
    "If you have chest pain, trouble breathing, signs of a stroke, or thoughts of harming "
    "yourself, call emergency services now (999 in the UK, 112 in the EU, 911 in the US). "
    "In the UK you can also call Samaritans on 116 123, any time."
)


def _help(text: str, default: Any = MISSING, factory: Any = MISSING) -> Any:
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class Settings:
    index_dir: Path = _help("Directory of the live search index.", Path("index"))
    source_paths: tuple[str, ...] = _help(
        "Sources the index is built from (pages, records, MedQuAD).", factory=lambda: ("scraped",)
    )
    host: str = _help("Address the web server listens on.", "127.0.0.1")
    port: int = _help("Port the web server listens on.", 5000)
    threads: int = _help("Worker threads of the (single-process) WSGI server.", 8)
    workers: int = _help(
        "Server processes: 1 runs waitress with `threads` threads; more run gunicorn, one "
        "request at a time per process (rate-limit counters shared in a SQLite file).", 1
    )
    public_url: str = _help("Public base URL of the service, used in widget snippets.", "")
    editor_token: str = _help("Token that unlocks editor pages and editor API routes.", "")
    cors_origins: tuple[str, ...] = _help(
        "Origins allowed to call the public API from a browser ('*' for any).", factory=tuple
    )
    rate_limit: str = _help("Per-client limit on the public API (Flask-Limiter syntax).",
                            "120/minute")
    suggest_rate_limit: str = _help(
        "Per-client limit on as-you-type calls (/api/suggest and the widget's typed-ahead "
        "searches), counted apart from rate_limit.", "600/minute"
    )
    rate_limit_storage: str = _help(
        "Where rate-limit counters live: a `limits` storage URI shared by all server processes "
        "(empty: this process's memory; `qasearch serve --workers N` uses a SQLite file).", ""
    )
    emergency_notice: str = _help(
        "Notice pinned above results for urgent-symptom queries.", DEFAULT_EMERGENCY_NOTICE
    )
    ask_url: str = _help(
        "Where visitors can ask an expert a new question (default: the bundled sample "
        "archive's own 'Post a question' page; empty: no link).",
        "https://www.askacupuncture.example/contact/post-a-question.html",
    )
    site_name: str = _help("Name of the search service shown on its pages.", "Ask an expert")
    query_log_dir: Path = _help("Where privacy-safe query statistics are kept.", Path("var"))
    query_log_k: int = _help(
        "A query is reported only when at least this many distinct sessions sent it.", 5
    )
    query_log_retention_days: int = _help("Days query statistics are kept.", 90)
    results_per_page: int = _help("Results per page on the HTML results page.", 10)
    urgent_terms_file: str = _help(
        "File of urgent-symptom phrases that pin the emergency notice (empty: the bundled list).",
        "",
    )
    trusted_proxies: int = _help(
        "Reverse proxies in front of the server whose X-Forwarded-* headers are trusted.", 0
    )
    search_cache: int = _help(
        "Search results kept in memory per server process (0 disables the cache).", 2048
    )
    semantic: bool = _help("Use the optional semantic model for similar questions.", False)

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Defaults, then ``QASEARCH_*`` environment variables, then `overrides` (None skipped)."""
        environ = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.name, hints[f.name], raw)
        for name, value in (overrides or {}).items():
            if value is None:
                continue
            if name not in hints:
                raise ValueError(f"unknown setting {name!r}")
            values[name] = _coerce(name, hints[name], value)
        return cls(**values)

    def with_overrides(self, **changes: Any) -> Settings:
        hints = get_type_hints(type(self))
        return replace(self, **{k: _coerce(k, hints[k], v) for k, v in changes.items()})

    @classmethod
    def describe(cls) -> list[tuple[str, str, Any]]:
        """(environment variable, help, default) for every setting: for docs and --help."""
        out = []
        for f in fields(cls):
            default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
            out.append((ENV_PREFIX + f.name.upper(), f.metadata.get("help", ""), default))
        return out


def _coerce(name: str, hint: Any, value: Any) -> Any:
    try:
        if hint is Path:
            return Path(value)
        if hint is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in {"1", "true", "yes", "on"}:
                    return True
                if low in {"0", "false", "no", "off", ""}:
                    return False
                raise ValueError(value)
            return bool(value)
        if hint is int:
            return int(value)
        if hint == tuple[str, ...]:
            if isinstance(value, str):
                return tuple(p.strip() for p in value.split(",") if p.strip())
            return tuple(str(v) for v in value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setting {name}: cannot use {value!r}") from exc
