"""MEDIQA 2019 QA (task 3) as a ranking test (issue F): 129 consumer questions, each with 7-9
answers from trusted health sites graded `ReferenceScore` 1-4 (the LiveQA scale).

The corpus is every answer of every question. Identical answers recur under several questions
(the same page section retrieved twice): answers whose text is identical after
`normalise_text` (case, Unicode form and whitespace folded) become one record, id
`mediqa-<hash of that text>`, and each question keeps its own grade for it (the higher when a
question lists it twice). Answers that share a URL but differ in text are different sections
of one page and stay apart.

An answer's text starts with its heading, `Condition (Section): ` (sometimes only `Condition: `
or a question, `What is Flu?: `). Two forms of the same records (same ids):
  plain       heading as the record's title, no focus or qtype (like scraped archive pages)
  structured  also focus = the condition and qtype = the question type of the section (by
              `indexer.text.qtypes.question_types`, when it names one); a heading without a
              section is the focus unless it is a question.
Metrics are LiveQA's (`indexer.eval.liveqa.evaluate_run`): an answer of another question in
the results is unjudged and counts 0, as an unjudged MedQuAD answer does there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.eval.datasets import _fold, _parse_xml  # private readers shared with LiveQA's
from indexer.records import Record, normalise_text

FORMS: tuple[str, ...] = ("plain", "structured")
HEADING_MAX = 600  # a longer run of text before ": " is not a heading
SOURCE = "mediqa"


@dataclass
class MediqaAnswer:
    aid: str
    text: str
    url: str = ""
    score: int = 0  # ReferenceScore 1..4


@dataclass
class MediqaQuestion:
    qid: str  # "<set tag>-<QID>", e.g. "alexa-1" (QIDs repeat across the files)
    text: str
    answers: list[MediqaAnswer] = field(default_factory=list)


def set_tag(path: str | Path) -> str:
    """The short name of a MEDIQA file: the last '-' part of its stem, lower case
    ("MEDIQA2019-Task3-QA-TrainingSet2-Alexa.xml" -> "alexa")."""
    return Path(path).stem.rsplit("-", 1)[-1].lower()


def load_mediqa(paths: Iterable[str | Path]) -> list[MediqaQuestion]:
    """Read MEDIQA task 3 XML files (`Question` elements) in file order; raises ValueError
    on unreadable XML, a question without answers or a grade outside 1..4."""
    out: list[MediqaQuestion] = []
    for path in paths:
        tag = set_tag(path)
        for el in _parse_xml(path).iter("Question"):
            qid = f"{tag}-{(el.get('QID') or '').strip()}"
            answers = [_answer(a, path, qid) for a in el.iter("Answer")]
            if not answers:
                raise ValueError(f"{path}: question {qid} has no answers")
            out.append(MediqaQuestion(qid, _fold(el.findtext("QuestionText")), answers))
    return out


def _answer(el: Any, path: str | Path, qid: str) -> MediqaAnswer:
    raw = el.get("ReferenceScore") or "0"
    score = int(raw) if raw.strip().isdigit() else 0
    if not 1 <= score <= 4:
        raise ValueError(f"{path}: question {qid}: ReferenceScore {raw!r} is not 1..4")
    return MediqaAnswer(aid=(el.get("AID") or "").strip(), text=_fold(el.findtext("AnswerText")),
                        url=_fold(el.findtext("AnswerURL")), score=score)


def split_heading(text: str) -> tuple[str, str]:
    """(heading, body): the heading is the text before the first ": " outside parentheses."""
    depth = 0
    for i, ch in enumerate(text[: HEADING_MAX + 1]):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        elif ch == ":" and depth == 0 and text[i + 1: i + 2] == " ":
            return text[:i].strip(), text[i + 2:].strip()
    return "", text.strip()


def split_section(heading: str) -> tuple[str, str]:
    """(condition, section) of "Condition (Section)", the section being the last balanced
    parenthesised group; (heading, "") when there is none."""
    heading = heading.strip()
    if not heading.endswith(")"):
        return heading, ""
    depth = 0
    for i in range(len(heading) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(heading[i], 0)
        if depth == 0:
            condition = heading[:i].strip()
            return (condition, heading[i + 1:-1].strip()) if condition else (heading, "")
    return heading, ""


def section_qtype(text: str) -> str:
    """The question type a section name or question heading asks about, or ""."""
    from indexer.text.qtypes import question_types

    types = question_types(text)
    return types[0][0] if types else ""


def answer_id(text: str) -> str:
    return f"{SOURCE}-" + hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:12]


def answer_record(answer: MediqaAnswer, form: str) -> Record:
    """One answer as a record of the given form ("plain" or "structured")."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}: expected one of {', '.join(FORMS)}")
    heading, body = split_heading(answer.text)
    rec = Record(id=answer_id(answer.text), question="", answer=body, title=heading,
                 url=answer.url, source=SOURCE)
    if form == "plain" or not heading:
        return rec
    condition, section = split_section(heading)
    if section:
        return rec.rehashed(focus=condition, qtype=section_qtype(section))
    if heading.endswith("?"):
        return rec.rehashed(qtype=section_qtype(heading))
    return rec.rehashed(focus=heading)


def mediqa_corpus(questions: Sequence[MediqaQuestion], form: str
                  ) -> tuple[list[Record], dict[str, dict[str, int]]]:
    """The records of every distinct answer (first occurrence kept) and the qrels
    {qid: {record id: grade}}."""
    records: dict[str, Record] = {}
    qrels: dict[str, dict[str, int]] = {}
    for q in questions:
        judged = qrels.setdefault(q.qid, {})
        for a in q.answers:
            rid = answer_id(a.text)
            if rid not in records:
                records[rid] = answer_record(a, form)
            judged[rid] = max(a.score, judged.get(rid, 0))
    return list(records.values()), qrels


def mediqa_topics(questions: Iterable[MediqaQuestion]) -> list[tuple[str, str]]:
    return [(q.qid, q.text) for q in questions]


def default_files(shared: Path) -> list[Path]:
    """The MEDIQA task 3 XML files under `shared/data/mediqa-qa`, sorted by name."""
    return sorted((shared / "data" / "mediqa-qa").glob("MEDIQA2019-Task3-QA-*.xml"))
