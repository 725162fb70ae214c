"""How much two archived questions ask the same thing (0..1, symmetric).

The same condition (focus, 50%), the same words (30%) and the same question type (20%;
labelled MedQuAD types must be equal); a different type caps the similarity at 0.6 ("a
different question about the same condition"). Numbers and short codes that differ ("type 1"
/ "type 2", "hepatitis b" / "c") cut the focus and word parts.

`PairScorer` computes it for many pairs of one question index: each entry's sets, weights and
marks are prepared once, focus lists shared by many records (every question of one MedQuAD
document has the same focus and synonyms) are compared once per pair of lists, and
`at_least` skips a pair as soon as it cannot reach a threshold. `pair_similarity` is the
one-pair form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.editors.similar.features import Entry, fold7, type_similarity
from indexer.editors.similar.index import QuestionIndex

OTHER_TYPE_CAP = 0.6  # most a pair asking different things about one condition can score
MARK_PENALTY = 0.3  # factor when the numbers / short codes of two texts differ
FREE_TEXT_STRETCH = 1.6  # cosine of free-text questions mapped onto the focus scale
WITHOUT_FOCUS = 0.3 + 0.2  # the most a labelled pair scores when the focus part is 0
FOCUS_FLOOR_STEP = 0.05  # floors are rounded down to this (one "below" memo per floor)
BOUND_MARGIN = 1e-9  # an upper bound is raised by this (relative) over rounding errors


def _marks(terms: Iterable[str]) -> frozenset[str]:
    """Numbers and short codes that tell variants apart ("type 2", "ataxia 3", "hepatitis b")."""
    return frozenset(t for t in terms if t.isdigit() or len(t) <= 2)


def _top_type(types: dict[str, float]) -> str:
    """The most likely specific type (treatment, causes...); "information" only when the
    question has no other (every question with a cue also asks about its condition a bit)."""
    specific = [(w, g) for g, w in types.items() if g != "information"]
    return max(specific)[1] if specific else "information"


# A set of terms (a question's, or a focus variant's) with its summed weight and its marks.
_WSet = tuple[frozenset[str], float, frozenset[str]]


@dataclass(slots=True)
class _Vec:
    """Terms folded to seven letters with their weights, and the norm (for cosines)."""

    weights: dict[str, float]
    norm: float


@dataclass(slots=True)
class _Prep:
    labelled: bool  # a MedQuAD question with a labelled focus
    focus_id: int  # equal focus lists share one id
    terms: frozenset[str]
    weight: float  # the terms' summed weight
    marks: frozenset[str]  # the terms' marks
    qtype: str
    types: dict[str, float]
    top: str
    entry: Entry
    # the cosine vectors (free-text questions only: made on first use)
    vecs: tuple[_Vec, _Vec] | None = None


_KEY = 32  # a pair of focus list ids as one int: (lower << _KEY) | higher


class PairScorer:
    """`similarity(i, j)` between entries of one question index (or of `entries`, weighted by
    the index's rarities), with shared preparation. The hot path (two labelled questions)
    works on plain tuples and floats: it runs ~270k times on MedQuAD."""

    def __init__(self, qi: QuestionIndex, entries: list[Entry] | None = None) -> None:
        self.qi = qi
        self._idf = qi.packed.weight.get  # qi.weight without the method call
        self._default_idf = qi.default_idf
        self._focus_lists: list[list[_WSet]] = []
        self._focus_words: list[frozenset[str]] = []  # every term of each focus list
        self._focus_min: list[float] = []  # the weight of each focus list's lightest variant
        self._focus_ids: dict[tuple[frozenset[str], ...], int] = {}
        self._focus_memo: dict[int, float] = {}  # exact values, by focus pair (_KEY)
        # pair -> the lowest floor its similarity was found below (so below any higher one)
        self._below: dict[int, float] = {}
        self.preps = [self._prepare(e) for e in (qi.entries if entries is None else entries)]

    # -- preparation -----------------------------------------------------------------------

    def _wset(self, terms: frozenset[str]) -> _WSet:
        return terms, sum(self.qi.weight(t) for t in terms), _marks(terms)

    def _vec(self, terms: Iterable[str]) -> _Vec:
        w: dict[str, float] = {}
        for t in terms:
            k = fold7(t)
            w[k] = max(w.get(k, 0.0), self.qi.weight(t))
        return _Vec(w, sum(x * x for x in w.values()) ** 0.5)

    def _prepare(self, e: Entry) -> _Prep:
        key = tuple(f for f, _kind in e.focus)
        fid = self._focus_ids.get(key)
        if fid is None:
            fid = self._focus_ids[key] = len(self._focus_lists)
            variants = [self._wset(f) for f in key]
            self._focus_lists.append(variants)
            self._focus_min.append(min((w for _t, w, _m in variants), default=1.0))
            self._focus_words.append(frozenset().union(*key))
        labelled = bool(e.focus) and e.focus[0][1] == "focus"
        terms, weight, marks = self._wset(e.terms)
        return _Prep(
            labelled=labelled,
            focus_id=fid,
            terms=terms,
            weight=weight,
            marks=marks,
            qtype=e.qtype,
            types=e.types,
            top=_top_type(e.types),
            entry=e,
        )

    def _vecs(self, p: _Prep) -> tuple[_Vec, _Vec]:
        v = p.vecs
        if v is None:
            e = p.entry
            v = p.vecs = (self._vec(e.terms), self._vec(e.core or e.terms))
        return v

    # -- parts -----------------------------------------------------------------------------

    def _wjacc(self, at: frozenset[str], wa: float, bt: frozenset[str], wb: float) -> float:
        """The weighted Jaccard of the term sets `at` and `bt` (summed weights `wa`, `wb`)."""
        if at.isdisjoint(bt):
            return 0.0
        small, big = (at, bt) if len(at) <= len(bt) else (bt, at)
        idf, default = self._idf, self._default_idf
        inter = sum([idf(t, default) for t in small if t in big])  # qi.weight, same order
        union = wa + wb - inter
        return inter / union if union > 0 else 0.0

    def _focus(self, fa: int, fb: int, floor: float = 0.0) -> float:
        """The best weighted Jaccard between the variants (focus, synonyms) of two focus
        lists; exact when it reaches `floor`, else only known to be below it (variant
        pairs whose weights are too unequal to reach the floor are not compared)."""
        key = (fa << _KEY) | fb if fa <= fb else (fb << _KEY) | fa
        sim = self._focus_memo.get(key)
        if sim is not None:
            return sim
        if self._focus_words[fa].isdisjoint(self._focus_words[fb]):
            return 0.0  # no word in common
        if floor > 0.0:
            if floor >= self._below.get(key, 2.0):
                return 0.0
            if self._shared_bound(fa, fb) < floor:
                self._below[key] = floor  # what the loop below would find
                return 0.0
        sim = 0.0
        wjacc = self._wjacc
        variants_b = self._focus_lists[fb]
        for at, wa, ma in self._focus_lists[fa]:
            for bt, wb, mb in variants_b:
                # min(wa, wb) / max(wa, wb, 1e-9): the most their Jaccard can be
                if wa <= wb:
                    bound = wa / (wb if wb > 1e-9 else 1e-9)
                else:
                    bound = wb / (wa if wa > 1e-9 else 1e-9)
                if bound <= sim or bound < floor:
                    continue  # cannot beat the best so far, or reach the floor
                s = wjacc(at, wa, bt, wb)
                if ma and mb and ma != mb:
                    s *= MARK_PENALTY  # "type 1" is not "type 2"
                if s > sim:
                    sim = s
        if floor > 0.0 and sim < floor:
            self._below[key] = floor  # (a lower floor than any recorded: it was checked)
            return 0.0
        self._focus_memo[key] = sim
        return sim

    def _shared_bound(self, fa: int, fb: int) -> float:
        """The most the weighted Jaccard of a variant of focus list `fa` and one of `fb` can
        be: the weight of the words the lists share over the lighter of their lightest
        variants (a pair's intersection lies in the shared words; its union weighs at least
        the heavier variant of the two), raised by a margin far above rounding errors. Most
        pairs of focus lists that share a word fall below the floor their pair needs: this
        skips comparing their variants one by one."""
        idf, default = self._idf, self._default_idf
        shared = sum([idf(t, default) for t in self._focus_words[fa] & self._focus_words[fb]])
        lightest = self._focus_min
        return shared / max(lightest[fa], lightest[fb]) * (1.0 + BOUND_MARGIN)

    @staticmethod
    def _cosine(a: _Vec, b: _Vec) -> float:
        if not a.norm or not b.norm:
            return 0.0
        small, big = (a, b) if len(a.weights) <= len(b.weights) else (b, a)
        dot = sum(w * big.weights[k] for k, w in small.weights.items() if k in big.weights)
        return dot / (a.norm * b.norm)

    # -- the similarity ----------------------------------------------------------------------

    def similarity(self, i: int, j: int, at_least: float = 0.0) -> float:
        """How much entries `i` and `j` ask the same thing, rounded to 4 places; 0.0 as soon
        as it is clear the pair stays below `at_least`."""
        a, b = self.preps[i], self.preps[j]
        if a.qtype and b.qtype:
            type_sim = 1.0 if a.qtype == b.qtype else 0.0
        else:
            type_sim = type_similarity(a.types, b.types)
            if a.top != b.top:
                type_sim = min(type_sim, 0.3)
        cap = OTHER_TYPE_CAP if type_sim < 0.5 else 1.0
        if cap < at_least:
            return 0.0
        ma, mb = a.marks, b.marks
        penalty = MARK_PENALTY if ma and mb and ma != mb else 1.0
        if a.labelled and b.labelled:
            fa, fb = a.focus_id, b.focus_id
            if (at_least > WITHOUT_FOCUS and fa != fb
                    and self._focus_words[fa].isdisjoint(self._focus_words[fb])):
                return 0.0  # no focus word in common: the focus part is 0
            terms = self._wjacc(a.terms, a.weight, b.terms, b.weight) * penalty
            # the focus similarity it takes to reach `at_least` (rounded down: one memo of
            # "below" per step); pairs of focus variants that cannot reach it are skipped
            need = (at_least - 0.3 * terms - 0.2 * type_sim) / 0.5 if at_least else 0.0
            if need > 1.0:
                return 0.0
            floor = FOCUS_FLOOR_STEP * int(max(0.0, need) / FOCUS_FLOOR_STEP)
            focus = self._focus(fa, fb, floor)
        else:  # free-text questions (an archive): the words they share, weighted by rarity,
            # in the whole text or in what each asks (headline and question sentences)
            (va, ca), (vb, cb) = self._vecs(a), self._vecs(b)
            c = max(self._cosine(va, vb), self._cosine(ca, cb))
            focus = min(1.0, c * FREE_TEXT_STRETCH)
            terms = focus * penalty
        sim = min(0.5 * focus + 0.3 * terms + 0.2 * type_sim, cap)
        return round(sim, 4)


    def scores_at_least(self, i: int, js: Iterable[int],
                        at_least: float) -> list[tuple[float, int]]:
        """(similarity(i, j, at_least), j) for each j of `js` whose similarity reaches
        `at_least`, in the order of `js`: the same values, computed in the same order, with
        entry `i`'s side looked up once (the loop over a record's candidates)."""
        a = self.preps[i]
        similarity = self.similarity
        if not (a.labelled and a.qtype):
            return [(s, j) for j in js if (s := similarity(i, j, at_least)) >= at_least]
        preps, words, memo, focus_of = self.preps, self._focus_words, self._focus_memo, self._focus
        idf, default = self._idf, self._default_idf
        fa, at, wa, ma, qa = a.focus_id, a.terms, a.weight, a.marks, a.qtype
        words_a = words[fa]
        out = []
        for j in js:
            b = preps[j]
            if not (b.labelled and b.qtype):
                if (sim := similarity(i, j, at_least)) >= at_least:
                    out.append((sim, j))
                continue
            # similarity()'s labelled path, step for step
            type_sim = 1.0 if qa == b.qtype else 0.0
            cap = OTHER_TYPE_CAP if type_sim < 0.5 else 1.0
            if cap < at_least:
                continue
            fb = b.focus_id
            if at_least > WITHOUT_FOCUS and fa != fb and words_a.isdisjoint(words[fb]):
                continue
            mb, bt = b.marks, b.terms
            penalty = MARK_PENALTY if ma and mb and ma != mb else 1.0
            if at.isdisjoint(bt):
                terms = 0.0
            else:  # _wjacc
                small, big = (at, bt) if len(at) <= len(bt) else (bt, at)
                inter = sum([idf(t, default) for t in small if t in big])
                union = wa + b.weight - inter
                terms = inter / union if union > 0 else 0.0
            terms *= penalty
            need = (at_least - 0.3 * terms - 0.2 * type_sim) / 0.5 if at_least else 0.0
            if need > 1.0:
                continue
            key = (fa << _KEY) | fb if fa <= fb else (fb << _KEY) | fa
            focus = memo.get(key)
            if focus is None:
                floor = FOCUS_FLOOR_STEP * int((need if need > 0.0 else 0.0) / FOCUS_FLOOR_STEP)
                focus = focus_of(fa, fb, floor)
            sim = round(min(0.5 * focus + 0.3 * terms + 0.2 * type_sim, cap), 4)
            if sim >= at_least:
                out.append((sim, j))
        return out


def pair_similarity(qi: QuestionIndex, a: Entry, b: Entry) -> float:
    """How much two archived questions of `qi` ask the same thing, 0..1 (symmetric)."""
    return PairScorer(qi, [a, b]).similarity(0, 1)
