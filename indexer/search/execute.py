"""Running a plan over a generation: score its clauses on the ranking arrays, check phrases
with Whoosh, select and order the matching rows (`execute`); and running a typed query with
its spelling corrections (`run`).

Which records have a term in a field comes from the ranking arrays; Whoosh is asked only
whether some of those records have the terms as a phrase (positions). Both indexes hold the
same terms (`indexer.index.terms`), so the arrays can rule out a field before Whoosh looks.

(~450 lines: `execute` and `run` with the `Ranked`/`Outcome` types they return and the mask
helpers only they use; diversity, distinctness and scoring live in their own modules.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cachetools
import numpy as np
from whoosh import query as wq

from indexer.index.caches import budget
from indexer.index.ranking import RankData
from indexer.index.schema import PHRASE_FIELD, phrase_fields
from indexer.index.store import Session
from indexer.index.terms import FIELDS
from indexer.search import diversify
from indexer.search.distinct import Walk, distinct_counts, top_rows
from indexer.search.padding import qualifying
from indexer.search.plan import Plan, plan_query
from indexer.search.query import ParsedQuery, clean_text, parse
from indexer.search.scoring import candidates, get_scorer
from indexer.text.analysis import STOP_WORDS, fold, stem, words
from indexer.text.spelling import Correction, SpellIndex, correct_query, spell_index
from indexer.text.synonyms import lay_terms

PHRASE_CACHE_BYTES = budget("phrases")  # phrase masks kept per generation (lay terms come
# back often): 1 MB by default, ~57 masks of MedQuAD's 18k rows (a bool per row)
ABOUT_FULL = 0.9  # records about a condition the query names this surely (focus match score,
# `indexer.search.focus`) are listed with the full matches (0.9 of 0.6-1: best on both folds)
DUPLICATE_SLACK = 10  # rows looked at beyond those wanted, for duplicates to collapse
FULL_LEVEL = np.int32(np.iinfo(np.int16).max)  # the level of full matches (above any cover)


@dataclass
class Ranked:
    """A query's ranking. Scores and matches are held for the candidate rows only (the rows
    with some term of the plan: no other row scores); `scores` and `matched` spread them over
    every row of the generation when asked (made once)."""

    rows: np.ndarray  # the best `need` distinct matching rows, best first
    cand: np.ndarray  # the candidate rows, ascending
    cand_scores: np.ndarray  # score per candidate (float32)
    total: int  # distinct records listed (full matches, then partial ones), in the category
    cand_matched: np.ndarray  # bool per candidate, before the category filter (for facets)
    n_rows: int  # rows of the generation
    relaxed: bool = False  # no record has all the words: only partial matches are listed
    stems: dict[str, float] = field(default_factory=dict)  # stem -> idf, for snippets
    complete: int = 0  # of `total`, full matches (all words; in a long query, all listed)
    phrases: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)  # phrase masks
    also: dict[int, list[int]] = field(default_factory=dict)  # row -> its duplicates listed
    unmatched: list[str] = field(default_factory=list)  # distinctive words no record has
    distinct: np.ndarray | None = None  # bool per row: has a distinctive word (padding.py);
    # given only when it is read: when a distinctive word no record has leaves nothing listed
    about: int = 0  # of `total`, records listed with the full matches for being about the
    # condition the query names (without all of its words)
    _dense: dict[str, np.ndarray] = field(default_factory=dict, init=False, repr=False)

    @property
    def scores(self) -> np.ndarray:
        """Score per row of the generation (0 where it has none; read-only)."""
        return self._spread_once("scores", self.cand_scores)

    @property
    def matched(self) -> np.ndarray:
        """Bool per row of the generation: listed, before the category filter (read-only)."""
        return self._spread_once("matched", self.cand_matched)

    def _spread_once(self, name: str, values: np.ndarray) -> np.ndarray:
        got = self._dense.get(name)
        if got is None:
            got = self._dense[name] = _spread(self.cand, values, self.n_rows)
            got.flags.writeable = False
        return got

    def matched_rows(self) -> np.ndarray:
        """The rows listed before the category filter, ascending."""
        return self.cand[self.cand_matched]

    def score_of(self, rows: np.ndarray) -> np.ndarray:
        """The scores of `rows` (0 for a row that is no candidate)."""
        rows = np.asarray(rows, dtype=np.int64)
        cand = self.cand
        if len(cand) == self.n_rows:  # (every row a candidate: in row order)
            return self.cand_scores[rows]
        at = np.minimum(cand.searchsorted(rows), max(len(cand) - 1, 0))
        if not len(cand):
            return np.zeros(len(rows), np.float32)
        return np.where(cand[at] == rows, self.cand_scores[at], np.float32(0.0))


@dataclass
class Outcome:
    """What running a typed query gave: its parse, and (unless it had no words to search)
    the plan that was run, its ranking and the spelling outcome."""

    parsed: ParsedQuery
    plan: Plan | None = None
    ranked: Ranked | None = None
    did_you_mean: str | None = None  # the corrected query, offered to the user
    corrected: bool = False  # the corrected query was run instead of the typed one


def category_rows(data: RankData, path: Sequence[str]) -> np.ndarray:
    """Bool mask of rows filed under `path` (case-insensitive, any depth below it)."""
    want = [p.casefold() for p in path]
    ids = [i for i, p in enumerate(data.paths) if [x.casefold() for x in p] == want]
    mask = np.zeros(data.n_rows, dtype=bool)
    if ids:
        hit = np.isin(data.cat_ids, np.asarray(ids, dtype=np.int32))
        mask[data.cat_rows[hit]] = True
    return mask & data.live


def _phrase_cache(s: Session) -> cachetools.LRUCache:
    """The generation's phrase masks, least recently used dropped past PHRASE_CACHE_BYTES."""
    cache = s.gen.cache.get("phrases")
    if cache is None:
        with s.gen.lock:
            cache = s.gen.cache.setdefault("phrases", cachetools.LRUCache(
                PHRASE_CACHE_BYTES, getsizeof=_nbytes))
    return cache


