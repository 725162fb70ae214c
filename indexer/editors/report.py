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

from indexer.editors.duplicates import Cluster

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
GROUPS_TEMPLATE = "duplicate_groups.html"  # the groups alone (for the web page to include)
FORMATS = ("json", "csv", "html")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(clusters: Sequence[Cluster], fmt: str = "json") -> str:
    """`clusters` as a JSON list, a CSV table (one row per member) or an HTML page."""
    if fmt == "json":
        return json.dumps([c.to_dict() for c in clusters], ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(clusters)
    if fmt == "html":
        return render_html(clusters)
    raise ValueError(f"unknown format {fmt!r}")


def render_html(clusters: Sequence[Cluster], *,
                record_href: Callable[[str], str] | None = None) -> str:
    """A standalone HTML page of the groups (record ids shown; links when `record_href`)."""
    page = _environment().get_template("duplicates_report.html")
    return page.render(clusters=clusters, start=0, record_href=record_href, show_ids=True)


def _csv(clusters: Sequence[Cluster]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["cluster", "kind", "canonical_id", "member_id", "similarity", "question",
                "categories", "shared_answer"])
    for n, c in enumerate(clusters, 1):
        for m in c.members:
            w.writerow([n, c.kind, c.canonical_id, m.id, m.similarity, m.question,
                        " | ".join(" > ".join(p) for p in m.categories),
                        "yes" if c.shared_answer else "no"])
    return buf.getvalue()
