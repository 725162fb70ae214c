"""The duplicate groups as a report: JSON, CSV or HTML (one Jinja2 template, also included by
the web app's duplicates page: `TEMPLATE_DIR`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import jinja2

from indexer.editors.duplicates import SAME_QUESTION, Cluster

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
GROUPS_TEMPLATE = "duplicate_groups.html"  # the groups alone (for the web page to include)
FORMATS = ("json", "csv", "html")
CSV_COLUMNS = ["cluster", "kind", "canonical_id", "member_id", "similarity", "question",
               "categories", "shared_answer", "url"]

RecordHref = Callable[[str], str | None]


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(clusters: Sequence[Cluster], fmt: str = "json", *,
           record_href: RecordHref | None = None, hidden: int = 0) -> str:
    """`clusters` as a JSON list, a CSV table (one row per member) or an HTML page (records
    linked through `record_href`; `hidden`: groups left out by editors' decisions)."""
    if fmt == "json":
        return json.dumps([c.to_dict() for c in clusters], ensure_ascii=False, indent=2)
    if fmt == "csv":
        return to_csv(clusters)
    if fmt == "html":
        return render_html(clusters, record_href=record_href, hidden=hidden)
    raise ValueError(f"unknown format {fmt!r}")


def render_html(clusters: Sequence[Cluster], *, record_href: RecordHref | None = None,
                hidden: int = 0) -> str:
    """A standalone HTML page of the groups (record ids shown; links when `record_href`
    gives one for a record)."""
    page = _environment().get_template("duplicates_report.html")
    same = sum(1 for c in clusters if c.kind == SAME_QUESTION)
    return page.render(clusters=clusters, start=0, record_href=record_href, show_ids=True,
                       same=same, stock=len(clusters) - same, hidden=hidden)


def to_csv(clusters: Sequence[Cluster], start: int = 0) -> str:
    """One row per member of each group (groups numbered from `start` + 1)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for n, c in enumerate(clusters, start + 1):
        for m in c.members:
            w.writerow([n, c.kind, _cell(c.canonical_id), _cell(m.id), m.similarity,
                        _cell(m.question),
                        _cell(" | ".join(" > ".join(p) for p in m.categories)),
                        "yes" if c.shared_answer else "no", _cell(m.url)])
    return buf.getvalue()


def _cell(text: str) -> str:
    """Scraped text made safe for spreadsheets: a cell starting like a formula is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
