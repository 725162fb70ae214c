"""Similar archived questions for a draft question (editors' tool: "was this already answered?").

A draft question is compared with every archived *question* (not the answers): a consumer's
long message and a short FAQ ask the same thing when they are about the same condition and
ask the same kind of thing about it. So each candidate is scored on a few plain features:

- ``focus``: how much of the archived question's condition (MedQuAD's focus and its synonyms,
  else the question's words that are not question-type words) the draft mentions, weighted by
  rarity (IDF), and ``focus_subject`` the same within the draft's first sentence (its subject);
- ``type``: agreement of the question types (treatment, causes, diagnosis, outlook, ...;
  `indexer.similar_qtypes`; MedQuAD records keep their labelled type);
- ``doc_cover``: how much of the archived question the draft covers (IDF-weighted), and
  ``draft_cover``: how much of the draft's subject the archived question covers;
- ``semantic`` (optional extra, `pip install .[semantic]`): cosine of sentence embeddings.

The features are combined linearly with weights learned on the RQE training pairs and the
sum is mapped to 0..1 by a logistic curve fitted on the same pairs (`indexer.rqe_eval` does
both and prints them: ``qasearch eval rqe --fit``). A hit is flagged "likely already answered"
when its calibrated score reaches the threshold chosen on the RQE validation pairs.

The question index is a small in-memory inverted index over question text, focus and
synonyms built from the records of the search index (one per index generation, cached).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer import similar_qtypes as qt
from indexer.analysis import STOP_WORDS, WORD_RE, analyse, fold, stem
from indexer.records import Record, normalise_text
from indexer.results import Match, SimilarHit

FEATURES = ("focus", "focus_subject", "type", "doc_cover", "draft_cover", "semantic")

# Learned by `qasearch eval rqe --fit` (pairwise logistic regression on the RQE training
# split, then a logistic calibration of the score on the training pairs); see rqe_eval.py.
WEIGHTS: dict[str, float] = {
    "focus": 2.235,
    "focus_subject": 0.645,
    "type": 1.041,
    "doc_cover": 2.492,
    "draft_cover": 1.364,
    "semantic": 0.0,
}
SEMANTIC_WEIGHTS: dict[str, float] = dict(WEIGHTS, semantic=4.0)
CALIBRATION = (0.4888, -1.652)  # calibrated = sigmoid(a * score + b)
SEMANTIC_CALIBRATION = (1.0, -6.0)
THRESHOLD = 0.25  # "likely already answered" at or above this calibrated score
SEMANTIC_THRESHOLD = 0.5

MAX_CANDIDATES = 400

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


# ---------------------------------------------------------------------------------------------
# Representations.


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


def subject_of(text: str) -> str:
    """The draft's first sentence or line (e.g. the subject line of a consumer's message)."""
    text = (text or "").strip()
    m = _SUBJECT_END.search(text, 0, 300)
    return text[: m.start()] if m else text[:300]


def make_draft(text: str) -> Draft:
    terms = terms_of(text)
    word_of: dict[str, str] = {}
    for m in WORD_RE.findall(text or ""):
        w = fold(m)
        if w and w not in STOP_WORDS:
            st = stem(w)
            word_of.setdefault(_CANON.get(st, st), m)
    return Draft(
        text=text,
        terms=terms,
        tset=frozenset(terms),
        subject=frozenset(terms_of(subject_of(text))),
        types=qt.detect(text),
        words=word_of,
    )


def make_entry(rec: Record) -> Entry:
    question = rec.question or rec.title
    terms = frozenset(terms_of(question))
    if rec.title and rec.question and rec.title != rec.question and not rec.focus:
        terms |= frozenset(terms_of(rec.title))  # an archive item's headline summarises it
    focus: list[tuple[frozenset[str], str]] = []
    if rec.focus:
        f = frozenset(terms_of(rec.focus))
        if f:
            focus.append((f, "focus"))
        for syn in rec.synonyms:
            s = frozenset(terms_of(syn))
            if s and s != f:
                focus.append((s, "synonym"))
    if not focus:
        rest = frozenset(t for t in terms if t not in _TYPE_STEMS and t[0] != "~") or terms
        if rest:
            focus.append((rest, "question"))
    types = qt.from_label(rec.qtype) or qt.detect(question)
    return Entry(
        id=rec.id,
        question=rec.display_question,
        categories=[list(p) for p in rec.categories],
        url=rec.url,
        terms=terms,
        focus=focus,
        types=types,
        answer_key=_answer_key(rec.answer),
        item_id=rec.item_id,
        source=rec.source,
        cuis=list(rec.cuis),
        qtype=rec.qtype,
    )


def _answer_key(answer: str) -> str:
    norm = normalise_text(answer)
    if len(norm) < 40:  # empty or trivial answers are not "one stock answer"
        return ""
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]  # noqa: S324 (a key, not security)


# ---------------------------------------------------------------------------------------------
# The question index.


class QuestionIndex:
    """An in-memory inverted index over archived questions, with the scoring model."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.by_id = {e.id: i for i, e in enumerate(self.entries)}
        postings: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            keys = set(e.terms)
            for f, _kind in e.focus:
                keys |= f
            for t in keys:
                postings[t].append(i)
        self.postings = dict(postings)
        n = max(1, len(self.entries))
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in
                    self.postings.items()}
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)
        self.semantic: Any = None  # an embedder and the entries' vectors, when enabled
        self.vectors: Any = None

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> QuestionIndex:
        return cls([make_entry(r) for r in records if (r.question or r.title)])

    def __len__(self) -> int:
        return len(self.entries)

    # -- scoring -------------------------------------------------------------------------

    def _w(self, t: str) -> float:
        return self.idf.get(t, self.default_idf)

    def _cover(self, part: Iterable[str], whole: frozenset[str]) -> float:
        tot = hit = 0.0
        for t in part:
            w = self._w(t)
            tot += w
            if t in whole:
                hit += w
        return hit / tot if tot else 0.0

    def features(self, d: Draft, e: Entry) -> tuple[dict[str, float], int]:
        """Feature values for a (draft, entry) pair and the index of the focus variant used."""
        best_f = best_s = 0.0
        best_i = 0
        for i, (f, _kind) in enumerate(e.focus):
            c = self._cover(f, d.tset)
            if c > best_f or (c == best_f and i == 0):
                best_f, best_i = c, i
            best_s = max(best_s, self._cover(f, d.subject))
        type_sim = sum(w * e.types.get(g, 0.0) for g, w in d.types.items())
        feats = {
            "focus": best_f,
            "focus_subject": best_s,
            "type": type_sim,
            "doc_cover": self._cover(e.terms, d.tset),
            "draft_cover": self._cover(d.subject or d.tset, e.terms) if (d.subject or d.tset)
            else 0.0,
            "semantic": 0.0,
        }
        return feats, best_i

    def candidates(self, d: Draft, limit: int = MAX_CANDIDATES) -> list[int]:
        """Entries sharing at least one term with the draft, best first by shared IDF mass."""
        acc: dict[int, float] = defaultdict(float)
        for t in d.tset:
            p = self.postings.get(t)
            if not p:
                continue
            w = self.idf[t] * (2.0 if t in d.subject else 1.0)
            for i in p:
                acc[i] += w
        if len(acc) <= limit:
            return list(acc)
        return sorted(acc, key=acc.__getitem__, reverse=True)[:limit]

    def score_entries(
        self, d: Draft, idxs: Iterable[int], *, semantic: bool = False
    ) -> list[tuple[float, int, dict[str, float], int]]:
        """(raw score, entry index, features, focus variant) for each entry index."""
        weights = SEMANTIC_WEIGHTS if semantic else WEIGHTS
        out = []
        sims = None
        idxs = list(idxs)
        if semantic and self.semantic is not None and d.vector is not None:
            sims = self.semantic.similarities(d.vector, self.vectors, idxs)
        for j, i in enumerate(idxs):
            feats, fi = self.features(d, self.entries[i])
            if sims is not None:
                feats["semantic"] = float(sims[j])
            s = sum(weights[k] * v for k, v in feats.items())
            out.append((s, i, feats, fi))
        out.sort(key=lambda x: (-x[0], self.entries[x[1]].id))
        return out

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        exclude_id: str | None = None,
        semantic: bool = False,
        all_entries: bool = False,
    ) -> list[SimilarHit]:
        """The `limit` archived questions most similar to `text`, best first."""
        d = make_draft(text)
        use_sem = semantic and self.semantic is not None
        if use_sem:
            d.vector = self.semantic.encode([text])[0]
        if all_entries:
            idxs: Iterable[int] = range(len(self.entries))
        else:
            idxs = self.candidates(d)
            if use_sem:
                idxs = sorted(set(idxs) | set(self.semantic.nearest(d.vector, self.vectors, 50)))
        scored = self.score_entries(d, idxs, semantic=use_sem)
        a, b = SEMANTIC_CALIBRATION if use_sem else CALIBRATION
        threshold = SEMANTIC_THRESHOLD if use_sem else THRESHOLD
        hits: list[SimilarHit] = []
        for raw, i, _feats, fi in scored:
            e = self.entries[i]
            if exclude_id is not None and e.id == exclude_id:
                continue
            p = _sigmoid(a * raw + b)
            hits.append(
                SimilarHit(
                    id=e.id,
                    question=e.question,
                    categories=e.categories,
                    url=e.url,
                    score=round(p, 4),
                    likely_answered=p >= threshold,
                    matches=self.explain(d, e, fi),
                )
            )
            if len(hits) >= limit:
                break
        return hits

    def explain(self, d: Draft, e: Entry, focus_variant: int = 0) -> list[Match]:
        """The draft's words that met the archived question, and where (why it matched)."""
        focus_terms, kind = e.focus[focus_variant] if e.focus else (frozenset(), "question")
        out = []
        for t in sorted(d.tset & (e.terms | focus_terms), key=lambda t: -self._w(t)):
            fields = []
            if t in e.terms:
                fields.append("question")
            if t in focus_terms and kind in ("focus", "synonym"):
                fields.append("focus")
            out.append(
                Match(
                    term=d.words.get(t, t),
                    stem=t,
                    fields=fields,
                    via="synonym" if kind == "synonym" and t in focus_terms
                    and t not in e.terms else "query",
                )
            )
        return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# ---------------------------------------------------------------------------------------------
