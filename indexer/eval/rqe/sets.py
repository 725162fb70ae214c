"""The RQE splits in retrieval form: consumer questions, their FAQs as records, the truth;
MedQuAD's questions as distractors (minus those identical to a set's FAQs); a set's question
index."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.editors.similar import QuestionIndex
from indexer.eval.datasets import RQEPair, load_rqe_pairs
from indexer.records import Record, normalise_text

SPLITS = {
    "validation": "rqe-validation-AMIA2016.xml",
    "train": "rqe-train-AMIA2016.xml",
}


@dataclass
class RQESet:
    """One split in retrieval form."""

    name: str
    pairs: list[RQEPair]
    faq_records: list[Record]
    faq_id: dict[str, str]  # FAQ text -> record id
    truth: dict[str, set[str]]  # consumer question -> ids of its true FAQs


def rqe_path(shared: Path, split: str) -> Path:
    """The file of RQE split `split` under the shared data directory."""
    if split not in SPLITS:
        raise ValueError(f"unknown RQE split {split!r} (choose from {', '.join(SPLITS)})")
    return Path(shared) / "data" / "rqe" / SPLITS[split]


def load_set(path: Path, name: str = "") -> RQESet:
    """An RQE split in retrieval form (FAQs differing only in case or spacing are one)."""
    pairs = [p for p in load_rqe_pairs(path) if p.chq.strip() and p.faq.strip()]
    # FAQs differing only in case or spacing are one FAQ
    first: dict[str, str] = {}
    for p in sorted(pairs, key=lambda p: p.faq):
        first.setdefault(normalise_text(p.faq), p.faq)
    norm_id = {n: f"FAQ{i:05d}" for i, n in enumerate(sorted(first))}
    faq_id = {p.faq: norm_id[normalise_text(p.faq)] for p in pairs}
    records = [Record(id=norm_id[n], question=first[n], answer="", source="rqe-faq")
               for n in sorted(first)]
    truth: dict[str, set[str]] = {}
    for p in pairs:
        if p.value:
            truth.setdefault(p.chq, set()).add(faq_id[p.faq])
    return RQESet(name or path.stem, pairs, records, faq_id, truth)


_WORD = re.compile(r"[^\W_]+")
_ARTICLES = frozenset({"a", "an", "the"})
_TEMPLATE_OPTIONAL = "(or clinical trials)"


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def question_key(text: str) -> str:
    """The surface form two questions must share to be *identical*: Unicode NFKC, case folded,
    possessive 's dropped, punctuation and brackets dropped, whitespace collapsed, the articles
    a/an/the dropped, a final plural -s dropped ("stones" = "stone") and "are" read as "is"
    (number agreement). Words, their order and every other word stay: "How is X treated?" and
    "What are the treatments for X?" are paraphrases, not identical."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"['\u2019]s\b", "", text)
    out = []
    for w in _WORD.findall(text):
        if w in _ARTICLES:
            continue
        out.append("is" if w == "are" else _singular(w))
    return " ".join(out)


def question_keys(text: str) -> set[str]:
    """`question_key` of each reading of MedQuAD's question templates: "What is (are) X ?" reads
    "What is X" or "What are X"; "what research (or clinical trials) is being done for X ?"
    reads with or without the bracket."""
    text = unicodedata.normalize("NFKC", text or "")
    readings = [re.sub(r"\bis \(are\)", "is", text, flags=re.IGNORECASE)]
    if _TEMPLATE_OPTIONAL in text.lower():
        readings.append(re.sub(re.escape(_TEMPLATE_OPTIONAL), "", readings[0],
                               flags=re.IGNORECASE))
    return {question_key(r) for r in readings}


def medquad_questions(medquad_dir: Path) -> list[Record]:
    """MedQuAD's distinct questions as records (focus, synonyms, qtype kept; the first record
    of each question text after normalising case and spacing)."""
    from indexer.ingest.parse.medquad import parse_medquad

    seen: set[str] = set()
    out = []
    for rec in parse_medquad([Path(medquad_dir)], include_empty=True):
        key = normalise_text(rec.question)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(rec)
    return out


def remove_identical(questions: Sequence[Record], own_faqs: Iterable[str]) -> list[Record]:
    """`questions` minus those identical (`question_keys`) to one of `own_faqs`."""
    own: set[str] = set()
    for f in own_faqs:
        own |= question_keys(f)
    return [r for r in questions if not (question_keys(r.question) & own)]


def build_index(
    rset: RQESet, distractors: Sequence[Record] = (), *, semantic: bool = False,
    distractor_vectors: Any = None,
) -> QuestionIndex:
    """The question index of a set's FAQs (plus distractors). With `semantic`, the entries'
    embeddings come from the cache (`distractor_vectors`: rows for `distractors`, when the
    caller encoded a larger list once)."""
    qi = QuestionIndex.from_records([*rset.faq_records, *distractors])
    if semantic:
        import numpy as np

        from indexer.text import semantic as sem

        vecs = sem.encode_cached([r.display_question for r in rset.faq_records])
        if distractors:
            dv = distractor_vectors
            if dv is None:
                dv = sem.encode_cached([r.display_question for r in distractors])
            vecs = np.vstack([vecs, dv])
        sem.attach(qi, vecs)
    return qi


def distractor_rows(medquad: Sequence[Record], kept: Sequence[Record], vectors: Any) -> Any:
    """The rows of `vectors` (one per `medquad` record) for the `kept` records."""
    import numpy as np

    pos = {id(r): i for i, r in enumerate(medquad)}
    return vectors[np.asarray([pos[id(r)] for r in kept], dtype=np.int64)]