def _nbytes(mask: np.ndarray) -> int:
    return int(mask.nbytes)


def _phrase_mask(s: Session, stems: Sequence[str]) -> np.ndarray:
    """Bool per row: `stems` occur as a phrase in one field (Whoosh positions). Cached per
    generation: lay terms and their synonyms are few and come back often."""
    key = tuple(stems)
    cache = _phrase_cache(s)
    with s.gen.lock:
        hit = cache.get(key)
    if hit is not None:
        return hit
    data = s.data
    mask = np.zeros(data.n_rows, dtype=bool)
    # Whoosh only when some record has every word in one field (looking for positions is
    # most of the cost); a generation before schema 9 has a Whoosh field per text field,
    # looked in only where some record has every word
    fields = [f for f in FIELDS if _may_have(data, f, stems)] if _cooccur(data, stems).any() else []
    if fields:
        phrase_in = phrase_fields(s.searcher.schema)
        if phrase_in != (PHRASE_FIELD,):
            phrase_in = tuple(f for f in phrase_in if f in fields)
        q = wq.Or([wq.Phrase(f, list(stems)) for f in phrase_in])
        docs = list(s.searcher.docs_for_query(q))
        if docs:
            mask[np.asarray(docs, dtype=np.int64)] = True
    mask.flags.writeable = False
    if mask.nbytes <= cache.maxsize:  # (a mask larger than the whole cache is not kept)
        with s.gen.lock:
            cache[key] = mask
    return mask


def _cooccur(data: RankData, stems: Sequence[str]) -> np.ndarray:
    """Bool per row: every stem occurs in the record (any field)."""
    scorer = get_scorer(data)
    count = np.zeros(data.n_rows, np.int16)
    uniq = set(stems)
    for t in uniq:
        count[scorer.term(t)[0]] += 1
    return count == len(uniq)


