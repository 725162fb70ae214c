"""Readers for the evaluation data in ``../shared/data``: LiveQA test questions and their
relevance judgments (qrels), and RQE question-entailment pairs.

Conventions:
- A LiveQA question is keyed by its ``qid`` as written in the XML, e.g. ``"TQ2"``; `load_qrels`
  uses the same keys (the qrels file writes only the number, ``2``), so ``qrels[q.qid]`` works.
- Answer ids in the qrels lose their ``.txt`` suffix, matching MedQuAD record ids
  (``indexer.ingest.parse.medquad``), e.g. ``"ADAM_0000719_Sec1"``.
- Grades are ints 1..4 (1 incorrect, 2 related, 3 incomplete, 4 excellent); a pair judged twice
  keeps the higher grade.
- Text fields have their whitespace folded to single spaces.
Malformed files raise ValueError naming the file (and line, for the qrels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

_SPACES = re.compile(r"\s+")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _fold(text: str | None) -> str:
    return _SPACES.sub(" ", (text or "").replace("\xa0", " ")).strip()


def _text(el: Any) -> str:
    return _fold("".join(el.itertext())) if el is not None else ""


def _parse_xml(path: str | Path) -> Any:
    try:
        return etree.parse(str(path), parser=_PARSER).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise ValueError(f"{path}: cannot read XML: {exc}") from exc


def _child(el: Any, *names: str) -> Any:
    """The first child of `el` whose tag is one of `names` (case-insensitive), or None."""
    wanted = {n.lower() for n in names}
    for child in el:
        if isinstance(child.tag, str) and child.tag.lower() in wanted:
            return child
    return None


def _children(el: Any, *names: str) -> list[Any]:
    wanted = {n.lower() for n in names}
    return [c for c in el if isinstance(c.tag, str) and c.tag.lower() in wanted]


# --------------------------------------------------------------------------- LiveQA questions

@dataclass
class ReferenceAnswer:
    """A reference answer given with a LiveQA test question (not from MedQuAD)."""

    aid: str
    text: str
    url: str = ""
    comment: str = ""


@dataclass
class LiveQAQuestion:
    """One TREC 2017 LiveQA medical test question, as sent by a member of the public."""

    qid: str  # "TQ1"
    number: int  # 1
    subject: str
    message: str
    paraphrase: str = ""  # NIST assessors' paraphrase
    summary: str = ""  # NLM summary
    foci: list[str] = field(default_factory=list)
    focus_categories: list[str] = field(default_factory=list)  # parallel to `foci`
    types: list[str] = field(default_factory=list)  # e.g. ["TREATMENT", "CAUSE"]
    keywords: list[str] = field(default_factory=list)
    qfile: str = ""
    reference_answers: list[ReferenceAnswer] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The question as the visitor wrote it: subject, then message (what a search box gets)."""
        if not self.subject or self.message.lower().startswith(self.subject.lower()):
            return self.message
        return f"{self.subject}. {self.message}" if self.message else self.subject

    @property
    def judged(self) -> bool:
        """Even-numbered questions have judgments in ``qrels-dev.txt``; odd ones are held out."""
        return self.number % 2 == 0


_QID = re.compile(r"^[A-Za-z]*(\d+)$")


def load_liveqa_questions(xml_path: str | Path) -> list[LiveQAQuestion]:
    """Read the LiveQA test questions XML (``NLM-QUESTION`` elements) in file order."""
    root = _parse_xml(xml_path)
    questions: list[LiveQAQuestion] = []
    for el in root.iter("NLM-QUESTION"):
        qid = (el.get("qid") or "").strip()
        match = _QID.match(qid)
        if not match:
            raise ValueError(f"{xml_path}: question without a usable qid: {qid!r}")
        original = _child(el, "Original-Question")
        annotations = _child(el, "ANNOTATIONS")
        foci = _children(annotations, "FOCUS") if annotations is not None else []
        questions.append(
            LiveQAQuestion(
                qid=qid,
                number=int(match.group(1)),
                subject=_text(_child(original, "SUBJECT")) if original is not None else "",
                message=_text(_child(original, "MESSAGE")) if original is not None else "",
                paraphrase=_text(_child(el, "NIST-PARAPHRASE")),
                summary=_text(_child(el, "NLM-Summary")),
                foci=[_text(f) for f in foci],
                focus_categories=[(f.get("fcategory") or "").strip() for f in foci],
                types=[_text(t) for t in _children(annotations, "TYPE")]
                if annotations is not None
                else [],
                keywords=[_text(k) for k in _children(annotations, "KEYWORD")]
                if annotations is not None
                else [],
                qfile=((original.get("qfile") or original.get("qFile") or "").strip())
                if original is not None
                else "",
                reference_answers=_reference_answers(el),
            )
        )
    if not questions:
        raise ValueError(f"{xml_path}: no NLM-QUESTION elements: not a LiveQA questions file")
    return questions


