"""The library's settings: declared once with defaults and help, then environment, then flags.

    settings = Settings.load(overrides={"index_dir": "/tmp/idx"})

Only what the library itself reads lives here (index, sources, query statistics, semantic
model); the web service extends this class with its own settings in `search_app.settings`.
Every field can be set from the environment as ``QASEARCH_<FIELD NAME IN CAPITALS>``
(e.g. ``QASEARCH_INDEX_DIR``); CLI flags are passed as overrides and win over the
environment. Lists are comma-separated in the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self, get_type_hints

ENV_PREFIX = "QASEARCH_"


def setting(text: str, default: Any = MISSING, factory: Any = MISSING) -> Any:
    """A settings field with its help text (for `describe()`), and a default or a factory."""
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class Settings:
    index_dir: Path = setting("Directory of the live search index.", Path("index"))
    source_paths: tuple[str, ...] = setting(
        "Sources the index is built from (pages, records, MedQuAD).", factory=lambda: ("scraped",)
    )
    query_log_dir: Path = setting("Where privacy-safe query statistics are kept.", Path("var"))
    query_log_k: int = setting(
        "A query is reported only when at least this many distinct sessions sent it.", 5
    )
    query_log_retention_days: int = setting("Days query statistics are kept.", 90)
    query_log_storage: str = setting(
        "Where query statistics are kept when several servers share them: a redis:// URI "
        "(empty: the SQLite file in query_log_dir, one per host).", "")
    semantic: bool = setting("Use the optional semantic model for similar questions.", False)
    hybrid: bool = setting(
        "Rank with sentence embeddings as well as words (needs the hybrid extra; "
        "builds then embed every record).", False)

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Self:
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

    def with_overrides(self, **changes: Any) -> Self:
        """A copy with `changes` applied (coerced like flags)."""
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
