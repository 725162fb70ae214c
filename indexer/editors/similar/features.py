"""What similar questions compares: an analysed draft (`Draft`) and an archived question
(`Entry`), their terms, condition (focus), question types and asking sentences."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from indexer.records import Record, normalise_text
from indexer.text import qtypes as qt
from indexer.text.analysis import STOP_WORDS, WORD_RE, analyse, fold, stem

# Word families that say what a question asks about: their stems meet as one term, so
# "treated", "treatment" and "therapy" agree ("How is X treated?" vs "X treatment options").
_FAMILIES = {
    "treat": "treat treated treatment treatments therapy therapies cure cured cures remedy "
             "remedies",
    "cause": "cause causes caused causing",
    "symptom": "symptom symptoms sign signs",
    "diagnose": "diagnose diagnosed diagnosis diagnosing",
    "outlook": "prognosis outlook",
    "prevent": "prevent prevention prevented preventing",
    "inherit": "inherit inherited inheritance hereditary",
}
_CANON: dict[str, str] = {
    stem(w): "~" + fam for fam, ws in _FAMILIES.items() for w in ws.split()
}


def terms_of(text: str) -> list[str]:
    """The analysed terms of `text` (B's analyzer), with question-type families merged."""
    return [_CANON.get(t, t) for t in analyse(text)]

_SUBJECT_END = re.compile(r"[.?!:]\s|\n")
_TYPE_STEMS: frozenset[str] = frozenset(stem(w) for w in qt.TYPE_WORDS)
GENERIC = {qt.INFORMATION: 1.0}  # the type of a question that asks nothing specific


def fold7(t: str) -> str:
    """A term cut to its first seven letters: pregnancy/pregnant, hypertension/hypertensive
    meet."""
    return t[:7] if len(t) >= 7 else t


@dataclass
class Draft:
    """An analysed draft question."""

    text: str
    terms: list[str]
    tset: frozenset[str]
    subject: frozenset[str]
    types: dict[str, float]
    words: dict[str, str]  # stem -> the first word the user typed for it
    vector: Any = None  # semantic embedding, when the extra is used
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> index word
    core: frozenset[str] = frozenset()  # terms of its first and its asking sentences
    # (question index, term -> weight, total weight): `QuestionIndex.draft_weights`' memo
    term_weights: Any = None


@dataclass
class Entry:
    """An archived question in the question index."""

    id: str
    question: str
    categories: list[list[str]]
    url: str
    terms: frozenset[str]
    focus: list[tuple[frozenset[str], str]]  # (stems, "focus" | "synonym" | "question")
    types: dict[str, float]
    answer_key: str = ""  # normalised answer hash: records sharing one stock answer
    item_id: str = ""
    source: str = ""
    cuis: list[str] = field(default_factory=list)
    qtype: str = ""
    keys: frozenset[str] = frozenset()  # question terms and focus terms: what can match
    cond_terms: frozenset[str] = frozenset()  # question terms that do not name a type
    core: frozenset[str] = frozenset()  # terms of the headline and the asking sentences
    answer_start: str = ""  # the answer's first words (what a stock-answer group shows)

    def __post_init__(self) -> None:
        if not self.cond_terms:
            self.cond_terms = frozenset(
                t for t in self.terms if t not in _TYPE_STEMS and t[0] != "~") or self.terms
        if not self.keys:
            keys = set(self.terms)
            for f, _kind in self.focus:
                keys |= f
            self.keys = frozenset(keys)


def subject_of(text: str) -> str:
    """The draft's first sentence or line (e.g. the subject line of a consumer's message)."""
    text = (text or "").strip()
    m = _SUBJECT_END.search(text, 0, 300)
    return text[: m.start()] if m else text[:300]


def make_draft(text: str) -> Draft:
    """The draft question `text` analysed."""
    terms = terms_of(text)
    word_of = written_words(text)
    return Draft(
        text=text,
        terms=terms,
        tset=frozenset(terms),
        subject=frozenset(terms_of(subject_of(text))),
        core=frozenset(terms_of(core_text(text, subject_of(text)))),
        types=qt.detect(text),
        words=word_of,
    )


def written_words(text: str) -> dict[str, str]:
    """Each term of `text` -> the first word that gave it, as written ("pregnant" for
    "pregnan"): what "why it matched" shows instead of stems."""
    word_of: dict[str, str] = {}
    for m in WORD_RE.findall(text or ""):
        w = fold(m)
        if w and w not in STOP_WORDS:
            st = stem(w)
            word_of.setdefault(_CANON.get(st, st), m)
    return word_of


class EntryTerms(NamedTuple):
    """The analysed terms an archived question's sets are made of, as lists (what
    `entry_sets` turns into the `Entry`'s frozensets; a packed question index keeps these)."""

    question: list[str]
    title: list[str] | None  # None: the headline does not join the question's terms
    focus: list[str] | None  # None: no labelled focus (then no synonyms either)
    synonyms: list[list[str]]
    core: list[str]


def entry_terms(rec: Record, name_terms: Callable[[str], list[str]] = terms_of) -> EntryTerms:
    """The terms of `rec`'s question, headline, focus, synonyms and asking sentences
    (`name_terms`: `terms_of` for the focus and synonyms, which a build may memoise: a
    MedQuAD document's questions share them)."""
    title = None
    if rec.title and rec.question and rec.title != rec.question and not rec.focus:
        title = terms_of(rec.title)  # an archive item's headline summarises it
    text = rec.question or rec.title
    question = terms_of(text)
    # terms_of(core_text(...)), part by part (no word spans the space that joins them): a
    # one-sentence question asks all of itself, and a MedQuAD headline is its focus, so
    # neither is analysed again
    core: list[str] = []
    for part in core_parts(rec.question, rec.title) or [text]:
        core += question if part == text else name_terms(part)
    return EntryTerms(
        question=question,
        title=title,
        focus=name_terms(rec.focus) if rec.focus else None,
        synonyms=[name_terms(syn) for syn in rec.synonyms] if rec.focus else [],
        core=core,
    )


def entry_sets(
    et: EntryTerms,
) -> tuple[frozenset[str], list[tuple[frozenset[str], str]], frozenset[str]]:
    """An archived question's terms, focus variants and core terms, made from its
    `EntryTerms` always by the same steps (so a frozenset iterates its members in the same
    order however often it is made again, and sums over it add up the same)."""
    terms = frozenset(et.question)
    if et.title is not None:
        terms |= frozenset(et.title)
    focus: list[tuple[frozenset[str], str]] = []
    if et.focus is not None:
        f = frozenset(et.focus)
        if f:
            focus.append((f, "focus"))
        for syn in et.synonyms:
            s = frozenset(syn)
            if s and s != f:
                focus.append((s, "synonym"))
    core = frozenset(et.core) or terms
    if not focus:
        # without a labelled focus, the condition is what the question asks about: the words
        # of its headline and asking sentences (not its story) that do not name a type
        rest = frozenset(t for t in core if t not in _TYPE_STEMS and t[0] != "~") or core
        if rest:
            focus.append((rest, "question"))
    return terms, focus, core


def entry_types(rec: Record) -> dict[str, float]:
    """The question types of `rec` (its labelled type, else detected in its question)."""
    return qt.from_label(rec.qtype) or qt.detect(rec.question or rec.title)


def make_entry(rec: Record) -> Entry:
    """The archived question of `rec` analysed."""
    return entry_of(rec, entry_terms(rec))


def entry_of(rec: Record, et: EntryTerms) -> Entry:
    """The archived question of `rec`, from its terms `et` (`entry_terms(rec)`)."""
    terms, focus, core = entry_sets(et)
    types = entry_types(rec)
    return Entry(
        id=rec.id,
        question=rec.display_question,
        categories=[list(p) for p in rec.categories],
        url=rec.url,
        terms=terms,
        focus=focus,
        types=types,
        answer_key=answer_key(rec.answer),
        item_id=rec.item_id,
        source=rec.source,
        cuis=list(rec.cuis),
        qtype=rec.qtype,
        core=core,
        answer_start=answer_start(rec.answer),
    )


_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")


def core_text(question: str, title: str = "") -> str:
    """What a consumer's question asks, without its story: the headline (title) and the
    sentences ending with a question mark (the whole text when none does)."""
    parts = core_parts(question, title)
    return " ".join(parts) if parts else (question or title or "")


def core_parts(question: str, title: str = "") -> list[str]:
    """`core_text`'s parts, joined by spaces: the headline (title) and the sentences ending
    with a question mark; none when the question has neither."""
    asks = [p.strip() for p in _SENTENCE.split(question or "") if p.strip().endswith("?")]
    return ([title] if title and title != question else []) + asks


ANSWER_START_CHARS = 200


def answer_start(answer: str) -> str:
    """The first words of an answer (up to ANSWER_START_CHARS, cut at a word), one line."""
    answer = answer or ""
    # the whitespace of a prefix folded is a prefix of the whole answer's folded (a word
    # the prefix cuts is a prefix of that word): when it is long enough, the rest of a long
    # answer is never split
    head = " ".join(answer[:ANSWER_START_CHARS * 4].split())
    text = head if len(head) > ANSWER_START_CHARS else " ".join(answer.split())
    if len(text) <= ANSWER_START_CHARS:
        return text
    cut = text.rfind(" ", 0, ANSWER_START_CHARS)
    return text[: cut if cut > 0 else ANSWER_START_CHARS] + "…"


def answer_key(answer: str) -> str:
    """A hash of the normalised answer ("" for trivial ones): records sharing one stock answer."""
    norm = normalise_text(answer)
    if len(norm) < 40:  # empty or trivial answers are not "one stock answer"
        return ""
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]  # noqa: S324 (a key, not security)


def type_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two question-type distributions: a labelled type ({"treatment": 1.0}) and a
    detected one with the same top type ({"treatment": 0.77, "information": 0.23}) agree about
    as well as two detected ones do (a plain dot product favoured labelled questions)."""
    dot = sum(w * b.get(g, 0.0) for g, w in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb)


def family_of(term: str) -> str:
    """The term standing for `term`'s question-type word family ("~treat"), else `term`."""
    return _CANON.get(term, term)
