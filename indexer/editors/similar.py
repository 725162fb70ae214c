"""Similar archived questions for a draft question (editors' tool: "was this already answered?").

A draft question is compared with every archived *question* (not the answers): a consumer's
long message and a short FAQ ask the same thing when they are about the same condition and
ask the same kind of thing about it. So each candidate is scored on a few plain features:

- ``focus``: how much of the archived question's condition (MedQuAD's focus and its synonyms,
  else the question's words that are not question-type words) the draft mentions, weighted by
  rarity (IDF), and ``focus_subject`` the same within the draft's first sentence (its subject);
- ``type``: agreement of the question types (treatment, causes, diagnosis, outlook, ...;
  `indexer.text.qtypes`; MedQuAD records keep their labelled type);
- ``doc_cover``: how much of the archived question the draft covers (IDF-weighted), and
  ``draft_cover``: how much of the draft's subject the archived question covers;
- ``specific_generic``: the archived question asks nothing specific ("What is X?", "Do you
  have information about X?") while the draft asks something specific (its weight over the
  types that are not "information"): a general page about the right condition is the usual
  wrong first hit once the archive is large;
- ``semantic`` (optional extra, `pip install .[semantic]`): cosine of sentence embeddings.

The features are combined linearly with weights learned on the RQE pairs and the
sum is mapped to 0..1 by a logistic curve fitted on the same pairs (`indexer.eval.rqe` does
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

from indexer.records import Record, normalise_text
from indexer.results import Match, SimilarHit
from indexer.text import qtypes as qt
from indexer.text.analysis import STOP_WORDS, WORD_RE, analyse, fold, stem, words

FEATURES = ("focus", "focus_subject", "focus_mass", "type", "doc_cover", "draft_cover",
            "draft_mass", "specific_generic", "semantic")

# Learned by `qasearch eval rqe --fit [--semantic]` (pairwise logistic regression on the RQE
# training and validation splits, each alone and with MedQuAD's questions as distractors;
# validation figures 5-fold cross-validated; see rqe_eval.fit), then
# Platt-calibrated on the validation split's first hits; the flag threshold is the lowest
# calibrated score at which flagged first hits were right >= 80% of the time on validation.
WEIGHTS: dict[str, float] = {
    "focus": 0.307,
    "focus_subject": -0.72,
    "focus_mass": 1.854,
    "type": 2.524,
    "doc_cover": 1.216,
    "draft_cover": 1.488,
    "draft_mass": 2.108,
    "specific_generic": -2.423,
    "semantic": 0.0,
}
SEMANTIC_WEIGHTS: dict[str, float] = {
    "focus": 0.047,
    "focus_subject": -0.608,
    "focus_mass": 1.196,
    "type": 2.402,
    "doc_cover": 0.796,
    "draft_cover": 1.04,
    "draft_mass": 1.315,
    "specific_generic": -1.298,
    "semantic": 4.617,
}
CALIBRATION = (1.3314, -3.7536)  # calibrated = sigmoid(a * score + b)
SEMANTIC_CALIBRATION = (1.8029, -7.3391)
THRESHOLD = 0.5  # "likely already answered" at or above this calibrated score (and see flag())
SEMANTIC_THRESHOLD = 0.5

MAX_CANDIDATES = 400
SEMANTIC_NEAREST = 50  # with the extra, the nearest questions by embedding join the candidates
MIN_CORRECTED = 6  # shorter unknown words are not spelling-corrected (too many real words)
FLAG_MIN_FOCUS = 0.5  # the flag needs this much of the hit's condition in the draft
FLAG_MIN_ASKED = 0.05  # ... and some of what the draft asks in the hit (chosen on validation)
K1 = 1.2  # BM25's saturation of a draft word's repetitions

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
_GENERIC = {qt.INFORMATION: 1.0}  # the type of a question that asks nothing specific


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
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> index word
    core: frozenset[str] = frozenset()  # terms of its first and its asking sentences


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
        core=frozenset(terms_of(core_text(text, subject_of(text)))),
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
    core = frozenset(terms_of(core_text(rec.question, rec.title))) or terms
    if not focus:
        # without a labelled focus, the condition is what the question asks about: the words
        # of its headline and asking sentences (not its story) that do not name a type
        rest = frozenset(t for t in core if t not in _TYPE_STEMS and t[0] != "~") or core
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
        core=core,
    )


_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")


def core_text(question: str, title: str = "") -> str:
    """What a consumer's question asks, without its story: the headline (title) and the
    sentences ending with a question mark (the whole text when none does)."""
    asks = [p.strip() for p in _SENTENCE.split(question or "") if p.strip().endswith("?")]
    parts = ([title] if title and title != question else []) + asks
    return " ".join(parts) if parts else (question or title or "")


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
            for t in e.keys:
                postings[t].append(i)
        self.postings = dict(postings)
        n = max(1, len(self.entries))
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in
                    self.postings.items()}
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)
        self.semantic: Any = None  # an embedder and the entries' vectors, when enabled
        self._spell: Any = None
        self.vectors: Any = None

    def spell(self) -> Any:
        """A spelling index over the archived questions' words (built on first use)."""
        sp = self._spell
        if sp is None:
            from indexer.text.spelling import SpellIndex

            counts: dict[str, int] = defaultdict(int)
            for e in self.entries:
                for w in words(e.question):
                    if w not in STOP_WORDS and w.isalpha():
                        counts[w] += 1
            sp = self._spell = SpellIndex(dict(counts))
        return sp

    def draft(self, text: str) -> Draft:
        """`make_draft(text)`, with the words no archived question uses corrected to the
        closest word that one does ("fibromalgia" -> "fibromyalgia", "sciatia" -> "sciatica")."""
        d = make_draft(text)
        fixes: dict[str, str] = {}
        for t, typed in d.words.items():
            if t in self.postings or t[0] == "~":
                continue
            w = fold(typed)
            if len(w) < MIN_CORRECTED or not w.isalpha():
                continue
            fix = self.spell().best(w)
            # the first letter is rarely the slip ("fever" is not a misspelt "ever")
            if fix is not None and fix[0] == w[0]:
                fixes[t] = _CANON.get(stem(fix), stem(fix))
                d.corrections[typed] = fix
        if fixes:
            d.terms = [fixes.get(t, t) for t in d.terms]
            d.tset = frozenset(d.terms)
            d.subject = frozenset(fixes.get(t, t) for t in d.subject)
            d.core = frozenset(fixes.get(t, t) for t in d.core)
            for t, fixed in fixes.items():
                d.words.setdefault(fixed, d.words[t])
        return d

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

    def asked_cover(self, d: Draft, e: Entry) -> float:
        """How much of what the draft asks (IDF-weighted) the archived question mentions
        (words meeting on their first seven letters: pregnancy/pregnant)."""
        keys = {_fold7(t) for t in e.keys}
        tot = hit = 0.0
        for t in d.core or d.tset:
            w = self._w(t)
            tot += w
            if t in e.keys or _fold7(t) in keys:
                hit += w
        return hit / tot if tot else 0.0

    def draft_weights(self, d: Draft) -> dict[str, float]:
        """BM25-like weight of each draft term: rarity (IDF) times saturated repetition
        (a word a consumer repeats is what the message is about)."""
        tw = getattr(d, "_tw", None)
        if tw is None or tw[0] is not self:
            tf: dict[str, int] = defaultdict(int)
            for t in d.terms:
                tf[t] += 1
            weights = {t: self._w(t) * n * (K1 + 1) / (n + K1) for t, n in tf.items()}
            tw = (self, weights, sum(weights.values()))
            d._tw = tw  # type: ignore[attr-defined]
        return tw[1]

    def features(self, d: Draft, e: Entry) -> tuple[dict[str, float], int]:
        """Feature values for a (draft, entry) pair and the index of the focus variant used."""
        best_f = best_s = best_m = 0.0
        best_i = 0
        tw = self.draft_weights(d)
        total = d._tw[2] or 1.0  # type: ignore[attr-defined]
        for i, (f, _kind) in enumerate(e.focus):
            c = self._cover(f, d.tset)
            if c > best_f or (c == best_f and i == 0):
                best_f, best_i = c, i
            best_s = max(best_s, self._cover(f, d.subject))
            best_m = max(best_m, sum(tw[t] for t in f if t in tw))
        type_sim = type_similarity(d.types, e.types)
        keys = e.keys
        feats = {
            "focus": best_f,
            "focus_subject": best_s,
            "focus_mass": best_m / total,
            "type": type_sim,
            "doc_cover": self._cover(e.cond_terms, d.tset),
            "draft_cover": self._cover(d.subject or d.tset, e.terms) if (d.subject or d.tset)
            else 0.0,
            "draft_mass": sum(w for t, w in tw.items() if t in keys) / total,
            # a general page ("What is X?") does not answer a draft asking something specific
            "specific_generic": (1.0 - d.types.get(qt.INFORMATION, 0.0))
            if e.types == _GENERIC else 0.0,
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
        vector: Any = None,
    ) -> list[SimilarHit]:
        """The `limit` archived questions most similar to `text`, best first (`vector`: the
        text's embedding when the caller has it already)."""
        d = self.draft(text)
        use_sem = semantic and self.semantic is not None
        if use_sem:
            d.vector = vector if vector is not None else self.semantic.encode([text])[0]
        if all_entries:
            idxs: Iterable[int] = range(len(self.entries))
        else:
            idxs = self.candidates(d)
            if use_sem:
                idxs = sorted(set(idxs) | set(
                    self.semantic.nearest(d.vector, self.vectors, SEMANTIC_NEAREST)))
        scored = self.score_entries(d, idxs, semantic=use_sem)
        a, b = SEMANTIC_CALIBRATION if use_sem else CALIBRATION
        threshold = SEMANTIC_THRESHOLD if use_sem else THRESHOLD
        hits: list[SimilarHit] = []
        for raw, i, feats, fi in scored:
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
                    likely_answered=flag(p, feats, threshold, self.asked_cover(d, e)),
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


