"""The LiveQA ``judged-answers.csv``: the texts of the MedQuAD answers judged for LiveQA.

Its texts fill answers missing from the XML (see `indexer.ingest.parse.medquad`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.ingest.parse.items import Problem, report_problem
from indexer.ingest.parse.medquad_xml import fold_space

_CSV_HEADER = b"AnswerID,Answer"


def is_judged_csv(path: str | Path) -> bool:
    """True for the LiveQA ``judged-answers.csv`` (a CSV whose header is ``AnswerID,Answer``)."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf").startswith(_CSV_HEADER)


@dataclass
class JudgedAnswer:
    """One row of ``judged-answers.csv``: the answer text and the question/URL it quotes."""

    id: str  # without ".txt"
    question: str
    url: str
    answer: str  # raw answer text (the stray trailing ")" removed), not yet cleaned


_JUDGED_TEXT = re.compile(r"\AQuestion:(?P<q>.*?)\nURL:(?P<url>.*?)\nAnswer:(?P<a>.*)\Z", re.S)


def read_judged_answers(path: str | Path,
                        problems: list[Problem] | None = None) -> dict[str, JudgedAnswer]:
    """Read ``judged-answers.csv`` into {answer id without ".txt": JudgedAnswer}.

    Each text is ``"Question: ...\\nURL: ...\\nAnswer: ..."`` and ends with one stray ``)``;
    only the answer part is kept, without that ``)``. Rows listed twice are read once.
    Bad rows are reported and skipped.
    """
    path = Path(path)
    out: dict[str, JudgedAnswer] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or [h.strip() for h in header[:2]] != ["AnswerID", "Answer"]:
                report_problem(problems, path,
                               "not a judged-answers CSV (header is not AnswerID,Answer)")
                return out
            for row in reader:
                if not row or not any(cell.strip() for cell in row):
                    continue
                where = f"{path}:{reader.line_num}"
                if len(row) != 2:
                    report_problem(problems, where, f"expected 2 columns, found {len(row)}")
                    continue
                answer = _judged_row(row[0], row[1])
                if answer is None:
                    report_problem(problems, where,
                                   "text lacks the 'Question: / URL: / Answer:' parts")
                elif answer.id not in out:
                    out[answer.id] = answer
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        report_problem(problems, path, f"cannot read judged answers: {exc}")
    return out


def _judged_row(answer_id: str, text: str) -> JudgedAnswer | None:
    answer_id = answer_id.strip()
    if answer_id.lower().endswith(".txt"):
        answer_id = answer_id[:-4]
    match = _JUDGED_TEXT.match(text.replace("\r\n", "\n").strip())
    if not answer_id or match is None:
        return None
    answer = match.group("a").strip()
    if answer.endswith(")"):
        answer = answer[:-1]
    return JudgedAnswer(
        id=answer_id,
        question=fold_space(match.group("q")),
        url=match.group("url").strip(),
        answer=answer,
    )
