"""MedQuAD reader: NIH question-answer XML files (plus the LiveQA judged answers) -> records.

MedQuAD (Ben Abacha & Demner-Fushman, 2019) is a tree of XML files, one per document (a
disease, drug or topic page of an NIH site), each with a focus, its synonyms and UMLS CUIs, and
numbered question-answer pairs. Three layouts occur and are all read here:

- ``<Document id source url><Focus/><FocusAnnotations>...<QAPairs><QAPair><Question qtype>
  <Answer>`` (nearly every file);
- ``<doc docid corpus url><doctitle-focus/><umls>...<qaPairs><pair><question><answer>``
  (four NINDS files);
- ``<DiseaseFile fid source url>`` with ``<UMLS>`` directly under the root (one CDC file).

Record ids are the LiveQA qrels ids: ``<source>_<file stem>_Sec<N>``, N being the position of
the pair in its file (1-based, not its ``pid``: pids have gaps), and ``MPlusHerbsSupplements``
written ``MPlusHerbsSuppls``. The file stem, not the document id, is the key: ten CancerGov
files share a document id.

The answers of three MedlinePlus subsets (ADAM, MPlusDrugs, MPlusHerbsSupplements) were removed
from the XML. ``judged-answers.csv`` (``AnswerID,Answer``) holds the texts of the answers judged
for the LiveQA questions; its texts fill answers missing from the XML, and a judged answer whose
pair is not in the XML at all becomes a record of its own (built from the CSV's question and URL).

Field mapping: ``title`` is the focus (for the three CDC pages with an empty focus, a title made
from the page URL); ``categories`` is one path ``[<collection>, <question type>]``, e.g.
``["Genetic and rare diseases", "Symptoms"]``: browsing a collection by what the answer is about
(treatment, causes, outlook, ...) is how readers narrow MedQuAD's many near-identical topic
pages; the focus itself is searchable text, not a category (there are ~11,000 of them).
``source`` is the id prefix (e.g. ``MPlusHerbsSuppls``), ``item_id`` the XML ``qid``,
``url`` the document URL. Answers are cleaned (see `clean_answer`); questions are kept as given,
with whitespace folded.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from lxml import etree

from indexer.ingest.parse.files import walk_files
from indexer.records import Record

# XML `source` attribute -> the prefix used in record ids (and the qrels).
SOURCE_ID_PREFIX = {"MPlusHerbsSupplements": "MPlusHerbsSuppls"}

# Id prefix -> the collection name shown as the first level of the category path.
COLLECTIONS = {
    "CancerGov": "Cancer",
    "GARD": "Genetic and rare diseases",
    "GHR": "Genetic conditions",
    "MPlusHealthTopics": "Health topics",
    "NIDDK": "Diabetes, digestive and kidney diseases",
    "NINDS": "Neurological disorders",
    "NIHSeniorHealth": "Senior health",
    "NHLBI": "Heart, lung and blood diseases",
    "CDC": "Infectious diseases and prevention",
    "ADAM": "Medical encyclopedia",
    "MPlusDrugs": "Drugs and medicines",
    "MPlusHerbsSuppls": "Herbs and supplements",
}

# MedQuAD question types whose plain capitalisation reads badly as a category name.
QTYPE_LABELS = {
    "information": "General information",
    "other information": "Other information",
    "susceptibility": "Who is at risk",
    "frequency": "How common it is",
    "considerations": "Special considerations",
    "dietary": "Diet",
    "dose": "Dosage",
    "research": "Research and clinical trials",
    "when to contact a medical professional": "When to see a doctor",
    "how can i learn more": "Learning more",
}

_PAIR_TAGS = {"qapair", "pair"}
_FOCUS_TAGS = {"focus", "doctitle-focus"}
_ROOT_TAGS = {"document", "doc", "diseasefile"}
_CSV_HEADER = b"AnswerID,Answer"


class _Problem(NamedTuple):
    path: str
    message: str


def _problem(path: Path | str, message: str) -> Any:
    """A Problem(path, message): the dispatcher's type when it defines one, else a NamedTuple
    with the same two fields."""
    try:
        from indexer.ingest.parse import Problem  # type: ignore[attr-defined]
    except ImportError:
        return _Problem(str(path), message)
    return Problem(str(path), message)


def _report(problems: list | None, path: Path | str, message: str) -> None:
    if problems is not None:
        problems.append(_problem(path, message))


# --------------------------------------------------------------------------- text cleanup

_SPACE_CHARS = str.maketrans(
    {"\xa0": " ", "\u2009": " ", "\u202f": " ", "\t": " ", "\u200b": "", "\ufeff": ""}
)
_LIST_ITEM = re.compile(r"\s{2,}(?=-\s)")  # "text.    - item" : an item starts a line
# A run of 3+ spaces inside a line is a lost line break (paragraphs, table rows), except
# between two lowercase words, where it is only sloppy spacing mid-sentence.
_GAP = re.compile(r"(\S) {3,}(?=(\S))")
_SPACES = re.compile(r"\s+")
_DASH_ITEM = re.compile(r"^-\s+")


def fold_space(text: str) -> str:
    """Collapse every whitespace run to one space and strip the ends."""
    return _SPACES.sub(" ", (text or "").translate(_SPACE_CHARS)).strip()


def clean_answer(text: str) -> str:
    """Tidy a MedQuAD answer: one line per paragraph and per list item, single spaces.

    MedQuAD answers keep the page's indentation and flatten lists into ``"   - item    - item"``;
    paragraphs are either indented lines or runs of spaces. The result has paragraphs and list
    items (``- item``) on their own lines joined by ``"\\n"``, no blank lines, no indentation.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_SPACE_CHARS)
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        for chunk in _LIST_ITEM.split(line):
            chunk = _GAP.sub(_gap, _DASH_ITEM.sub("- ", chunk))
            for piece in chunk.split("\n"):
                piece = _SPACES.sub(" ", piece).strip()
                if piece:
                    out.append(piece)
    return "\n".join(out)


