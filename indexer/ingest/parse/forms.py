"""Q&A forms of other health sites, rewritten as ``Q:``/``A:`` labelled lines for `text.py`.

- **Newspaper columns** ("Dear Dr X:" / "Dear Reader:"): a line opening with a salutation to a
  doctor ("Dear Dr. Lee:", "DEAR DOCTOR," ...) starts a reader's letter, which is the question;
  the next salutation to anyone else ("Dear Reader:", "Dear J.K.:", "Dear Worried in Leeds:")
  starts the doctor's reply, which is the answer. The letter's sign-off ("-- J.K., Leeds" on
  its own line or after the last sentence) is a name, not question text, and is dropped.
- **Numbered FAQs**: in a text with no Q/A labels, lines "1. How long does a session last?",
  "2) Will it hurt?" ... numbered 1, 2, 3 ... (at least two, each ending with "?") are the
  questions; the lines up to the next one are its answer.

Lines are rewritten one for one, so line numbers in warnings stay those of the page.
"""

from __future__ import annotations

import re

from indexer.ingest.parse.qa import label_of

_DOCTOR_RE = re.compile(
    r"^\s*dear\s+(?:dr\b\.?|doctor\b|doc\b)[^:,]{0,40}[:,]\s*(?P<rest>.*)$", re.I)
_REPLY_RE = re.compile(r"^\s*dear\s+(?P<to>[^:,\s][^:,]{0,40})[:,]\s*(?P<rest>.*)$", re.I)
_SIGN_OFF_LINE_RE = re.compile(r"^\s*(?:--|—|–)\s*\S.{0,60}$")
_SIGN_OFF_TAIL_RE = re.compile(r"(?<=[.?!])\s+(?:--|—|–)\s*[A-Z][\w.,'’ ]{0,40}$")
_NUMBERED_Q_RE = re.compile(r"^\s*(?P<n>\d{1,3})\s*[.)]\s+(?P<q>\S.*\?)\s*$")


def columns(lines: list[str]) -> list[str] | None:
    """The lines of a "Dear Dr X" / "Dear Reader" column as labelled lines, or None when the
    text has no letter to a doctor followed by a reply."""
    out: list[str] = []
    in_letter = replied = False
    for line in lines:
        doctor = _DOCTOR_RE.match(line)
        reply = _REPLY_RE.match(line) if in_letter and not doctor else None
        if doctor:
            in_letter = True
            out.append("Q: " + _SIGN_OFF_TAIL_RE.sub("", doctor.group("rest")))
        elif reply:
            in_letter, replied = False, True
            out.append("A: " + reply.group("rest"))
        elif in_letter and _SIGN_OFF_LINE_RE.match(line):
            out.append("")
        elif in_letter:
            out.append(_SIGN_OFF_TAIL_RE.sub("", line))
        else:
            out.append(line)
    return out if replied else None


def numbered_faq(lines: list[str]) -> list[str] | None:
    """The lines of a numbered FAQ as labelled lines, or None when there are not at least two
    questions numbered 1, 2, ... in order."""
    questions: list[int] = []
    want = 1
    for index, line in enumerate(lines):
        m = _NUMBERED_Q_RE.match(line)
        if m and int(m.group("n")) == want:
            questions.append(index)
            want += 1
    if len(questions) < 2:
        return None
    out = list(lines)
    starts = set(questions)
    for index in questions:
        out[index] = "Q: " + _NUMBERED_Q_RE.match(lines[index]).group("q")  # type: ignore[union-attr]
        nxt = index + 1
        while nxt < len(lines) and nxt not in starts and not lines[nxt].strip():
            nxt += 1
        if nxt < len(lines) and nxt not in starts:
            out[nxt] = "A: " + lines[nxt].strip()
    return out


def as_labelled(lines: list[str]) -> list[str]:
    """`lines` with a column or a numbered FAQ rewritten as ``Q:``/``A:`` labels; as they are
    when the text uses labels already or neither form."""
    column = columns(lines)
    if column is not None:
        return column
    if any(label_of(line) for line in lines):
        return lines
    return numbered_faq(lines) or lines
