"""Plain-text dumps of archive pages (like the seed): labels split the page into items.

Other sites' forms ("Dear Dr X:" / "Dear Reader:" columns, numbered FAQs) are first rewritten
as labels (`forms.py`); the same reader takes the main text of an HTML page that is not K2.

The dump has no item boundaries, titles or links, so the labels are all there is:
a ``Q`` segment followed by an ``A`` segment is one item; several ``Q`` segments in a row are one
multi-part question; an ``A`` with no ``Q`` since the previous answer is an orphan answer
(flag ORPHAN: a text dump has no titles to stand in for the question). The header
("Ask an expert - a - b - c", "N questions") gives the category path and the declared count;
"Page X of Y" the page; everything after that pagination line is the page footer.
Date lines ("Tuesday, 05 March 2013 10:20") separate posts: nothing runs from one post into the
next. ``Q:`` followed by unlabelled paragraphs is a question (to its first line ending in "?")
and its answer; a page with no label at all but an archive header is one answer (the text
after the header). A last answer that stops mid-sentence is flagged TRUNCATED (and reported).
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
from indexer.ingest.parse.forms import as_labelled
from indexer.ingest.parse.items import TEXT, TEXT_DUMP, PageParse, Problem, RawItem
from indexer.ingest.parse.qa import label_of, segments
from indexer.records import ORPHAN, TRUNCATED

TEXT_SOURCE = "text"
HEADER_RE = re.compile(r"^\s*ask an expert\s*[-–—:]\s*(?P<path>.+?)\s*$", re.I)
# Levels of a header are separated by a dash with a space on at least one side
# ("bones - shoulder", "bones- shoulder", "bones -shoulder"); "well-being" is one level.
_LEVEL_SEP_RE = re.compile(r"\s+[-–—]\s*|\s*[-–—]\s+")
_DATE_LINE_RE = re.compile(
    r"^\s*((mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\d{1,2}(st|nd|rd|th)?\s+"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4}"
    r"(\s+\d{1,2}:\d{2}(\s*[ap]m)?)?\s*$", re.I)
_ENDINGS = tuple(".!?:;…\"”’')]/")
_PAGE_LINE_RE = re.compile(r"^\s*page\s+\d+\s+of\s+\d+\s*$", re.I)
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]{2,8});")


def category_from_header(line: str) -> list[str] | None:
    """["a", "b", "c"] from "Ask an expert - a - b - c" (irregular spacing around the dashes
    allowed: "Ask an expert - a- b" is ["a", "b"]); [] for the archive root
    ("Ask an expert - Recent answers"); None when `line` is not such a header."""
    m = HEADER_RE.match(" ".join(line.split()))
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
    lines = as_labelled(dump_lines(text))
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
    if first_label == len(lines):  # no label: the text after an archive header is an answer
        start = next((i + 1 for i in range(len(lines) - 1, -1, -1)
                      if category_from_header(lines[i]) is not None
                      or declared_count(lines[i])), 0)
        end = next((i for i in range(start, len(lines)) if _PAGE_LINE_RE.match(lines[i])),
                   len(lines))
        if start and clean_text(lines[start:end]):
            first_label = start
            _add(result, [], lines[start:end], source, path, start + 1)
            result.problems.append(Problem(path, "no question/answer labels: the page text is "
                                                 "kept as one answer", "note"))
            return result
    body = lines[first_label:end]
    posts = _posts(body)
    pending_q: list[str] | None = None
    q_line = 0
    for offset, post in posts:
        pending_q = None  # a question never runs on into the next dated post
        for seg in segments(post):
            line_no = first_label + offset + seg.start + 1
            if seg.kind == "Q":
                if pending_q is None:
                    pending_q, q_line = seg.lines, line_no
                else:
                    pending_q = [*pending_q, "", *seg.lines]
            elif seg.kind == "A":
                _add(result, pending_q or [], seg.lines, source, path,
                     q_line if pending_q else line_no)
                pending_q = None
        if pending_q is not None and len(posts) > 1:
            _question_only(result, pending_q, source, path, q_line)
            pending_q = None
    if pending_q is not None:
        _question_only(result, pending_q, source, path, q_line)
    last_answer = result.items[-1].answer.rstrip() if result.items else ""
    if last_answer and not last_answer.endswith(_ENDINGS):
        last = result.items[-1]
        if TRUNCATED not in last.flags:
            last.flags.append(TRUNCATED)
        last.problem = Problem(path, f"the last answer stops mid-sentence (page cut short?): "
                                     f"...{last.answer[-40:]!r}", "warning",
                               position=last.position)
        result.problems.append(last.problem)
    if not result.items:
        result.problems.append(Problem(path, "no question/answer labels found", "error"))
    return result


def _posts(body: list[str]) -> list[tuple[int, list[str]]]:
    """The body split at date lines ("Tuesday, 05 March 2013 10:20"): (index of its first line
    in `body`, its lines) per post; the body itself when it has none."""
    if not any(_DATE_LINE_RE.match(line) for line in body):
        return [(0, body)]
    posts: list[tuple[int, list[str]]] = [(0, [])]
    for index, line in enumerate(body):
        if _DATE_LINE_RE.match(line):
            posts.append((index + 1, []))
        else:
            posts[-1][1].append(line)
    return [(i, p) for i, p in posts if any(x.strip() for x in p)]


def _question_only(result: PageParse, pending_q: list[str], source: str, path: str,
                   line_no: int) -> None:
    from indexer.ingest.parse.qa import split_item

    split = split_item(["Q: " + pending_q[0], *pending_q[1:]] if pending_q else [])
    if split.answer and clean_text(split.answer):
        _add(result, split.question, split.answer, source, path, line_no)
        return
    _question_without_answer(result, pending_q, source, path, line_no)


def _question_without_answer(result: PageParse, pending_q: list[str], source: str,
                             path: str, line_no: int) -> None:
    question = clean_text(pending_q)
    problem = Problem(path, f"question without an answer (page cut short?): {question[:60]!r}",
                      "warning", position=f"line {line_no}")
    result.problems.append(problem)
    result.items.append(RawItem(question=question, answer="", page_url=path,
                                category=list(result.category), quality=TEXT_DUMP,
                                flags=[TRUNCATED], source=source, position=f"line {line_no}",
                                problem=problem))


def _add(result: PageParse, q_lines: list[str], a_lines: list[str], source: str,
         path: str, line_no: int) -> None:
    question, answer = clean_text(q_lines), clean_text(a_lines)
    if not answer:
        if question:
            result.problems.append(Problem(
                path, f"answer label with no text after {question[:60]!r}; question skipped",
                "warning", position=f"line {line_no}", lost=True))
        return
    flags = [] if question else [ORPHAN]
    result.items.append(RawItem(question=question, answer=answer, page_url=path,
                                category=list(result.category), quality=TEXT_DUMP,
                                flags=flags, source=source, position=f"line {line_no}"))