def _gap(match: re.Match[str]) -> str:
    before, after = match.group(1), match.group(2)
    mid_sentence = (before.islower() or before == ",") and after.islower()
    return match.group(1) + (" " if mid_sentence else "\n")


# --------------------------------------------------------------------------- file detection

def is_medquad_xml(path: str | Path) -> bool:
    """True for a MedQuAD XML file, or a directory holding some (looked up a few levels deep)."""
    path = Path(path)
    if path.is_dir():
        return any(_looks_like_medquad(p) for p in _first_xml_files(path, 5))
    return path.suffix.lower() == ".xml" and _looks_like_medquad(path)


def _looks_like_medquad(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return bool(re.search(rb"<(Document|doc|DiseaseFile)\b[^>]*\b(source|corpus)=", head)) and (
        b"<Focus" in head or b"<doctitle-focus" in head or b"QAPair" in head or b"<qaPairs" in head
    )


def _first_xml_files(root: Path, limit: int) -> list[Path]:
    found: list[Path] = []
    for path in _walk_xml(root):
        found.append(path)
        if len(found) >= limit:
            break
    return found


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


def _walk_xml(root: Path) -> Iterator[Path]:
    """XML files under `root` in sorted order, skipping dot-directories and dot-files."""
    return (p for p in walk_files(root) if p.suffix.lower() == ".xml")


def _expand(paths: Iterable[str | Path], problems: list | None) -> tuple[list[Path], list[Path]]:
    """Split inputs into XML files (directories walked) and judged-answer CSVs, without repeats."""
    xml_files: list[Path] = []
    csv_files: list[Path] = []
    seen: set[str] = set()

    def add(target: list[Path], path: Path) -> None:
        key = os.path.abspath(path)  # cheaper than resolve(), enough to drop repeats
        if key not in seen:
            seen.add(key)
            target.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for xml in _walk_xml(path):
                add(xml_files, xml)
        elif path.is_file() and path.suffix.lower() == ".csv":
            add(csv_files, path)
        elif path.is_file():
            add(xml_files, path)
        else:
            _report(problems, path, "no such file or directory")
    return xml_files, csv_files


# --------------------------------------------------------------------------- XML documents

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class _Pair:
    number: int  # 1-based position in the file
    qid: str
    qtype: str
    question: str
    answer: str


@dataclass
class _Document:
    source: str  # the id prefix
    stem: str
    url: str
    focus: str
    synonyms: list[str] = field(default_factory=list)
    cuis: list[str] = field(default_factory=list)
    pairs: list[_Pair] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.lower() if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def read_document(path: Path) -> _Document:
    """Parse one MedQuAD XML file (any of the three layouts). Raises ValueError when it is
    not well-formed XML or not a MedQuAD document."""
    try:
        root = etree.parse(str(path), parser=_PARSER).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc
    if root is None or _local(root.tag) not in _ROOT_TAGS:
        tag = root.tag if root is not None else "nothing"
        raise ValueError(f"not a MedQuAD document (root element <{tag}>)")
    raw_source = (root.get("source") or root.get("corpus") or "").strip()
    if not raw_source:
        raise ValueError("MedQuAD document without a source attribute")
    source = SOURCE_ID_PREFIX.get(raw_source, raw_source)
    focus = ""
    synonyms: list[str] = []
    cuis: list[str] = []
    pair_els = []
    for el in root.iter():
        tag = _local(el.tag)
        if tag in _FOCUS_TAGS and not focus:
            focus = fold_space(_text(el))
        elif tag == "synonym":
            synonyms.append(fold_space(_text(el)))
        elif tag == "cui":
            cuis.append(fold_space(_text(el)))
        elif tag in _PAIR_TAGS:
            pair_els.append(el)
    doc = _Document(
        source=source,
        stem=path.stem,
        url=(root.get("url") or "").strip(),
        focus=focus,
        synonyms=_unique(synonyms),
        cuis=_unique(cuis),
    )
    for number, pair_el in enumerate(pair_els, 1):
        question_el = answer_el = None
        attrs: dict[str, str] = {}
        for child in pair_el:
            tag = _local(child.tag)
            if tag == "question" and question_el is None:
                question_el = child
                attrs = dict(child.attrib)
            elif tag == "answer" and answer_el is None:
                answer_el = child
        doc.pairs.append(
            _Pair(
                number=number,
                qid=(attrs.get("qid") or "").strip(),
                qtype=fold_space(attrs.get("qtype") or ""),
                question=fold_space(_text(question_el)),
                answer=_text(answer_el),
            )
        )
    return doc



# --------------------------------------------------------------------------- judged answers CSV

@dataclass
class JudgedAnswer:
    """One row of ``judged-answers.csv``: the answer text and the question/URL it quotes."""

    id: str  # without ".txt"
    question: str
    url: str
    answer: str  # raw answer text (the stray trailing ")" removed), not yet cleaned


_JUDGED_TEXT = re.compile(r"\AQuestion:(?P<q>.*?)\nURL:(?P<url>.*?)\nAnswer:(?P<a>.*)\Z", re.S)


def read_judged_answers(path: str | Path, problems: list | None = None) -> dict[str, JudgedAnswer]:
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
                _report(problems, path, "not a judged-answers CSV (header is not AnswerID,Answer)")
                return out
            for row in reader:
                if not row or not any(cell.strip() for cell in row):
                    continue
                where = f"{path}:{reader.line_num}"
                if len(row) != 2:
                    _report(problems, where, f"expected 2 columns, found {len(row)}")
                    continue
                answer = _judged_row(row[0], row[1])
                if answer is None:
                    _report(problems, where, "text lacks the 'Question: / URL: / Answer:' parts")
                elif answer.id not in out:
                    out[answer.id] = answer
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        _report(problems, path, f"cannot read judged answers: {exc}")
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


# --------------------------------------------------------------------------- records

def category_path(source: str, qtype: str) -> list[str]:
    """The category path of a MedQuAD record: [collection, question type]."""
    collection = COLLECTIONS.get(source, source)
    if not qtype:
        return [collection]
    label = QTYPE_LABELS.get(qtype.lower(), qtype[:1].upper() + qtype[1:])
    return [collection, label]


def title_from_url(url: str) -> str:
    """A fallback title from a page URL: ``.../HAI/organisms/vre/vre.html`` -> ``VRE``."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    while parts:
        stem = re.sub(r"\.[a-z0-9]+$", "", parts[-1], flags=re.I)
        if stem.lower() not in {"index", "default", "home"}:
            words = [w for w in re.split(r"[_\-\s]+", stem) if w]
            return " ".join(w.upper() if len(w) <= 4 else w.capitalize() for w in words)
        parts.pop()
    return ""


def _record(doc: _Document, pair: _Pair, answer: str) -> Record:
    rid = f"{doc.source}_{doc.stem}_Sec{pair.number}"
    return Record(
        id=rid,
        question=pair.question,
        answer=clean_answer(answer),
        title=doc.focus or title_from_url(doc.url),
        categories=[category_path(doc.source, pair.qtype)],
        url=doc.url,
        source=doc.source,
        item_id=pair.qid,
        focus=doc.focus,
        synonyms=list(doc.synonyms),
        qtype=pair.qtype,
        cuis=list(doc.cuis),
        urls=[doc.url] if doc.url else [],
    )


_ALSO_CALLED = re.compile(r"\s*\(Also called:\s*(?P<syn>[^)]*)\)\s*$")


def _record_from_judged(judged: JudgedAnswer) -> Record:
    """A record for a judged answer whose pair is not in the parsed XML."""
    source = judged.id.split("_", 1)[0]
    question = judged.question
    synonyms: list[str] = []
    match = _ALSO_CALLED.search(question)
    if match:
        synonyms = _unique(fold_space(s) for s in match.group("syn").split(";"))
        question = question[: match.start()].strip()
    return Record(
        id=judged.id,
        question=question,
        answer=clean_answer(judged.answer),
        title=question,
        categories=[category_path(source, "")],
        url=judged.url,
        source=source,
        synonyms=synonyms,
        urls=[judged.url] if judged.url else [],
    )


def parse_medquad(
    xml_paths: Iterable[str | Path],
    judged_csv: Iterable[str | Path] = (),
    include_empty: bool = False,
    problems: list | None = None,
) -> Iterator[Record]:
    """Yield one record per answered MedQuAD pair.

    `xml_paths` may name XML files and directories (walked in sorted order; a judged-answers
    CSV among them is treated as if given in `judged_csv`). Answers missing from the XML are
    filled from the `judged_csv` files; pairs still without an answer are skipped unless
    `include_empty`. Judged answers whose pair was not parsed are yielded last. Malformed or
    foreign files, duplicate ids and bad CSV rows are appended to `problems` as
    ``Problem(path, message)`` and skipped; parsing goes on.
    """
    xml_files, extra_csv = _expand(xml_paths, problems)
    csv_files: list[Path] = []
    seen_csv: set[Path] = set()
    for raw in [*judged_csv, *extra_csv]:
        path = Path(raw)
        if path.resolve() not in seen_csv:
            seen_csv.add(path.resolve())
            csv_files.append(path)
    judged: dict[str, JudgedAnswer] = {}
    for path in csv_files:
        for answer_id, answer in read_judged_answers(path, problems).items():
            judged.setdefault(answer_id, answer)

    seen_ids: set[str] = set()
    for path in xml_files:
        try:
            doc = read_document(path)
        except ValueError as exc:
            _report(problems, path, str(exc))
            continue
        duplicates: list[str] = []
        for pair in doc.pairs:
            rid = f"{doc.source}_{doc.stem}_Sec{pair.number}"
            if rid in seen_ids:
                duplicates.append(rid)
                continue
            seen_ids.add(rid)
            answer = pair.answer
            filled = judged.get(rid)
            if not answer.strip() and filled is not None:
                answer = filled.answer
            if not answer.strip() and not include_empty:
                continue
            yield _record(doc, pair, answer)
        if duplicates:
            _report(
                problems,
                path,
                f"{len(duplicates)} pair(s) skipped: ids already read from another file with the"
                f" same source and name ({', '.join(duplicates[:3])}"
                f"{', ...' if len(duplicates) > 3 else ''})",
            )
    for answer_id, answer in judged.items():
        if answer_id not in seen_ids:
            seen_ids.add(answer_id)
            yield _record_from_judged(answer)
