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

Here: the id and field mapping and `parse_medquad`; reading the XML is `medquad_xml.py`,
reading the CSV `judged.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from indexer.ingest.parse.items import Problem, report_problem
from indexer.ingest.parse.judged import JudgedAnswer, is_judged_csv, read_judged_answers
from indexer.ingest.parse.medquad_xml import (
    Document,
    Pair,
    clean_answer,
    fold_space,
    is_medquad_xml,
    read_document,
    unique,
    walk_xml,
)
from indexer.records import Record

__all__ = ["category_path", "clean_answer", "is_judged_csv", "is_medquad_xml", "parse_medquad",
           "read_judged_answers", "title_from_url"]

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


def _expand(paths: Iterable[str | Path],
            problems: list[Problem] | None) -> tuple[list[Path], list[Path]]:
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
            for xml in walk_xml(path):
                add(xml_files, xml)
        elif path.is_file() and path.suffix.lower() == ".csv":
            add(csv_files, path)
        elif path.is_file():
            add(xml_files, path)
        else:
            report_problem(problems, path, "no such file or directory")
    return xml_files, csv_files


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


def _record(doc: Document, pair: Pair, answer: str) -> Record:
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
        synonyms = unique(fold_space(s) for s in match.group("syn").split(";"))
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
    problems: list[Problem] | None = None,
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
            report_problem(problems, path, str(exc))
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
            report_problem(
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