def _fold7(t: str) -> str:
    return t[:7] if len(t) >= 7 else t


def flag(p: float, feats: dict[str, float], threshold: float, asked: float = 1.0) -> bool:
    """"Likely already answered": a calibrated score at the threshold, the archived question's
    condition mostly named in the draft *and* (`asked`) enough of what the draft asks (its
    first and asking sentences) met in the archived question: a hit that shares only the
    archive's common words ("acupuncture" on an acupuncture site), or a short question whose
    few words a long message happens to contain, is not flagged."""
    return (p >= threshold and feats.get("focus", 0.0) >= FLAG_MIN_FOCUS
            and asked >= FLAG_MIN_ASKED)


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


_SEMANTIC_DEFAULT = False
_SEMANTIC_LOCK = threading.Lock()


def configure(settings: Any) -> None:
    """Take the process-wide defaults from the settings (`semantic`: QASEARCH_SEMANTIC).
    Raises `indexer.text.semantic.SemanticUnavailable` with the install command when the semantic
    extra is asked for but not installed."""
    global _SEMANTIC_DEFAULT
    want = bool(getattr(settings, "semantic", False))
    if want:
        from indexer.text import semantic as sem

        sem.require()
    _SEMANTIC_DEFAULT = want


def _with_semantic(qi: QuestionIndex, s: Any) -> QuestionIndex:
    """Attach the embeddings to the generation's question index once (encoded or loaded
    from the cache; lexical requests meanwhile go on: this is not the generation's lock)."""
    if qi.semantic is not None:
        return qi
    from indexer.text import semantic as sem

    with _SEMANTIC_LOCK:
        if qi.semantic is None:
            sem.attach(qi)
    return qi


def warm(s: Any) -> None:
    """Build the question index of the session's generation now (and attach the embeddings
    when the semantic extra is on: encoded once, then loaded from the cache)."""
    qi = question_index(s)
    if _SEMANTIC_DEFAULT:
        _with_semantic(qi, s)


def similar_questions(
    s: Any, text: str, *, limit: int = 10, exclude_id: str | None = None,
    semantic: bool | None = None,
) -> list[SimilarHit]:
    """Archived questions similar to `text`, best first, with calibrated scores (0..1) and
    the "likely already answered" flag. Never raises for any text; [] for empty text.
    `semantic`: use the optional embeddings (default: as `configure` set, i.e.
    QASEARCH_SEMANTIC); raises `SemanticUnavailable` when asked for and not installed."""
    if not (text or "").strip() or limit < 1:
        return []
    use_sem = _SEMANTIC_DEFAULT if semantic is None else semantic
    qi = question_index(s)
    if use_sem:
        from indexer.text import semantic as sem

        sem.require()
        qi = _with_semantic(qi, s)
    return qi.search(text[:5000], limit=limit, exclude_id=exclude_id, semantic=use_sem)