def _reference_answers(question: Any) -> list[ReferenceAnswer]:
    block = _child(question, "ReferenceAnswers")
    if block is None:
        return []
    return [
        ReferenceAnswer(
            aid=(ref.get("aid") or "").strip(),
            text=_text(_child(ref, "ANSWER")),
            url=_text(_child(ref, "AnswerURL")),
            comment=_text(_child(ref, "COMMENT")),
        )
        for ref in _children(block, "ReferenceAnswer", "RefAnswer")
    ]


# --------------------------------------------------------------------------- qrels

def question_key(number: int | str) -> str:
    """The key `load_qrels` uses for a question: ``2``, ``"2"`` or ``"TQ2"`` -> ``"TQ2"``."""
    text = str(number).strip()
    match = _QID.match(text)
    if not match:
        raise ValueError(f"not a LiveQA question id: {number!r}")
    return f"TQ{int(match.group(1))}"


def load_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Read ``qrels-dev.txt`` lines ``<n> <grade> <answer id>`` into
    {"TQ<n>": {answer id without ".txt": grade 1..4}}; a pair listed twice keeps the higher
    grade. Grades may be written ``3`` or ``3-Incomplete``. Blank and ``#`` lines are skipped."""
    path = Path(path)
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            try:
                if len(parts) != 3:
                    raise ValueError(f"expected 3 fields, found {len(parts)}")
                key = question_key(parts[0])
                grade = _grade(parts[1])
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: bad qrels line {line!r}: {exc}") from exc
            answer_id = parts[2].removesuffix(".txt")
            judged = qrels.setdefault(key, {})
            judged[answer_id] = max(grade, judged.get(answer_id, 0))
    return qrels


def _grade(text: str) -> int:
    match = re.match(r"^(\d+)(?:-[A-Za-z]+)?$", text)
    if not match or not 1 <= int(match.group(1)) <= 4:
        raise ValueError(f"grade {text!r} is not 1..4")
    return int(match.group(1))


# --------------------------------------------------------------------------- RQE pairs

@dataclass
class RQEPair:
    """A question-entailment pair: does an answer to `faq` answer `chq` (``value``)?"""

    pid: str
    value: bool
    chq: str  # the consumer's question
    faq: str  # the archived (FAQ) question
    type: str = ""  # e.g. "originalQ-shortQ" (training set only)


def load_rqe_pairs(xml_path: str | Path) -> list[RQEPair]:
    """Read an RQE XML file (``<pair pid value="true|false"><chq/><faq/></pair>``) in order.

    Pairs are returned as read, even with an empty question (training pair 5860 has an empty
    ``<faq>``): callers decide whether to skip them."""
    root = _parse_xml(xml_path)
    pairs: list[RQEPair] = []
    for el in root.iter("pair"):
        value = (el.get("value") or "").strip().lower()
        if value not in {"true", "false"}:
            raise ValueError(f"{xml_path}: pair {el.get('pid')!r} has value {value!r}")
        pairs.append(
            RQEPair(
                pid=(el.get("pid") or "").strip(),
                value=value == "true",
                chq=_text(_child(el, "chq")),
                faq=_text(_child(el, "faq")),
                type=(el.get("type") or "").strip(),
            )
        )
    if not pairs:
        raise ValueError(f"{xml_path}: no <pair> elements: not an RQE file")
    return pairs
