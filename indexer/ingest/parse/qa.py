"""Question/answer labels: find them in lines of text and split the text at them.

Labels the archive uses at the start of a line: ``Q:``/``A:``, ``Q.``/``A.``, ``Q :``,
``A:We`` (no space), ``Question:``/``Answer:``, and lowercase ``q:``/``a:`` (or ``q.``/``a.``)
only when alone on their line (a lowercase "a." starting a sentence or list is not a label).
A label after a quote mark, or an answer label on the line after one ending with ":" ("as we
said then:"), begins a quotation, not a new item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.ingest.parse.clean import normalise_chars

_LABEL_RE = re.compile(
    r"^\s*(?P<label>Q|A|q|a|Question|Answer|QUESTION|ANSWER|question|answer)\s*(?P<sep>[:.])"
    r"(?P<rest>.*)$"
)


@dataclass
class Segment:
    """A run of lines that starts with a label ("Q" or "A"), or "" for unlabelled text."""

    kind: str
    lines: list[str] = field(default_factory=list)
    head: str = ""  # the label line as written
    inline: bool = False  # whether the label line carried text after the label
    start: int = 0  # index of its first line in the lines split


def label_of(line: str) -> tuple[str, str] | None:
    """("Q"|"A", rest of the line) when `line` starts with a question or answer label."""
    line = normalise_chars(line)
    m = _LABEL_RE.match(line)
    if not m:
        return None
    label, sep, rest = m.group("label"), m.group("sep"), m.group("rest")
    if label in ("q", "a") and rest.strip():
        return None  # lowercase single letters count only alone on a line
    if sep == "." and rest and not rest[0].isspace():
        return None  # "A.N. Other", "Q.E.D."
    if len(label) > 1 and sep != ":":
        return None  # "Answer." is a word, "Answer:" a label
    return ("Q" if label[0] in "Qq" else "A"), rest.strip()


def segments(lines: list[str]) -> list[Segment]:
    """Split lines at labels. Text before the first label is a segment of kind ""."""
    out: list[Segment] = [Segment("")]
    prev_text = ""
    for index, line in enumerate(lines):
        found = label_of(line)
        quoted = (
            found is not None and found[0] == "A" and out[-1].kind == "A"
            and prev_text.rstrip().endswith(":")
        )
        if found and not quoted:
            kind, rest = found
            out.append(Segment(kind, [rest] if rest else [], head=line, inline=bool(rest),
                               start=index))
        else:
            out[-1].lines.append(line)
        if line.strip():
            prev_text = line
    if not out[0].lines or not any(s.strip() for s in out[0].lines):
        out.pop(0)
    return out


@dataclass
class Split:
    """The question and answer lines of one item (not yet cleaned)."""

    question: list[str]
    answer: list[str]
    labelled: bool  # whether any label was found


def split_item(lines: list[str]) -> Split:
    """Split the text of ONE item (a K2 intro or full text) into question and answer.

    Everything before the first answer label is the question (several ``Q:`` parts, or an
    unlabelled question, are one multi-part question); everything after it is the answer,
    including any later labels (a quoted older answer, a follow-up). With no answer label the
    whole text is the answer, unless it is labelled as a question only; ``Q:`` followed by
    unlabelled paragraphs is a question (to its first line ending in "?") and its answer."""
    segs = segments(lines)
    if not any(s.kind for s in segs):
        return Split([], list(lines), labelled=False)
    if not any(s.kind == "A" for s in segs):
        split = _question_then_answer(lines)
        if split is not None:
            return split
    question: list[str] = []
    answer: list[str] = []
    in_answer = False
    for seg in segs:
        if not in_answer and seg.kind == "A":
            in_answer = True
            answer.extend(seg.lines)
            continue
        if in_answer:  # a later label stays as written: a quotation or a follow-up
            if seg.head:
                answer.append(seg.head)
                answer.extend(seg.lines[1:] if seg.inline else seg.lines)
            else:
                answer.extend(seg.lines)
        else:
            if question:
                question.append("")
            question.extend(seg.lines)
    return Split(question, answer, labelled=True)


def _question_then_answer(lines: list[str]) -> Split | None:
    """``Q: ...?`` followed by unlabelled answer paragraphs: the question runs to the end of
    the first line (after the label) that ends with a question mark; the rest is the answer.
    None when no answer follows a question line."""
    segs = segments(lines)
    question: list[str] = []
    for index, seg in enumerate(segs):
        if seg.kind != "Q":
            continue
        for i, line in enumerate(seg.lines):
            if line.rstrip().endswith("?"):
                rest = seg.lines[i + 1:]
                later = [ln for s in segs[index + 1:] for ln in ([s.head] if s.head else [])
                         + (s.lines[1:] if s.inline else s.lines)]
                if any(ln.strip() for ln in rest):
                    return Split([*question, *seg.lines[: i + 1]], [*rest, *later],
                                 labelled=True)
        question.extend(seg.lines)
    return None