# Over the search index (B's store session).

_CACHE_LOCK = threading.Lock()
_CACHE: dict[Any, QuestionIndex] = {}
_MEMO_KEY = "similar.question_index"


def question_index(s: Any) -> QuestionIndex:
    """The question index for the generation of the search index that session `s` sees:
    built on first use and kept with that generation (dropped when a new one is swapped in)."""
    gen = getattr(s, "gen", None)
    memo = getattr(gen, "cache", None)
    if isinstance(memo, dict):
        qi = memo.get(_MEMO_KEY)
        if qi is None:
            with gen.lock:
                qi = memo.get(_MEMO_KEY)
                if qi is None:
                    qi = memo[_MEMO_KEY] = QuestionIndex.from_records(_all_records(s))
        return qi
    from indexer import search as core

    stats = core.index_stats(s)
    key = (stats.get("generation"), stats.get("records"))
    with _CACHE_LOCK:
        qi = _CACHE.get(key)
        if qi is None:
            qi = QuestionIndex.from_records(_all_records(s))
            _CACHE.clear()  # only the newest generation is kept
            _CACHE[key] = qi
    return qi


def _all_records(s: Any) -> Iterable[Record]:
    """Every record of the index the session sees (the whole record is stored as JSON)."""
    from indexer import search as core

    if hasattr(core, "all_records"):
        yield from core.all_records(s)
        return
    searcher = getattr(s, "searcher", s)  # the session wraps a Whoosh searcher
    reader = searcher.reader()
    for _docnum, stored in reader.iter_docs():
        raw = stored.get("record")
        if raw:
            yield Record.from_dict(json.loads(raw))


def similar_questions(
    s: Any, text: str, *, limit: int = 10, exclude_id: str | None = None
) -> list[SimilarHit]:
    """Archived questions similar to `text`, best first, with calibrated scores (0..1) and
    the "likely already answered" flag. Never raises for any text; [] for empty text."""
    if not (text or "").strip() or limit < 1:
        return []
    qi = question_index(s)
    return qi.search(text[:5000], limit=limit, exclude_id=exclude_id)
