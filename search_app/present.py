"""Plain results -> what pages and the API show: links added, unsafe URLs dropped."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app, request

from indexer.records import Record
from indexer.results import Hit


def safe_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) URL, else "" (no javascript:, data:...)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url.strip()


def base_url() -> str:
    """Public base URL (settings.public_url, else the URL this request came to)."""
    public = current_app.config["QASEARCH"].public_url
    return (public or request.host_url).rstrip("/")


def record_path(record_id: str) -> str:
    return "/records/" + quote(record_id, safe="")


_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(obj: Any) -> Any:
    """JSON-ready copy of result dataclasses, lists and dicts (like `dataclasses.asdict`,
    without its deep copies: this runs for every hit of every request)."""
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    names = _FIELDS.get(type(obj))
    if names is None:
        if not is_dataclass(obj):
            return str(obj)
        names = _FIELDS[type(obj)] = tuple(f.name for f in fields(obj))
    return {name: plain(getattr(obj, name)) for name in names}


def hit_dict(hit: Hit, base: str) -> dict[str, Any]:
    """A hit for the API: its fields (nested segments and matches stay dataclasses, which the
    JSON provider serialises), the source URL only when safe, and our links."""
    data = {name: getattr(hit, name) for name in _hit_fields()}
    data["url"] = safe_url(hit.url)
    data["html_url"] = base + record_path(hit.id)
    data["api_url"] = base + "/api" + record_path(hit.id)
    return data


def _hit_fields() -> tuple[str, ...]:
    names = _FIELDS.get(Hit)
    if names is None:
        names = _FIELDS[Hit] = tuple(f.name for f in fields(Hit))
    return names


def record_dict(rec: Record, base: str) -> dict[str, Any]:
    data = plain(rec)
    data["url"] = safe_url(rec.url)
    data["urls"] = [u for u in (safe_url(u) for u in rec.urls) if u]
    data["display_question"] = rec.display_question
    data["html_url"] = base + record_path(rec.id)
    data["api_url"] = base + "/api" + record_path(rec.id)
    return data


def paragraphs(text: str) -> list[list[str]]:
    """Answer text as paragraphs of lines (blank lines separate paragraphs)."""
    paras: list[list[str]] = []
    current: list[str] = []
    for line in (text or "").splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            paras.append(current)
            current = []
    if current:
        paras.append(current)
    return paras