def _may_have(data: RankData, f: str, stems: Sequence[str]) -> bool:
    """False when no record has every stem of `stems` in field `f` (so none has the phrase)."""
    rows: np.ndarray | None = None
    for t in dict.fromkeys(stems):
        r, _ = data.postings(f, t)
        rows = r if rows is None else np.intersect1d(rows, r, assume_unique=True)
        if not len(rows):
            return False
    return rows is not None


def _term_mask(data: RankData, stems: Sequence[str]) -> np.ndarray:
    mask = np.zeros(data.n_rows, dtype=bool)
    for t in stems:
        for f in FIELDS:
            rows, _ = data.postings(f, t)
            mask[rows] = True
    return mask


def execute(s: Session, plan: Plan, category: list[str] | None, need: int) -> Ranked:
    """Score the plan's clauses and select the matching rows, best first: records with all
    the words (`plan.min_match` clauses) by score, then records with at least
    `plan.backfill_words` of the typed words, by how many they have, then by score.

    Only the candidate rows (those with some term of the plan: no other record can score)
    are scored and selected; `Ranked` keeps their scores and matches as they are.
    """
    data = s.data
    scorer = get_scorer(data)
    n = data.n_rows
    cand = candidates(scorer, (t for clause in plan.clauses for alt in clause.alternatives
                               for t in alt.terms))
    at = cand.rows
    m = len(at)
    total = np.zeros(m, np.float32)
    counting = plan.min_match > 0  # a long query ranks every record with a score
    # typed words matched (counted only for keyword queries: a message has no such levels)
    hits = np.zeros(m if counting else 0, np.int16)
    cover = np.zeros(m if counting else 0, np.int16)
    required: np.ndarray | None = None  # rows with every required clause (None: no such)
    stems: dict[str, float] = {}
    phrases = {alt.terms: _phrase_mask(s, alt.terms)
               for clause in plan.clauses for alt in clause.alternatives if alt.phrase}
    # every clause counted stands for one typed word (the usual case): the words covered
    # are the clauses matched, counted once
    one_word = all(c.size == 1 for c in plan.clauses if c.counts)
    oks: list[np.ndarray] = []  # per clause: its satisfied candidates (positions, or a mask)
    for clause in plan.clauses:
        one = scorer.single_term_at(clause, cand)
        if one is not None:  # the same sums, over the term's rows only
            where, sc = one
            total[where] += sc
            ok = where  # (the term's positions: a clause of one term is satisfied there)
            if clause.counts and counting:
                hits[where] += 1
                if not one_word:
                    cover[where] += np.int16(clause.size)
        else:
            sc, ok = scorer.clause_match_at(clause, cand, phrases)
            total += sc
            if clause.counts and counting:
                hits += ok
                if one_word:
                    pass
                elif clause.size == 1:
                    cover += ok
                else:
                    cover[ok] += np.int16(clause.size)
        oks.append(ok)
        if clause.required:
            dense = _as_mask(ok, m)
            required = dense if required is None else required & dense
        for alt in clause.alternatives:
            for t in alt.terms:
                df = cand.terms[t][2]
                if df:
                    stems[t] = data.idf(df)
    if one_word:
        cover = hits
    for ph in plan.phrases:
        mask = _phrase_mask(s, ph)[at]
        required = mask if required is None else required & mask
    live = data.live[at]
    allowed = live
    for ph in plan.negated:
        allowed = allowed & ~(_phrase_mask(s, ph) if len(ph) > 1 else _term_mask(data, ph))[at]
    if plan.boost is not None:
        total += plan.boost(data, total, at)  # (the boost of the candidates' scores)
    base = allowed & (total > 0)
    if required is not None:
        base &= required
    # with all the words (a message: every record with a score); then full matches
    words = base & (hits >= plan.min_match) if counting else base
    full = words.copy()
    widened = False  # (else a keyword query's full matches are those with all its words)
    if plan.min_match > 0 and plan.about is not None:
        # a record about the condition the query names is listed with the full matches: the
        # other words qualify it ("headache behind eyes": the Headache page ranks among the
        # pages that say "behind" and "eyes", by score)
        sure = plan.about >= ABOUT_FULL  # per focus key (a row without one reads the last)
        if sure.any():
            full |= base & sure[data.focus[at]]
            widened = True
    qual = qualifying(plan.clauses, oks, live, data.n_live)
    if qual.distinct is not None:
        if counting:  # a record with some of the words needs a distinctive one...
            base &= full | qual.distinct
        else:  # ...and so does any record ranked for a message
            base &= qual.distinct
            full &= base
    if counting:
        partial = base & ~full & (cover >= plan.backfill_words)
        if qual.unmatched:
            partial[:] = False  # a distinctive word no record has: no list of the others
        matched = full | partial
    else:
        matched = full  # (a message lists by score alone: no partial matches)
    in_cat = matched & category_rows(data, category)[at] if category else matched
    sel = in_cat.nonzero()[0]
    rows = at[sel]
    # order: full matches first, then partial ones by words matched; score within each level
    step = float(total.max(initial=0.0)) + 1.0
    if counting:
        level = np.where(full[sel], FULL_LEVEL, cover[sel].astype(np.int32))
        key = level.astype(np.float64) * step + total[sel]
    else:  # (every row listed is a full match: the same sums, one level for all)
        key = total[sel].astype(np.float64)
        key += float(FULL_LEVEL) * step
    diverse = diversify.applies(plan)  # a keyword search: distinct conditions first
    kept, also = _distinct_top(data, rows, key, diversify.window(need) if diverse else need)
    if diverse:
        kept = diversify.first_places(s, plan, kept)[:need]
    if counting and widened:
        count, complete, full_count = distinct_counts(data, rows, (words[sel], full[sel]))
    elif counting:
        count, complete = distinct_counts(data, rows, (words[sel],))
        full_count = complete
    else:  # a message lists its full matches only, all of them with its words
        count = complete = full_count = distinct_counts(data, rows, ())[0]
    about = full_count - complete
    return Ranked(rows=kept, cand=at, cand_scores=total, total=count, cand_matched=matched,
                  n_rows=n,
                  relaxed=complete + about == 0 and count > 0 and plan.min_match > 0,
                  stems=stems, complete=complete, phrases=phrases, also=also, about=about,
                  unmatched=qual.unmatched,
                  distinct=None if qual.distinct is None or count or not qual.unmatched
                  else _spread(at, qual.distinct, n))


