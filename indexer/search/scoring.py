"""Scoring over a generation's ranking arrays: BM25F per term (cached), clauses made of
alternatives (a word, its synonyms, its spelling correction), combined with numpy.

A record without a focus (an archive page, a scraped answer: no condition field) is named by
its title alone. Its title is scored once more as a field of its own (`Params.own_title`; each
word once, normalised by the title's length; idf among the titles of the records without
focus only, so that in a corpus of structured records the few without focus gain little), so
that a title naming what the query asks stands out from answers that merely mention it, as
the focus field and the condition boost make a structured record stand out (issue F, item 6:
MEDIQA answers without structure, avgScore 1.65 -> 2.50; the weight, 1.0 of
0.5/0.75/1/1.5/2, and counting each word once are best on either fold of every dev set that
has such records; no set lower on any fold). Its answer's length counts less
(`Params.nameless_b`, b 0.4 instead of 0.75: a web page is long because it covers more;
MEDIQA plain 2.569 2.453 -> 2.615 2.484 with the title's question type, 0.2-0.5 alike).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from indexer.index.caches import ByteLRU, budget, scaled_budget
from indexer.index.ranking import RankData
from indexer.index.terms import FIELDS


@dataclass(frozen=True)
class Params:
    """BM25F parameters: per-field weight and length normalisation, shared saturation."""

    k1: float = 1.2
    weights: tuple[tuple[str, float], ...] = (
        ("question", 2.0),
        ("title", 2.0),
        ("focus", 2.5),
        ("category", 1.0),
        ("answer", 1.0),
    )
    b: tuple[tuple[str, float], ...] = (
        ("question", 0.5),
        ("title", 0.5),
        ("focus", 0.3),
        ("category", 0.3),
        ("answer", 0.75),
    )
    own_title: float = 1.0  # weight of the title as its own BM25 field, for records without focus
    # length normalisation of records without focus where it differs (a web page's answer is
    # long because it covers more of its subject, not because it repeats words)
    nameless_b: tuple[tuple[str, float], ...] = (("answer", 0.4),)


DEFAULT_PARAMS = Params()

# A record without a question (a web page's answer or section, not an answered question)
# whose answer is shorter than such records' average scores its text times
# (length / average) ** power: a short section says less than a whole page. The power makes
# up for the answer's length normalisation, which favours short answers: SHORT_ANSWER_PRIOR
# for a record with a focus (answer b 0.75), SHORT_ANSWER_PRIOR_NAMELESS for one without (b
# 0.4, `Params.nameless_b`). Read when a generation's scorer is made; 0: no prior. Chosen on
# MEDIQA's answers, with and without structure (bench/results/issueF-rank6.md): every power
# of 0.05-0.25 gains avgScore on both forms and folds (lay and LiveQA unchanged); for records
# without focus 0.05 is the one that keeps nDCG@10 of the plain answers.
SHORT_ANSWER_PRIOR = 0.2
SHORT_ANSWER_PRIOR_NAMELESS = 0.05


@dataclass
class Alternative:
    """One way of satisfying a clause: its `terms` (stems), scaled by `weight`.

    A record satisfies the alternative when it contains every term (and, with `phrase`,
    contains them as a phrase). By default a record that does not satisfy it still scores
    the terms it has (partial credit, as loose words); with `exact` it scores nothing."""

    terms: tuple[str, ...]
    weight: float = 1.0
    text: str = ""  # as typed / as the synonym file spells it
    via: str = "query"
    exact: bool = False  # no partial credit: all terms, or nothing
    phrase: bool = False  # the terms must occur together, as a phrase (checked by the caller)


@dataclass
class Clause:
    """A unit of the query (a word, a phrase, an OR group, a synonym group)."""

    alternatives: list[Alternative]
    weight: float = 1.0
    required: bool = False
    label: str = ""
    counts: bool = True  # counts towards "how many query words matched"
    size: int = 1  # how many typed words the clause stands for ("back pain": 2)


class Scorer:
    """BM25F over the arrays of a `RankData`, with a per-term cache (per generation)."""

    CACHE_BYTES = budget("term_scores")  # term scores kept per generation (4.8 MB by default;
    # a common term's: ~140 kB on MedQuAD, ten times that on an index ten times larger),
    # least recently used dropped;
    # a larger generation keeps more, in proportion to its rows (`caches.scaled_budget`)
    HOT_BYTES = budget("hot_scores")  # ...and the terms asked for lately, in a plain dict in
    # front of it (1 MB by default)
    # (a query asks for its terms dozens of times while it is planned; the LRU's lock and
    # bookkeeping cost more than the lookup): emptied whenever it holds more than this

    def __init__(self, data: RankData, params: Params = DEFAULT_PARAMS) -> None:
        self.data = data
        self.params = params
        n = data.n_rows
        self.n = n
        w = dict(params.weights)
        b = dict(params.b)
        self.nameless = data.live & (data.focus < 0)  # named by their title alone
        nameless_b = dict(params.nameless_b)
        self.norm: dict[str, np.ndarray] = {}
        for f in FIELDS:
            lens = data.lengths[f]
            avg = data.avg_len[f] or 1.0
            self.norm[f] = (w[f] / (1.0 - b[f] + b[f] * lens / avg)).astype(np.float32)
            nb = nameless_b.get(f, b[f])
            if nb != b[f] and self.nameless.any():
                own = (w[f] / (1.0 - nb + nb * lens / avg)).astype(np.float32)
                self.norm[f][self.nameless] = own[self.nameless]
        self.n_nameless = int(self.nameless.sum())
        self.prior = short_answer_prior(data, SHORT_ANSWER_PRIOR, SHORT_ANSWER_PRIOR_NAMELESS)
        self._cache = ByteLRU(scaled_budget(self.CACHE_BYTES, n))
        self._hot: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        self._hot_bytes = 0

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(rows, BM25F scores, document frequency) of one term (cached)."""
        hit = self._hot.get(term)
        if hit is not None:
            return hit
        hit = self._cache.get(term)
        if hit is None:
            hit = self._score(term)
            self._cache.put(term, hit)
        self._keep_hot(term, hit)
        return hit

    def fields_of(self, term: str) -> np.ndarray:
        """Per row of `term(term)`, a bit mask of the fields (bit i: FIELDS[i]) that have the
        term (cached beside the scores: a page of hits asks it of each of its terms)."""
        key = (term, "fields")
        bits = self._cache.get(key)
        if bits is None:
            rows = self.term(term)[0]
            bits = np.zeros(len(rows), np.uint8)
            for i, f in enumerate(FIELDS):
                prow, _ = self.data.postings(f, term)
                if len(prow):  # (every row of a field is among the term's rows)
                    bits[rows.searchsorted(prow)] |= np.uint8(1 << i)
            self._cache.put(key, bits)
        return bits

    def _keep_hot(self, term: str, hit: tuple[np.ndarray, np.ndarray, int]) -> None:
        """Put a term's scores in the front dict, emptied first when it holds too much (the
        count of bytes is approximate between threads; the dict is only ever a copy)."""
        size = hit[0].nbytes + hit[1].nbytes
        if size > self.HOT_BYTES // 8:
            return  # (a term in most records of a large index: the LRU keeps it)
        if self._hot_bytes + size > self.HOT_BYTES:
            self._hot = {}
            self._hot_bytes = 0
        self._hot[term] = hit
        self._hot_bytes += size

    def _score(self, term: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(rows, BM25F scores, document frequency) of one term, computed."""
        data = self.data
        parts_rows = []
        parts_vals = []
        for f in FIELDS:
            rows, tfs = data.postings(f, term)
            if len(rows):
                parts_rows.append(rows)
                parts_vals.append(tfs * self.norm[f][rows])
        if not parts_rows:
            out = (np.zeros(0, np.int32), np.zeros(0, np.float32), 0)
        else:
            if len(parts_rows) == 1:
                rows, pseudo = parts_rows[0], parts_vals[0]
            else:
                # the union of the fields' rows (each ascending, without repeats) through a
                # mask over the generation: linear, where np.unique sorted them all
                mask = np.zeros(self.n, dtype=bool)
                for r in parts_rows:
                    mask[r] = True
                rows = mask.nonzero()[0]
                pos = np.empty(self.n, np.int64)
                pos[rows] = np.arange(len(rows))
                pseudo = np.zeros(len(rows), np.float32)
                for r, v in zip(parts_rows, parts_vals, strict=True):
                    pseudo[pos[r]] += v  # (field by field, in FIELDS order, as before)
            df = len(rows)
            k1 = self.params.k1
            scores = (data.idf(df) * pseudo * (k1 + 1.0) / (k1 + pseudo)).astype(np.float32)
            self._add_own_title(term, rows, scores)
            if self.prior is not None:
                scores *= self.prior[rows]
            out = (rows.astype(np.int32), scores, df)
        return out

    def _add_own_title(self, term: str, rows: np.ndarray, scores: np.ndarray) -> None:
        """Add the title's own BM25 score (title idf, title saturation) to `scores` of the
        records without focus whose title has `term` (`rows`: ascending, a superset). Its idf
        counts the titles of such records only: how rare the word is among their names (in
        MedQuAD, 14 CDC pages without focus; with N = every record their title words would
        weigh as the rarest words of the corpus, LiveQA nDCG@10 -0.005)."""
        weight = self.params.own_title
        t_rows, _ = self.data.postings("title", term)
        if weight <= 0 or not len(t_rows):
            return
        keep = self.nameless[t_rows]
        if not keep.any():
            return
        df = int(keep.sum())
        idf = math.log(1.0 + (self.n_nameless - df + 0.5) / (df + 0.5))
        k1 = self.params.k1
        b = dict(self.params.b)["title"]
        sel = t_rows[keep]
        norm = 1.0 - b + b * self.data.lengths["title"][sel] / (self.data.avg_len["title"] or 1.0)
        # a word names once: "Appendicitis (How common is appendicitis?)" is no more about
        # appendicitis than "Appendicitis" (so saturation only weighs the title's length)
        own = weight * idf * (k1 + 1.0) / (1.0 + k1 * norm)
        scores[np.searchsorted(rows, sel)] += own.astype(np.float32)

    def clause_match(self, clause: Clause,
                     phrases: dict[tuple[str, ...], np.ndarray] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(dense score, satisfied) per row: the best of the clause's alternatives (weighted),
        and whether some alternative is satisfied (all its terms; as a phrase where asked).
        `phrases` maps the terms of a phrase alternative to a bool row mask of where the
        phrase occurs (a phrase alternative missing from it is satisfied nowhere)."""
        every = Candidates(np.arange(self.n), np.arange(self.n))
        return self.clause_match_at(clause, every, phrases)

    def single_term_at(self, clause: Clause, cand: Candidates
                       ) -> tuple[np.ndarray, np.ndarray] | None:
        """For a clause of one plain term (most words of a message): where it scores among the
        candidates and its (weighted) scores there, the values `clause_match_at` has at
        those places (zero elsewhere, and satisfied there only); None for any other clause."""
        if len(clause.alternatives) != 1:
            return None
        alt = clause.alternatives[0]
        if alt.phrase or len(set(alt.terms)) != 1:
            return None
        rows, scores, _ = (cand.terms.get(alt.terms[0]) or self.term(alt.terms[0]))
        vals = scores * alt.weight  # (the best of one alternative; scores are never negative)
        if clause.weight != 1.0:
            vals *= clause.weight
        return cand.pos[rows], vals

    def clause_match_at(self, clause: Clause, cand: Candidates,
                        phrases: dict[tuple[str, ...], np.ndarray] | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """`clause_match` over the candidate rows only (`cand.rows`, which hold every row of
        the clause's terms): (score, satisfied) per candidate, the same values as the dense
        arrays have at those rows (elementwise, in the same order of operations)."""
        term = cand.terms.__getitem__ if cand.terms else self.term
        m = len(cand.rows)
        best = np.zeros(m, np.float32)
        matched = np.zeros(m, dtype=bool)
        for alt in clause.alternatives:
            terms = tuple(dict.fromkeys(alt.terms))
            if len(terms) == 1 and not alt.phrase:
                rows, scores, _ = term(terms[0])
                at = cand.pos[rows]
                # only the term's rows change (scores are never negative; rows are unique)
                best[at] = np.maximum(best[at], scores * alt.weight)
                matched[at] = True
                continue
            acc = np.zeros(m, np.float32)
            hits = np.zeros(m, np.int16)
            for t in terms:
                rows, scores, _ = term(t)
                at = cand.pos[rows]
                acc[at] += scores
                hits[at] += 1
            full = hits == len(terms)
            if alt.phrase:
                mask = (phrases or {}).get(alt.terms)
                full &= mask[cand.rows] if mask is not None else False
            matched |= full
            if alt.exact:
                acc *= full
            np.maximum(best, acc * alt.weight, out=best)
        if clause.weight != 1.0:
            best *= clause.weight
        return best, matched


def short_answer_prior(data: RankData, power: float, nameless_power: float | None = None
                       ) -> np.ndarray | None:
    """Per row, the factor of its text score for the length of its answer: 1 for a record
    with a question, and for one whose answer is at least as long as the average answer of
    the records without a question; (length / that average) ** `power` for a shorter one
    (`nameless_power` for a record without a focus; None: `power`). None when every factor
    is 1.

    Why only records without a question: an answer to a stated question is as long as the
    question needs (LiveQA's judged MedQuAD answers: the longer of two answers to a question is
    the better one in 46% of pairs), while a web page's section is short because it covers less
    (MEDIQA's graded answers: 65%; mean grade 2.2 under 50 words, 3.6 over 1,000). Longer than
    average earns nothing: rewarding it loses on the plain MEDIQA answers."""
    unasked = data.live & (data.lengths["question"] == 0)
    nameless_power = power if nameless_power is None else nameless_power
    if (power <= 0 and nameless_power <= 0) or not unasked.any():
        return None
    lens = np.maximum(data.lengths["answer"], 1.0)
    ratio = np.minimum(lens / max(float(lens[unasked].mean()), 1.0), 1.0)
    powers = np.where(data.focus >= 0, power, nameless_power)
    factor = np.where(unasked, ratio ** powers, 1.0).astype(np.float32)
    return None if bool((factor == 1.0).all()) else factor


@dataclass(frozen=True)
class Candidates:
    """The rows a query can score (ascending), where each row sits among them (`pos`: per
    row of the generation; only the candidates' entries are meaningful), and the query's
    terms as `Scorer.term` gives them (looked up once per query)."""

    rows: np.ndarray
    pos: np.ndarray
    terms: dict[str, tuple[np.ndarray, np.ndarray, int]] = field(default_factory=dict)


def candidates(scorer: Scorer, terms: Iterable[str]) -> Candidates:
    """The rows having any of `terms` (the only rows a query of them can score)."""
    n = scorer.n
    got = {t: scorer.term(t) for t in terms}
    if len(got) == 1:  # one term's rows: ascending and distinct already
        rows = next(iter(got.values()))[0].astype(np.intp)
    else:
        mask = np.zeros(n, dtype=bool)
        if got:  # (one assignment for all the terms' rows: numpy's cost is per call)
            mask[np.concatenate([rows for rows, _, _ in got.values()])] = True
        rows = mask.nonzero()[0]
    pos = np.empty(n, np.int64)
    pos[rows] = np.arange(len(rows))
    return Candidates(rows, pos, got)


def get_scorer(data: RankData) -> Scorer:
    """The scorer of a generation's data (built once, kept with its caches)."""
    caches = data.caches
    if caches.scorer is None:
        caches.scorer = Scorer(data)
    return caches.scorer
