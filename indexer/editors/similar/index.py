"""The question index: an in-memory inverted index over archived questions (question text,
focus and synonyms), with candidate generation, scoring, the "likely already answered" flag
and the explanation of a match."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.editors.similar import model
from indexer.editors.similar.features import (
    GENERIC,
    Draft,
    Entry,
    EntryTerms,
    entry_of,
    entry_terms,
    family_of,
    fold7,
    make_draft,
    terms_of,
    type_similarity,
)
from indexer.editors.similar.packed import EntryList, PackedEntries, TermIdf, TermRows, pack
from indexer.records import Record
from indexer.results import Match, SimilarHit
from indexer.text import qtypes as qt
from indexer.text.analysis import STOP_WORDS, fold, stem, words

MAX_CANDIDATES = 400


@dataclass
class ExplainedHit(SimilarHit):
    """A similar question with why it is flagged or not (`model.VERDICTS`' keys) and the
    threshold its score was compared with."""

    verdict: str = ""
    threshold: float = 0.0


SEMANTIC_NEAREST = 50  # with the extra, the nearest questions by embedding join the candidates
MIN_CORRECTED = 6  # shorter unknown words are not spelling-corrected (too many real words)
K1 = 1.2  # BM25's saturation of a draft word's repetitions


class QuestionIndex:
    """An in-memory inverted index over archived questions, with the scoring model. The
    questions are kept packed (`packed`); `entries` is either a list of every `Entry` (what
    batch work over all of them wants: duplicate groups, evaluation) or, for a server, a
    read-only sequence that makes entry `i` again on demand (a few MB instead of ~75 MB on
    MedQuAD; only a draft's candidates are made, and recent ones are cached)."""

    def __init__(self, packed: PackedEntries, entries: list[Entry] | None = None) -> None:
        self.packed = packed
        self.ids = self.packed.ids
        self.entries: Sequence[Entry] = EntryList(packed) if entries is None else entries
        self.postings = TermRows(self.packed)  # term -> entry indexes (a read-only mapping)
        self.idf = TermIdf(self.packed)  # term -> IDF (a read-only mapping)
        self._by_id: dict[str, int] | None = None
        n = max(1, len(self.packed))
        self.default_idf = math.log(1 + (n + 0.5) / 0.5)
        self.semantic: Any = None  # an embedder and the entries' vectors, when enabled
        self._spell: Any = None
        self.vectors: Any = None

    @property
    def by_id(self) -> dict[str, int]:
        """Record id -> entry index (made on first use)."""
        m = self._by_id
        if m is None:
            m = self._by_id = {x: i for i, x in enumerate(self.ids)}
        return m

    def spell(self) -> Any:
        """A spelling index over the archived questions' words (built on first use)."""
        sp = self._spell
        if sp is None:
            from indexer.text.spelling import SpellIndex

            counts: dict[str, int] = defaultdict(int)
            p = self.packed
            for i in range(len(p)):
                for w in words(p.question(i)):
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
            if t in self.packed.term_id or t[0] == "~":
                continue
            w = fold(typed)
            if len(w) < MIN_CORRECTED or not w.isalpha():
                continue
            fix = self.spell().best(w)
            # the first letter is rarely the slip ("fever" is not a misspelt "ever")
            if fix is not None and fix[0] == w[0]:
                fixes[t] = family_of(stem(fix))
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
    def from_records(cls, records: Iterable[Record], *, lazy: bool = False) -> QuestionIndex:
        """The question index of `records` (those with a question or a title). `lazy`: keep
        only the packed form, entries made on demand (a server's choice); else every `Entry`
        is kept as well (batch work that visits them all)."""
        kept: list[Entry] | None = None if lazy else []
        names: dict[str, list[str]] = {}  # focus and synonyms, analysed once per build

        def name_terms(text: str) -> list[str]:
            t = names.get(text)
            if t is None:
                t = names[text] = terms_of(text)
            return t

        def analysed() -> Iterator[tuple[Entry, EntryTerms]]:
            for r in records:
                if r.question or r.title:
                    et = entry_terms(r, name_terms)
                    e = entry_of(r, et)
                    if kept is not None:
                        kept.append(e)
                    yield e, et

        return cls(pack(analysed(), payload=kept is None), kept)

    def with_all_entries(self) -> QuestionIndex:
        """This index with every `Entry` made and kept (sharing the packed arrays): for batch
        work over a lazy index (duplicate groups computed in a server's background)."""
        if not isinstance(self.entries, EntryList):
            return self
        qi = QuestionIndex(self.packed, [self.packed.make(i) for i in range(len(self.packed))])
        qi.semantic, qi.vectors, qi._spell = self.semantic, self.vectors, self._spell
        return qi

    def __len__(self) -> int:
        return len(self.packed)

    # -- scoring -------------------------------------------------------------------------

    def weight(self, t: str) -> float:
        """The rarity (IDF) of term `t` among the archived questions."""
        return self.packed.weight.get(t, self.default_idf)

    def _cover(self, part: Iterable[str], whole: frozenset[str]) -> float:
        tot = hit = 0.0
        for t in part:
            w = self.weight(t)
            tot += w
            if t in whole:
                hit += w
        return hit / tot if tot else 0.0

    def asked_cover(self, d: Draft, e: Entry) -> float:
        """How much of what the draft asks (IDF-weighted) the archived question mentions
        (words meeting on their first seven letters: pregnancy/pregnant)."""
        keys = {fold7(t) for t in e.keys}
        tot = hit = 0.0
        for t in d.core or d.tset:
            w = self.weight(t)
            tot += w
            if t in e.keys or fold7(t) in keys:
                hit += w
        return hit / tot if tot else 0.0

    def draft_weights(self, d: Draft) -> dict[str, float]:
        """BM25-like weight of each draft term: rarity (IDF) times saturated repetition
        (a word a consumer repeats is what the message is about)."""
        tw = d.term_weights
        if tw is None or tw[0] is not self:
            tf: dict[str, int] = defaultdict(int)
            for t in d.terms:
                tf[t] += 1
            weights = {t: self.weight(t) * n * (K1 + 1) / (n + K1) for t, n in tf.items()}
            tw = (self, weights, sum(weights.values()))
            d.term_weights = tw
        return tw[1]

    def features(self, d: Draft, e: Entry) -> tuple[dict[str, float], int]:
        """Feature values for a (draft, entry) pair and the index of the focus variant used."""
        best_f = best_s = best_m = 0.0
        best_i = 0
        tw = self.draft_weights(d)
        total = d.term_weights[2] or 1.0
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
            "draft_cover": self._cover(d.subject or d.tset, e.terms),
            "draft_mass": sum(w for t, w in tw.items() if t in keys) / total,
            # a general page ("What is X?") does not answer a draft asking something specific
            "specific_generic": (1.0 - d.types.get(qt.INFORMATION, 0.0))
            if e.types == GENERIC else 0.0,
            "semantic": 0.0,
        }
        return feats, best_i

    def candidates(self, d: Draft, limit: int = MAX_CANDIDATES) -> list[int]:
        """Entries sharing at least one term with the draft, best first by shared IDF mass."""
        p = self.packed
        acc = np.zeros(len(p), dtype=np.float64)
        parts = []
        for t in d.tset:  # the draft's terms in the same order as the sums always took
            tid = p.term_id.get(t)
            if tid is None:
                continue
            rows = p.post_rows[p.post_ptr[tid]:p.post_ptr[tid + 1]]
            acc[rows] += float(p.idf[tid]) * (2.0 if t in d.subject else 1.0)
            parts.append(rows)
        if not parts:
            return []
        # the entries in the order they were first met (ties keep it)
        uniq, first = np.unique(np.concatenate(parts), return_index=True)
        met = uniq[np.argsort(first, kind="stable")]
        if len(met) <= limit:
            return met.tolist()
        best = np.lexsort((np.arange(len(met)), -acc[met]))[:limit]
        return met[best].tolist()

    def score_entries(
        self, d: Draft, idxs: Iterable[int], *, semantic: bool = False
    ) -> list[tuple[float, int, dict[str, float], int]]:
        """(raw score, entry index, features, focus variant) for each entry index."""
        sc = model.scoring(semantic)
        out = []
        sims = None
        idxs = list(idxs)
        if semantic and self.semantic is not None and d.vector is not None:
            sims = self.semantic.similarities(d.vector, self.vectors, idxs)
        for j, i in enumerate(idxs):
            feats, fi = self.features(d, self.entries[i])
            if sims is not None:
                feats["semantic"] = float(sims[j])
            s = sc.raw(feats)
            out.append((s, i, feats, fi))
        ids = self.ids
        out.sort(key=lambda x: (-x[0], ids[x[1]]))
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
        sc = model.scoring(use_sem)
        hits: list[SimilarHit] = []
        for raw, i, feats, fi in scored:
            e = self.entries[i]
            if exclude_id is not None and e.id == exclude_id:
                continue
            p = sc.calibrated(raw)
            why = model.verdict(p, feats, sc.threshold, self.asked_cover(d, e))
            hits.append(
                ExplainedHit(
                    id=e.id,
                    question=e.question,
                    categories=e.categories,
                    url=e.url,
                    score=round(p, 4),
                    likely_answered=why == model.FLAGGED,
                    matches=self.explain(d, e, fi),
                    verdict=why,
                    threshold=sc.threshold,
                )
            )
            if len(hits) >= limit:
                break
        return hits

    def explain(self, d: Draft, e: Entry, focus_variant: int = 0) -> list[Match]:
        """The draft's words that met the archived question, and where (why it matched)."""
        focus_terms, kind = e.focus[focus_variant] if e.focus else (frozenset(), "question")
        out = []
        for t in sorted(d.tset & (e.terms | focus_terms), key=lambda t: -self.weight(t)):
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
