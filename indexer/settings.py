"""The library's settings: declared once with defaults and help, then environment, then flags.

    settings = Settings.load(overrides={"index_dir": "/tmp/idx"})

Only what the library itself reads lives here (index, sources, query statistics, semantic
model); the web service extends this class with its own settings in `search_app.settings`.
Every field can be set from the environment as ``QASEARCH_<FIELD NAME IN CAPITALS>``
(e.g. ``QASEARCH_INDEX_DIR``); CLI flags are passed as overrides and win over the
environment. Lists are comma-separated in the environment.

Loading is cheap enough to call per request: the type hints and environment names of a
settings class are worked out once, and the settings read from one set of ``QASEARCH_*``
values are kept (settings are frozen), so a changed variable is seen on the next `load`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self, get_type_hints

ENV_PREFIX = "QASEARCH_"
LOADED_CACHE_SIZE = 32  # settings kept per distinct set of environment values


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
    cache_mb: int = setting(
        "Megabytes one searching process may keep in its caches and memos (term scores, "
        "decoded records, results, phrase masks...), split between them by fixed shares "
        "(indexer.index.caches.SHARES); read from the environment when the search modules are "
        "imported.", 20)
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
        raws = tuple(environ.get(var) for _, var in _env_names(cls))
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        if not given:
            return _from_environment(cls, raws)
        hints = _hints(cls)
        values = _environment_values(cls, raws)
        for name, value in given.items():
            if name not in hints:
                raise ValueError(f"unknown setting {name!r}")
            values[name] = _coerce(name, hints[name], value)
        return cls(**values)

    def with_overrides(self, **changes: Any) -> Self:
        """A copy with `changes` applied (coerced like flags)."""
        hints = _hints(type(self))
        return replace(self, **{k: _coerce(k, hints[k], v) for k, v in changes.items()})

    @classmethod
    def describe(cls) -> list[tuple[str, str, Any]]:
        """(environment variable, help, default) for every setting: for docs and --help."""
        out = []
        for f in fields(cls):
            default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
            out.append((ENV_PREFIX + f.name.upper(), f.metadata.get("help", ""), default))
        return out


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The resolved type hints of a settings class (resolving them is slow)."""
    return get_type_hints(cls)


@functools.cache
def _env_names(cls: type) -> tuple[tuple[str, str], ...]:
    """(field name, environment variable) of every field of a settings class."""
    return tuple((f.name, ENV_PREFIX + f.name.upper()) for f in fields(cls))


def _environment_values(cls: type, raws: tuple[str | None, ...]) -> dict[str, Any]:
    """The coerced values of the variables that are set (`raws`: per field, or None)."""
    hints = _hints(cls)
    return {name: _coerce(name, hints[name], raw)
            for (name, _), raw in zip(_env_names(cls), raws, strict=True) if raw is not None}


@functools.lru_cache(maxsize=LOADED_CACHE_SIZE)
def _from_environment(cls: type, raws: tuple[str | None, ...]) -> Any:
    """The settings of `cls` for these environment values alone (frozen, so shared)."""
    return cls(**_environment_values(cls, raws))


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
