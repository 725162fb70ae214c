"""MedQuAD XML files: telling them apart, reading one (any of its three layouts), and tidying
the whitespace of its answers (`clean_answer`) and other fields (`fold_space`).

The layouts and the field mapping are described in `indexer.ingest.parse.medquad`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from indexer.ingest.parse.files import walk_files

# XML `source` attribute -> the prefix used in record ids (and the qrels).
SOURCE_ID_PREFIX = {"MPlusHerbsSupplements": "MPlusHerbsSuppls"}

_PAIR_TAGS = {"qapair", "pair"}
_FOCUS_TAGS = {"focus", "doctitle-focus"}
_ROOT_TAGS = {"document", "doc", "diseasefile"}


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
    for path in walk_xml(root):
        found.append(path)
        if len(found) >= limit:
            break
    return found


def walk_xml(root: Path) -> Iterator[Path]:
    """XML files under `root` in sorted order, skipping dot-directories and dot-files."""
    return (p for p in walk_files(root) if p.suffix.lower() == ".xml")


# --------------------------------------------------------------------------- XML documents

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class Pair:
    number: int  # 1-based position in the file
    qid: str
    qtype: str
    question: str
    answer: str


@dataclass
class Document:
    source: str  # the id prefix
    stem: str
    url: str
    focus: str
    synonyms: list[str] = field(default_factory=list)
    cuis: list[str] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.lower() if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    return "".join(el.itertext()) if el is not None else ""


def unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def read_document(path: Path) -> Document:
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
    doc = Document(
        source=source,
        stem=path.stem,
        url=(root.get("url") or "").strip(),
        focus=focus,
        synonyms=unique(synonyms),
        cuis=unique(cuis),
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
            Pair(
                number=number,
                qid=(attrs.get("qid") or "").strip(),
                qtype=fold_space(attrs.get("qtype") or ""),
                question=fold_space(_text(question_el)),
                answer=_text(answer_el),
            )
        )
    return doc
