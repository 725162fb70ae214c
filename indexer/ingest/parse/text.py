"""Plain-text dumps of archive pages (like the seed): labels split the page into items.

The dump has no item boundaries, titles or links, so the labels are all there is:
a ``Q`` segment followed by an ``A`` segment is one item; several ``Q`` segments in a row are one
multi-part question; an ``A`` with no ``Q`` since the previous answer is an orphan answer
(flag ORPHAN: a text dump has no titles to stand in for the question). The header
("Ask an expert - a - b - c", "N questions") gives the category path and the declared count;
"Page X of Y" the page; everything after that pagination line is the page footer.
"""

from __future__ import annotations

import html
import re

from indexer.ingest.parse.clean import (
    clean_text,
    declared_count,
    normalise_chars,
    page_of,
)
from indexer.ingest.parse.items import TEXT, TEXT_DUMP, PageParse, Problem, RawItem
from indexer.ingest.parse.qa import label_of, segments
from indexer.records import ORPHAN, TRUNCATED

TEXT_SOURCE = "text"
_HEADER_RE = re.compile(r"^\s*ask an expert\s*[-–—:]\s*(?P<path>.+?)\s*$", re.I)
# Levels of a header are separated by a dash with a space on at least one side
# ("bones - shoulder", "bones- shoulder", "bones -shoulder"); "well-being" is one level.
_LEVEL_SEP_RE = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")
_PAGE_LINE_RE = re.compile(r"^\s*page\s+\d+\s+of\s+\d+\s*$", re.I)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")


def category_from_header(line: str) -> list[str] | None:
    """["a", "b", "c"] from "Ask an expert - a - b - c" (irregular spacing around the dashes
    allowed: "Ask an expert - a- b" is ["a", "b"]); [] for the archive root
    ("Ask an expert - Recent answers"); None when `line` is not such a header."""
    m = _HEADER_RE.match(" ".join(line.split()))
    if not m:
        return None
    parts = [category_name(p) for p in _LEVEL_SEP_RE.split(m.group("path"))]
    parts = [p for p in parts if p]
    if [p.lower() for p in parts] == ["recent answers"]:
        return []
    return parts


def category_name(name: str) -> str:
    """One category level as written, tidied: spaces folded, stray dashes and punctuation at
    its ends dropped (``"muscles and bones-"`` -> ``"muscles and bones"``)."""
    return " ".join(name.split()).strip(" -–—:;,.|»>/")


def dump_lines(text: str) -> list[str]:
    """Lines of a dump: entities decoded, <br> tags as line breaks, characters normalised."""
    if _ENTITY_RE.search(text):
        text = html.unescape(text)
    text = _BR_RE.sub("\n", text)
    return normalise_chars(text).split("\n")


def parse_text(text: str, path: str = "", *, source: str = TEXT_SOURCE) -> PageParse:
    """Parse the decoded text of one dumped page."""
    lines = dump_lines(text)
    result = PageParse(kind=TEXT, url=path)
    first_label = next((i for i, ln in enumerate(lines) if label_of(ln)), len(lines))
    for line in lines[:first_label]:
        cat = category_from_header(line)
        if cat is not None and not result.category:
            result.category = cat
    result.declared = declared_count("\n".join(lines[:first_label]))
    pg = page_of("\n".join(lines))
    if pg:
        result.page, result.pages = pg
    # The footer starts at the first "Page X of Y" after the items began.
    end = next((i for i in range(first_label, len(lines)) if _PAGE_LINE_RE.match(lines[i])),
               len(lines))
    body = lines[first_label:end]

    pending_q: list[str] | None = None
    for seg in segments(body):
        if seg.kind == "Q":
            pending_q = seg.lines if pending_q is None else [*pending_q, "", *seg.lines]
        elif seg.kind == "A":
            _add(result, pending_q or [], seg.lines, source, path)
            pending_q = None
    if pending_q is not None:
        question = clean_text(pending_q)
        result.problems.append(Problem(
            path, f"question without an answer at the end (page cut short?): "
                  f"{question[:60]!r}", "warning"))
        result.items.append(RawItem(question=question, answer="", page_url=path,
                                    category=list(result.category), quality=TEXT_DUMP,
                                    flags=[TRUNCATED], source=source))
    if not result.items:
        result.problems.append(Problem(path, "no question/answer labels found", "error"))
    return result


def _add(result: PageParse, q_lines: list[str], a_lines: list[str], source: str,
         path: str) -> None:
    question, answer = clean_text(q_lines), clean_text(a_lines)
    if not answer:
        result.problems.append(Problem(
            path, f"answer label with no text after {question[:60]!r}", "warning"))
        return
    flags = [] if question else [ORPHAN]
    result.items.append(RawItem(question=question, answer=answer, page_url=path,
                                category=list(result.category), quality=TEXT_DUMP,
                                flags=flags, source=source))
