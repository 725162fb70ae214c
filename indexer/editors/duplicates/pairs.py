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


def _marks(terms: Iterable[str]) -> frozenset[str]:
    """Numbers and short codes that tell variants apart ("type 2", "ataxia 3", "hepatitis b")."""
    return frozenset(t for t in terms if t.isdigit() or len(t) <= 2)


def _top_type(types: dict[str, float]) -> str:
    """The most likely specific type (treatment, causes...); "information" only when the
    question has no other (every question with a cue also asks about its condition a bit)."""
    specific = [(w, g) for g, w in types.items() if g != "information"]
    return max(specific)[1] if specific else "information"


@dataclass(slots=True)
class _WSet:
    """A set of terms with its summed weight and its marks."""

    terms: frozenset[str]
    weight: float
    marks: frozenset[str]


@dataclass(slots=True)
class _Vec:
    """Terms folded to seven letters with their weights, and the norm (for cosines)."""

    weights: dict[str, float]
    norm: float


@dataclass(slots=True)
class _Prep:
    labelled: bool  # a MedQuAD question with a labelled focus
    focus_id: int  # equal focus lists share one id
    terms: _WSet
    qtype: str
    types: dict[str, float]
    top: str
    vec_terms: _Vec
    vec_core: _Vec


class PairScorer:
    """`similarity(i, j)` between entries of one question index (or of `entries`, weighted by
    the index's rarities), with shared preparation."""

    def __init__(self, qi: QuestionIndex, entries: list[Entry] | None = None) -> None:
        self.qi = qi
        self._idf = qi.packed.weight.get  # qi.weight without the method call
        self._default_idf = qi.default_idf
        self._focus_lists: list[list[_WSet]] = []
        self._focus_words: list[frozenset[str]] = []  # every term of each focus list
        self._focus_ids: dict[tuple[frozenset[str], ...], int] = {}
        self._focus_memo: dict[tuple[int, int], float] = {}  # exact values
        # pair -> the lowest floor its similarity was found below (so below any higher one)
        self._below: dict[tuple[int, int], float] = {}
        self.preps = [self._prepare(e) for e in (qi.entries if entries is None else entries)]

    # -- preparation -----------------------------------------------------------------------

    def _wset(self, terms: frozenset[str]) -> _WSet:
        return _WSet(terms, sum(self.qi.weight(t) for t in terms), _marks(terms))

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
            self._focus_lists.append([self._wset(f) for f in key])
            self._focus_words.append(frozenset().union(*key))
        labelled = bool(e.focus) and e.focus[0][1] == "focus"
        return _Prep(
            labelled=labelled,
            focus_id=fid,
            terms=self._wset(e.terms),
            qtype=e.qtype,
            types=e.types,
            top=_top_type(e.types),
            vec_terms=self._vec(e.terms),
            vec_core=self._vec(e.core or e.terms),
        )

    # -- parts -----------------------------------------------------------------------------

    def _wjacc(self, a: _WSet, b: _WSet) -> float:
        if a.terms.isdisjoint(b.terms):
            return 0.0
        small, big = (a.terms, b.terms) if len(a.terms) <= len(b.terms) else (b.terms, a.terms)
        idf, default = self._idf, self._default_idf
        inter = sum([idf(t, default) for t in small if t in big])  # qi.weight, same order
        union = a.weight + b.weight - inter
        return inter / union if union > 0 else 0.0

    def _focus(self, fa: int, fb: int, floor: float = 0.0) -> float:
        """The best weighted Jaccard between the variants (focus, synonyms) of two focus
        lists; exact when it reaches `floor`, else only known to be below it (variant
        pairs whose weights are too unequal to reach the floor are not compared)."""
        key = (fa, fb) if fa <= fb else (fb, fa)
        sim = self._focus_memo.get(key)
        if sim is not None:
            return sim
        if self._focus_words[fa].isdisjoint(self._focus_words[fb]):
            return 0.0  # no word in common
        if floor > 0.0 and floor >= self._below.get(key, 2.0):
            return 0.0
        sim = 0.0
        for a in self._focus_lists[fa]:
            for b in self._focus_lists[fb]:
                bound = min(a.weight, b.weight) / max(a.weight, b.weight, 1e-9)
                if bound <= sim or bound < floor:
                    continue  # cannot beat the best so far, or reach the floor
                s = self._wjacc(a, b)
                if a.marks and b.marks and a.marks != b.marks:
                    s *= MARK_PENALTY  # "type 1" is not "type 2"
                sim = max(sim, s)
        if floor > 0.0 and sim < floor:
            self._below[key] = floor  # (a lower floor than any recorded: it was checked)
            return 0.0
        self._focus_memo[key] = sim
        return sim

    @staticmethod
    def _cosine(a: _Vec, b: _Vec) -> float:
        if not a.norm or not b.norm:
            return 0.0
        small, big = (a, b) if len(a.weights) <= len(b.weights) else (b, a)
        dot = sum(w * big.weights[k] for k, w in small.weights.items() if k in big.weights)
        return dot / (a.norm * b.norm)

    @staticmethod
    def _type(a: _Prep, b: _Prep) -> float:
        if a.qtype and b.qtype:
            return 1.0 if a.qtype == b.qtype else 0.0
        sim = type_similarity(a.types, b.types)
        return min(sim, 0.3) if a.top != b.top else sim

    # -- the similarity ----------------------------------------------------------------------

    def similarity(self, i: int, j: int, at_least: float = 0.0) -> float:
        """How much entries `i` and `j` ask the same thing, rounded to 4 places; 0.0 as soon
        as it is clear the pair stays below `at_least`."""
        a, b = self.preps[i], self.preps[j]
        type_sim = self._type(a, b)
        cap = OTHER_TYPE_CAP if type_sim < 0.5 else 1.0
        if cap < at_least:
            return 0.0
        ma, mb = a.terms.marks, b.terms.marks
        penalty = MARK_PENALTY if ma and mb and ma != mb else 1.0
        if a.labelled and b.labelled:
            if (at_least > WITHOUT_FOCUS and a.focus_id != b.focus_id
                    and self._focus_words[a.focus_id].isdisjoint(self._focus_words[b.focus_id])):
                return 0.0  # no focus word in common: the focus part is 0
            terms = self._wjacc(a.terms, b.terms) * penalty
            # the focus similarity it takes to reach `at_least` (rounded down: one memo of
            # "below" per step); pairs of focus variants that cannot reach it are skipped
            need = (at_least - 0.3 * terms - 0.2 * type_sim) / 0.5 if at_least else 0.0
            if need > 1.0:
                return 0.0
            floor = FOCUS_FLOOR_STEP * int(max(0.0, need) / FOCUS_FLOOR_STEP)
            focus = self._focus(a.focus_id, b.focus_id, floor)
        else:  # free-text questions (an archive): the words they share, weighted by rarity,
            # in the whole text or in what each asks (headline and question sentences)
            c = max(self._cosine(a.vec_terms, b.vec_terms), self._cosine(a.vec_core, b.vec_core))
            focus = min(1.0, c * FREE_TEXT_STRETCH)
            terms = focus * penalty
        sim = min(0.5 * focus + 0.3 * terms + 0.2 * type_sim, cap)
        return round(sim, 4)


def pair_similarity(qi: QuestionIndex, a: Entry, b: Entry) -> float:
    """How much two archived questions of `qi` ask the same thing, 0..1 (symmetric)."""
    return PairScorer(qi, [a, b]).similarity(0, 1)