def _as_mask(ok: np.ndarray, m: int) -> np.ndarray:
    """A clause's satisfied candidates as a fresh bool mask (from positions or a mask)."""
    if ok.dtype == bool:
        return ok.copy()
    mask = np.zeros(m, dtype=bool)
    mask[ok] = True
    return mask


def _spread(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per row of the generation: `values` at `rows`, zero (False) elsewhere."""
    out = np.zeros(n, values.dtype)
    out[rows] = values
    return out


def _distinct_top(data: RankData, rows: np.ndarray, key: np.ndarray, need: int
                  ) -> tuple[np.ndarray, dict[int, list[int]]]:
    """The best `need` distinct rows (ties by record id; duplicates collapsed into the
    best of their group, see `indexer.search.distinct`)."""
    take = need + DUPLICATE_SLACK
    walk = Walk(data, need)
    walked = 0
    while True:
        ordered = top_rows(data, rows, key, take)
        walk.feed(ordered[walked:])  # (the best `take` rows begin with those walked)
        walked = len(ordered)
        if len(walk.kept) >= need or len(ordered) >= len(rows):
            return np.asarray(walk.kept, dtype=np.int64), walk.also
        take *= 4


# --------------------------------------------------------------------------- a typed query
def run(s: Session, typed: str, category: list[str] | None, need: int,
        autocorrect: bool = True) -> Outcome:
    """Parse, plan and execute. With `autocorrect`, words that look misspelt are searched
    as typed and as corrected, and the whole corrected query is searched instead when a
    typed word is unknown or the typed query has no record with all of its words."""
    pq = parse(clean_text(typed))
    if not pq.items:
        return Outcome(parsed=pq)
    data = s.data
    spell = spell_index(s.gen)
    correction = correct_query(s.gen, pq)
    did_you_mean = _suggestion(correction.text) if correction is not None else None
    if not autocorrect:
        plan = plan_query(data, pq)
        return Outcome(pq, plan, execute(s, plan, category, need), did_you_mean)
    if correction is not None and all(
            spell.rare(f, fold(w)) for w, f in correction.changes.items()
    ):
        # a correction onto rare terms ("long cvid" for "long covid") is only offered: the
        # typed words are searched, and the correction only when they find nothing
        plan = plan_query(data, pq, spell=spell)
        ranked = execute(s, plan, category, need)
        if not ranked.total:
            plan2, ranked2 = _run_corrected(s, correction, category, need, spell)
            if ranked2.total:
                return Outcome(pq, plan2, ranked2, did_you_mean, corrected=True)
        return Outcome(pq, plan, ranked, did_you_mean)
    plan = None
    unknown = _unknown_words(data, correction) if correction is not None else []
    if unknown and any(t in synonym_terms(s) for terms in unknown for t in terms):
        plan = plan_query(data, pq, spell=spell)  # a synonym may stand in for the word
        unknown = [terms for terms in unknown if not _has_synonym(get_scorer(data), plan, terms)]
    if unknown:
        # a typed word the corpus does not know finds nothing: search the correction
        plan2, ranked2 = _run_corrected(s, correction, category, need, spell)
        if ranked2.total:
            return Outcome(pq, plan2, ranked2, did_you_mean, corrected=True)
    if plan is None:
        plan = plan_query(data, pq, spell=spell)
    ranked = execute(s, plan, category, need)
    corrected = False
    if correction is not None and ranked.complete == 0:
        plan2, ranked2 = _run_corrected(s, correction, category, need, spell)
        if ranked2.complete or (ranked2.total and not ranked.total):
            plan, ranked, corrected = plan2, ranked2, True
    return Outcome(pq, plan, ranked, did_you_mean, corrected)


def _run_corrected(s: Session, correction: Correction, category: list[str] | None, need: int,
                   spell: SpellIndex) -> tuple[Plan, Ranked]:
    plan = plan_query(s.data, parse(correction.text), corrections=correction.changes,
                      spell=spell)
    return plan, execute(s, plan, category, need)


def _suggestion(text: str) -> str:
    """A did-you-mean as offered to the user: the corrected query without the sentence
    punctuation at its end (pages write "Did you mean: ...?")."""
    return text.rstrip(" \t.,;:!?") or text


def _unknown_words(data: RankData, correction: Correction) -> list[list[str]]:
    """The stems of each corrected word the corpus does not know at all."""
    scorer = get_scorer(data)
    out = []
    for typed in correction.changes:
        terms = [stem(w) for w in words(typed) if w not in STOP_WORDS]
        if terms and all(scorer.term(t)[2] == 0 for t in terms):
            out.append(terms)
    return out


def synonym_terms(s: Session) -> frozenset[str]:
    """Every term of a lay term or a focus name: an unknown word among them may be covered
    by a synonym ("hot flashes" is a lay term of "hot flushes")."""
    key = ("synonym_terms", id(lay_terms()))
    terms = s.gen.cache.get(key)
    if terms is None:
        found: set[str] = set()
        for phrase in (*lay_terms().by_key, *s.data.gazetteer):
            found.update(phrase.split())
        terms = s.gen.cache[key] = frozenset(found)
    return terms


def _has_synonym(scorer: Any, plan: Plan, terms: list[str]) -> bool:
    """Does a synonym of the typed query stand in for the unknown word with these stems?"""
    for clause in plan.clauses:
        if not set(terms) <= set(clause.alternatives[0].terms):
            continue
        return any(a.via == "synonym" and all(scorer.term(t)[2] for t in a.terms)
                   for a in clause.alternatives)
    return False
