"""Plain results -> what pages and the API show: links added, unsafe URLs dropped, template
questions shown as readable headings."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from flask import current_app, request

from indexer.index.caches import entries
from indexer.records import Record
from indexer.results import Hit, Segment


def safe_url(url: str | None) -> str:
    """`url` when it is an absolute http(s) URL, else "" (no javascript:, data:...)."""
    if not url:
        return ""
    return _checked_url(url)


@lru_cache(maxsize=entries("checked_urls"))  # a hit's source URL is one of the index's
def _checked_url(url: str) -> str:
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
    path = record_path(hit.id)
    data["html_url"] = base + path
    data["api_url"] = base + "/api" + path
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


@dataclass(frozen=True)
class Title:
    """A question shown as a heading: MedQuAD's template questions ("What is (are) Headache ?")
    become their condition and a section ("Headache", "overview"); others stay whole."""

    parts: list[Segment]  # the heading (the condition, or the whole question), highlighted
    section: str = ""  # "overview", "symptoms"... for a template question

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)


@lru_cache(maxsize=1)
def _templates() -> list[tuple[re.Pattern[str], str]]:
    text = resources.files("search_app").joinpath("data/medquad_titles.tsv").read_text(
        encoding="utf-8")
    out: list[tuple[int, re.Pattern[str], str]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        template, section = line.split("\t")
        before, after = (re.escape(s) for s in template.strip().split("{}"))
        out.append((len(template), re.compile(rf"\s*{before}(.+?){after}\s*", re.I),
                    section.strip()))
    # the longest template first: "What is the outlook for {} ?" before "What is {} ?"
    return [(pattern, section) for _, pattern, section in sorted(out, key=lambda t: -t[0])]


def title(question: str, parts: list[Segment] | None = None) -> Title:
    """The heading for `question` (with its highlighted `parts` when given)."""
    parts = list(parts) if parts else [Segment(question)]
    whole = "".join(p.text for p in parts)
    for pattern, section in _templates():
        m = pattern.fullmatch(whole)
        if m:
            return Title(_slice(parts, *m.span(1)), section)
    return Title(parts)


def _slice(parts: list[Segment], start: int, end: int) -> list[Segment]:
    """The segments covering characters start..end of their joined text."""
    out, pos = [], 0
    for p in parts:
        a, b = max(start, pos), min(end, pos + len(p.text))
        if a < b:
            out.append(Segment(p.text[a - pos:b - pos], p.highlight))
        pos += len(p.text)
    return out
