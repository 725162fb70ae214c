"""From a parsed query to what is scored: clauses, phrases, exclusions, boosts.

(~720 lines: the steps below run in order over one private `_Unit` list and read the
ranking constants at call time, which `bench/tune.py` sets by name; the condition
gazetteer they consult is `indexer.search.focus`, the noise words `indexer/data/noise_words.txt`.)

This is where a query is *understood*:
- short keyword queries list the records with every unit (word, "phrase", a OR b) first,
  then those with at least half of the typed words (by how many they have);
- synonyms (lay terms, MedQuAD focus synonyms) join the unit they replace as alternatives;
  a synonym phrase's typed words count only together (a lay term as the phrase);
- words only visitors wrote (misspelt) get their spelling correction as an alternative;
- long messages are reduced to the words that carry meaning: chatty words (greetings,
  thanks, personal history) and words found in a large share of the corpus are dropped,
  and every record is ranked (no "all words" rule);
- the condition the query names is found by matching its terms against the corpus' foci
  and their synonyms (idf-weighted coverage of each focus name); records about it are
  boosted, and so are records of the question type the query asks (treatment, cause...);
- so are, a little less, the records of the conditions the query's words are most
  characteristic of (`indexer.search.conditions`: symptoms, none of them a name);
- a record without a focus (an archive page) is about the query's condition when the query has
  its title's naming words (`indexer.search.titles`): the question-type boost reaches it too;
- a keyword query that types none of a narrower condition's extra words ("acquired" of
  "acquired X", `FocusIndex.broader_of`) while it types words of the general one boosts the
  narrower one less (NARROWER_FACTOR): the general condition before its variants.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from indexer.index.caches import entries
from indexer.index.ranking import RankData
from indexer.index.terms import ACRONYM_MAX
from indexer.results import SynonymUse
from indexer.search.conditions import MIN_SUPPORT, condition_scores
from indexer.search.distinct import top_rows
from indexer.search.focus import focus_index
from indexer.search.query import Item, ParsedQuery
from indexer.search.scoring import Alternative, Clause, get_scorer
from indexer.search.titles import title_coverage
from indexer.text.analysis import STOP_WORDS, WORD_RE, fold, phrase_key, stem
from indexer.text.qtypes import question_types, with_related
from indexer.text.spelling import contractions
from indexer.text.synonyms import find_synonyms

ALL_WORDS_MAX = 4  # up to this many units, every one must match
BACKFILL_SHARE = 0.5  # then records with at least this share of the typed words follow
LONG_QUERY_UNITS = 7  # from this many units on, a query is a "message"
_SENTENCE_BREAK = re.compile(r"\w[.!;]+\s+\w")
QUESTION_MIN_UNITS = 2  # a question of this many units on is ranked as a message
SUBJECT_WEIGHT = 1.5  # words of the first sentence of a message (often a subject line)
SUBJECT_MAX_CHARS = 120
QUESTION_WORDS = frozenset(
    [
        "what", "how", "why", "when", "where", "who", "which", "whom", "whose", "is", "are",
        "can", "could", "does", "do", "did", "should", "will", "would", "may", "might", "has",
        "have",
    ]
)
MAX_DF_SHARE = 0.08  # in messages, words in more than this share of records are dropped
DF_DROP_MIN_RECORDS = 1000  # document frequencies of a smaller corpus say little
MAX_MESSAGE_UNITS = 14  # a message keeps at most this many units (the rarest)
SYNONYM_WEIGHT = 0.9
REPEAT_BONUS = 0.25  # a unit typed again weighs this much more...
REPEAT_MAX = 1.5  # ...up to this
CORRECTION_WEIGHT = 0.9

# Boosts, as shares of the best text score of the query.
FOCUS_BOOST = 0.5
QTYPE_BOOST = 0.4
QTYPE_WITHOUT_FOCUS = 0.0  # qtype boost factor for records not about the detected condition
INFORMATION_PRIOR = 0.3  # qtype weight of "information" answers when nothing else is asked
FEEDBACK_BOOST = 0.5  # focus boost share from the foci of the best text matches
FEEDBACK_DOCS = 5
NARROWER_FACTOR = 0.8  # share of a narrower condition's boost when nothing typed names it
FOCUS_RELATIVE = 0.6  # only foci scoring at least this share of the best one are boosted
FOCUS_SYNONYM_SHARE = 0.5  # a name reached only through a synonym counts this much
# Conditions the query's words are characteristic of (`search.conditions`): the best one
# counts as a condition named with this weight (keyword searches, then messages/questions)
CONDITION_SHARE = 0.7
CONDITION_SHARE_LONG = 0.5
# Keyword searches: a condition the words describe this surely (its `condition_scores` weight,
# the best one 1) has its records listed with the full matches, as a named condition's are
CONDITION_FULL = 0.8
# Records without a focus (archive pages, `indexer.search.titles`): a title with this share of
# its naming words in the query names the query's condition (the question-type boost reaches
# it as it reaches a record about the named condition), when it covers at least
# TITLE_RELATIVE of what the best-covered title does
TITLE_NAMED = 0.3
TITLE_RELATIVE = 0.6

NOISE_WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "noise_words.txt"


def _load_words(path: Path) -> frozenset[str]:
    """The words of a word-list data file ('#' starts a comment)."""
    text = path.read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() for w in line.split("#", 1)[0].split())


# Words of consumer messages that say nothing about the question (beyond the stop list).
NOISE_WORDS: frozenset[str] = _load_words(NOISE_WORDS_FILE)


@dataclass
class Plan:
    clauses: list[Clause] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # must appear as phrases
    negated: list[tuple[str, ...]] = field(default_factory=list)
    min_match: int = 1  # clauses a record must satisfy to be a full match (0: any score)
    backfill_words: int = 1  # typed words a partial match must have to be listed after them
    corrections: dict[str, str] = field(default_factory=dict)  # typed word -> searched too
    boost: Callable[[RankData, np.ndarray], np.ndarray] | None = None
    about: np.ndarray | None = None  # per focus key (+ a 0 slot for -1): how surely it is named
    synonyms: list[SynonymUse] = field(default_factory=list)
    understood: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    searched: str = ""
    surface: dict[str, str] = field(default_factory=dict)  # stem -> word as typed


@dataclass
class _Unit:
    items: list[Item]
    stems: list[tuple[str, ...]]  # per item
    clause: Clause
    words: list[str]  # folded words typed (all items)
    single: bool  # one plain word item (may join a synonym phrase)


# --------------------------------------------------------------------------- planning
def _display(item: Item) -> str:
    """An item as shown back to the user: edge punctuation trimmed, phrases quoted."""
    text = item.text.strip(_EDGE_PUNCT) or item.text
    return f'"{text}"' if item.phrase else text


_EDGE_PUNCT = ".,;:!?()[]{}<>\"'`*~^"


def _units(pq: ParsedQuery, corrected: set[str]) -> list[_Unit]:
    units = []
    for group in pq.groups:
        alts = []
        stems_l = []
        words: list[str] = []
        for item in group:
            stems = item.stem_tuple
            if not stems:
                continue
            typed = item.word_tuple
            via = "correction" if corrected and not corrected.isdisjoint(typed) else "query"
            alts.append(Alternative(terms=stems, text=_display(item), via=via))
            stems_l.append(stems)
            words.extend(typed)
        if alts:
            single = len(group) == 1 and not group[0].phrase
            clause = Clause(alternatives=alts, label=" OR ".join(a.text for a in alts),
                            size=len(alts[0].terms) if len(alts) == 1 else 1)
            units.append(_Unit(list(group), stems_l, clause, words, single))
    return units


def _apply_synonyms(units: list[_Unit], data: RankData, plan: Plan, pq: ParsedQuery,
                    upper: frozenset[int]) -> list[_Unit]:
    """Merge runs of single-word units that form a synonym phrase into one unit whose
    alternatives are the typed words and the synonyms."""
    flat: list[tuple[str, int]] = []
    for ui, u in enumerate(units):
        if u.single:
            flat.extend((t, ui) for t in u.stems[0])
        else:
            flat.append(("\x00", ui))  # a barrier: phrases and OR groups are not merged
    terms = [t for t, _ in flat]
    capitals = frozenset(data.vocab[t] for t in upper)
    matches = find_synonyms(terms, gazetteer=data.gazetteer, focus_names=data.focus_names,
                            capitals=capitals, acronym_max=ACRONYM_MAX,
                            acronyms=data.acronym_keys(),
                            gazetteer_starts=focus_index(data).starts,
                            nicknames=focus_index(data).nicknames)
    if not matches:
        return units
    scorer = get_scorer(data)
    merged: dict[int, _Unit] = {}
    drop: set[int] = set()
    for m in matches:
        uis = sorted({flat[i][1] for i in range(m.start, m.end)})
        covered = tuple(t for t, ui in flat if ui in uis)
        if len(covered) != m.end - m.start:  # the phrase splits a unit: skip it
            continue
        typed = _span_text(pq, [it for ui in uis for it in units[ui].items])
        vias = {a.via for ui in uis for a in units[ui].clause.alternatives}
        via = "correction" if "correction" in vias else "query"
        lay = m.source == "lay-terms"
        # The typed words of a synonym phrase count only together, never as loose words
        # ("pins and needles" is not "needles"); a lay term (an idiom) must occur as the
        # phrase, its synonyms too. MedQuAD names of a condition are exact equivalents,
        # kept as tuned on the LiveQA questions (SYNONYM_WEIGHT, partial credit); a lay
        # synonym weighs less than the typed words (see `_synonym_weight`), and one that
        # contains every typed word ("sugar diabetes" for "diabetes") finds nothing more.
        many = len(set(covered)) > 1
        alts = [Alternative(terms=covered, text=typed, via=via, exact=many,
                            phrase=lay and many)]
        typed_mass = _reference_mass(data, scorer, covered, m.alternatives)
        for name in m.alternatives:
            key = tuple(phrase_key(name).split())
            if not key or key == covered or (lay and set(key) >= set(covered)):
                continue
            if lay:
                alts.append(Alternative(
                    terms=key, weight=_synonym_weight(data, scorer, typed_mass, key),
                    text=name, via="synonym", exact=True, phrase=len(set(key)) > 1))
            else:
                alts.append(Alternative(terms=key, weight=SYNONYM_WEIGHT, text=name,
                                        via="synonym"))
        if len(alts) == 1:
            continue
        merged[uis[0]] = _Unit(
            items=[it for ui in uis for it in units[ui].items],
            stems=[covered],
            clause=Clause(alternatives=alts, label=typed, size=len(set(covered))),
            words=[w for ui in uis for w in units[ui].words],
            single=False,
        )
        drop.update(uis[1:])
        plan.synonyms.append(
            SynonymUse(phrase=typed, alternatives=[a.text for a in alts[1:]], source=m.source)
        )
    return [merged.get(ui, u) for ui, u in enumerate(units) if ui not in drop]


def _span_text(pq: ParsedQuery, items: list[Item]) -> str:
    """The words of `items` as typed, with what stood between them ("pins and needles")."""
    if not items:
        return ""
    first, last = items[0], items[-1]
    text = pq.source[first.start: last.start + len(last.text)]
    if not text or len(text) > 200 or any(it.phrase for it in items):
        return " ".join(w for it in items for w in it.words)
    return " ".join(text.split()).strip(_EDGE_PUNCT) or text


def _idf_mass(data: RankData, scorer: Any, terms: tuple[str, ...]) -> float:
    """Sum of the terms' idf (an unknown term counts as the rarest)."""
    return sum(data.idf(scorer.term(t)[2]) for t in set(terms))


def _reference_mass(data: RankData, scorer: Any, covered: tuple[str, ...],
                    names: tuple[str, ...]) -> float:
    """The idf mass synonyms are weighed against: the typed words', or when the corpus does
    not know them ("backache" in an archive that says "back pain"), the smallest of the
    synonyms', so that no synonym wins just by being made of rarer words."""
    if all(scorer.term(t)[2] for t in covered):
        return _idf_mass(data, scorer, covered)
    masses = [_idf_mass(data, scorer, key) for key in
              (tuple(phrase_key(n).split()) for n in names) if key
              and all(scorer.term(t)[2] for t in key)]
    return min(masses, default=_idf_mass(data, scorer, covered))


def _synonym_weight(data: RankData, scorer: Any, typed_mass: float,
                    terms: tuple[str, ...]) -> float:
    """A synonym weighs SYNONYM_WEIGHT of what was typed, and never more: a synonym made of
    rarer words than the typed ones ("bad back" for "back pain") would otherwise score
    higher than the words typed, so it is scaled down to the typed words' idf mass."""
    mass = _idf_mass(data, scorer, terms)
    if mass <= 0:
        return SYNONYM_WEIGHT
    return SYNONYM_WEIGHT * min(1.0, typed_mass / mass)


def plan_query(
    data: RankData,
    pq: ParsedQuery,
    *,
    corrections: dict[str, str] | None = None,
    spell: Any = None,
) -> Plan:
    """Plan a parsed query. `corrections` (typed -> corrected) marks a re-run with the
    did-you-mean spelling; `spell` (a SpellIndex) adds corrections of unknown words as
    alternatives."""
    plan = Plan()
    corrected = {c.lower() for c in (corrections or {}).values()}
    scorer = get_scorer(data)
    units = _units(pq, corrected)
    for u in units:
        for w in u.words:
            if w not in STOP_WORDS:
                plan.surface.setdefault(stem(w), w)
    upper = _capitals(data, pq)  # acronyms typed in capitals, asked once per query
    match = _FocusMatcher(data, upper)
    units = _apply_synonyms(units, data, plan, pq, upper)

    long_query = len(units) >= LONG_QUERY_UNITS or (
        len(units) >= QUESTION_MIN_UNITS and is_question(pq)
    )
    n_live = max(data.n_live, 1)
    kept: list[_Unit] = []
    dropped: list[str] = []
    for u in units:
        if spell is not None and u.single:
            _add_correction(u, spell, scorer, plan)
        if long_query and u.single and not u.clause.alternatives[1:]:
            words = [w for w in u.words if w not in STOP_WORDS]
            if all(w in NOISE_WORDS for w in words):
                dropped.append(" ".join(u.words))
                continue
        kept.append(u)
    if long_query:
        # common words go too, unless they belong to the name of the condition asked about
        protected = _focus_terms(data, match, kept)
        common = []
        for u in kept:
            if not u.single or u.clause.alternatives[1:] or not protected.isdisjoint(
                    u.stems[0]):
                continue
            df_share = _unit_df(scorer, u) / n_live
            if (df_share > MAX_DF_SHARE and n_live >= DF_DROP_MIN_RECORDS) or all(
                w.isdigit() for w in u.words
            ):  # numbers (doses, ages) count only as part of a name ("trisomy 7")
                common.append(u)
        dropped.extend(" ".join(u.words) for u in common)
        gone = {id(u) for u in common}  # (by identity: comparing dataclasses is slow)
        kept = [u for u in kept if id(u) not in gone]
        _emphasise_subject(pq, kept)
    kept = _merge_repeats(kept)
    if long_query and len(kept) > MAX_MESSAGE_UNITS:
        kept.sort(key=lambda u: _unit_df(scorer, u))
        typed_at = {id(u): i for i, u in enumerate(units)}
        kept = sorted(kept[:MAX_MESSAGE_UNITS], key=lambda u: typed_at[id(u)])
    if not kept:  # everything was chatter: keep the rarest words rather than nothing
        kept = sorted(units, key=lambda u: _unit_df(scorer, u))[:3]

    _loose_contractions(kept)
    plan.clauses = [u.clause for u in kept]
    for u in kept:
        for item, stems in zip(u.items, u.stems, strict=False):
            # in a message, quotes are quotations, not a search operator
            if item.phrase and len(stems) > 1 and len(u.items) == 1 and not long_query:
                plan.phrases.append(stems)
    for item in pq.negated:
        stems = tuple(item.stems)
        if stems:
            plan.negated.append(stems)
    n = sum(1 for c in plan.clauses if c.counts)
    if long_query:
        plan.min_match = 0  # every record with a score is ranked
    elif n <= ALL_WORDS_MAX:
        plan.min_match = n
    else:
        plan.min_match = n - 1
    # below the records with (nearly) all words: those with at least half of the typed words
    n_words = sum(c.size for c in plan.clauses if c.counts)
    plan.backfill_words = max(1, math.ceil(n_words * BACKFILL_SHARE))
    plan.searched = " ".join(c.label for c in plan.clauses)
    _understand(data, pq, plan, match, long_query, dropped)
    return plan


def _loose_contractions(units: list[_Unit]) -> None:
    """A contraction typed without its apostrophe ("doesnt") is a function word like the
    stop words it is made of: it still scores where a record has it, but a record needs it
    neither to be a full match nor to be listed (it does not count as a typed word), unless
    the query has nothing else."""
    loose = [u for u in units if u.single and not u.clause.alternatives[1:]
             and u.words and all(w in _contraction_words() for w in u.words)]
    if len(loose) < len(units):
        for u in loose:
            u.clause.counts = False


@lru_cache(maxsize=1)
def _contraction_words() -> frozenset[str]:
    return frozenset(w for w in contractions() if w not in STOP_WORDS)


def is_question(pq: ParsedQuery) -> bool:
    """A natural-language question ("what causes ...?", "can acupuncture help ...") rather
    than a list of keywords: ranked as a message, not filtered to records with every word."""
    items = pq.items
    if not items:
        return False
    first = items[0].words[0] if items[0].words else ""
    if first in QUESTION_WORDS or "?" in pq.source:
        return True
    # several sentences ("Ear wax. Is it safe to...") are a message, not keywords
    return bool(_SENTENCE_BREAK.search(pq.source))


def _query_weights(data: RankData, clauses: list[Clause],
                   known: dict[str, int | None] | None = None) -> dict[int, float]:
    """Term id -> how much the query means it (1 for typed words; synonyms and corrections
    count their alternative weight) for matching focus names. `known`: term -> its id when
    the corpus has it (else None), filled and read across one query's calls."""
    out: dict[int, float] = {}
    known = {} if known is None else known
    for c in clauses:
        for a in c.alternatives:
            w = 1.0 if a.via == "query" else SYNONYM_WEIGHT * FOCUS_SYNONYM_SHARE
            if a.via == "correction":
                w = a.weight
            for t in a.terms:
                tid = known.get(t, -1)
                if tid == -1:
                    tid = known[t] = _focus_term_id(data, t)
                if tid is not None:
                    out[tid] = max(out.get(tid, 0.0), w)
    return out


def _focus_term_id(data: RankData, t: str) -> int | None:
    """`t`'s term id when some record has it and it is no contraction, else None."""
    tid = data.term_id(t)
    if tid is None or t in _contraction_terms() or not get_scorer(data).term(t)[2]:
        return None
    return tid


@lru_cache(maxsize=1)
def _contraction_terms() -> frozenset[str]:
    """Index terms of contractions typed without the apostrophe ("cant"): never a condition's
    name ("Cant syndrome"), though they are searched as typed."""
    return frozenset(stem(w) for w in contractions() if w not in STOP_WORDS)


class _FocusMatcher:
    """`FocusIndex.match` for one query, remembered: a message asks it twice, before and
    after its common words are dropped, mostly with the same terms (the name entries of
    the first terms are narrowed to the second's, not looked up again)."""

    def __init__(self, data: RankData, upper: frozenset[int]) -> None:
        self.data = data
        self.upper = upper
        self._last: tuple[list[tuple[int, float]], np.ndarray] | None = None
        self._found: tuple[list[int], tuple[np.ndarray, np.ndarray]] | None = None
        self.known: dict[str, int | None] = {}  # the query's terms' ids (`_query_weights`)

    def entries(self, tids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """`FocusIndex.entries(tids)`, from the last terms' when these are among them."""
        fi = focus_index(self.data)
        last = self._found
        if last is not None and last[0] == tids:
            return last[1]
        if last is not None and set(tids) <= set(last[0]):
            found = fi.narrow(last[1], last[0], tids)
        else:
            found = fi.entries(tids)
        self._found = (tids, found)
        return found

    def __call__(self, idf_of_tid: dict[int, float]) -> np.ndarray:
        """Score per focus key (a fresh array: the caller may change it). The same terms in
        the same order give the same scores."""
        key = list(idf_of_tid.items())
        if self._last is None or self._last[0] != key:
            found = self.entries(list(idf_of_tid)) if idf_of_tid else None
            self._last = (key, focus_index(self.data).match(idf_of_tid, self.upper, found))
        return self._last[1].copy()

    def terms_of_keys(self, tids: list[int], is_key: np.ndarray) -> set[int]:
        """`FocusIndex.terms_of_keys` (the entries of the last match reused)."""
        return focus_index(self.data).terms_of_keys(tids, is_key, self.entries(tids))


def _focus_terms(data: RankData, match: _FocusMatcher, units: list[_Unit]) -> set[str]:
    """Terms of the query that belong to the best-matching focus names."""
    if not data.focus_keys:
        return set()
    idf_of_tid = _query_weights(data, [u.clause for u in units], match.known)
    scores = match(idf_of_tid)
    if not len(scores) or scores.max() <= 0:
        return set()
    top = scores >= FOCUS_RELATIVE * scores.max()
    return {data.vocab[t] for t in match.terms_of_keys(list(idf_of_tid), top)}


def _emphasise_subject(pq: ParsedQuery, units: list[_Unit]) -> None:
    """In a message of several sentences, the first one usually names the topic (a subject
    line, "Ear wax. I sometimes..."): its words weigh more."""
    m = _SENTENCE_BREAK.search(pq.source)
    if not m:
        return
    end = m.start() + 1
    if end > SUBJECT_MAX_CHARS:
        return
    for u in units:
        if u.items and u.items[0].start < end:
            u.clause.weight *= SUBJECT_WEIGHT


def _capitals(data: RankData, pq: ParsedQuery) -> frozenset[int]:
    """Term ids of words typed in capitals (acronyms), unless the whole text is shouted."""
    upper: set[int] = set()
    read = [_raw_capitals(item.text) for item in pq.items]
    capitals = [raw for _, caps in read for raw in caps]
    if len(capitals) <= max(2, sum(n for n, _ in read) // 3):
        for raw in capitals:
            if fold(raw) not in STOP_WORDS:
                tid = data.term_id(stem(fold(raw)))
                if tid is not None:
                    upper.add(tid)
    return frozenset(upper)


@lru_cache(maxsize=entries("raw_capitals"))
def _raw_capitals(text: str) -> tuple[int, tuple[str, ...]]:
    """How many words `text` has as typed, and those of them in capitals (read once per
    text: the same words come back in query after query)."""
    raws = WORD_RE.findall(text)
    return len(raws), tuple(raw for raw in raws if len(raw) >= 2 and raw.isupper())


def _focus_feedback(d: RankData, total: np.ndarray, rows: np.ndarray | None = None,
                    scored: np.ndarray | None = None) -> tuple[list[int], list[float]]:
    """Pseudo-relevance feedback on the condition: the foci of the best text matches vote
    (weighted by score); returns the focus keys voted for and a weight in (0, 1] for each
    (every other key weighs 0; records without a focus do not vote).
    `total`: the scores of `rows` (ascending; None: of every row); `scored`: the positions
    in `total` of the scores above 0, when known."""
    if scored is None:
        scored = (total > 0).nonzero()[0]
    if len(scored) == len(total):  # every score counts (a long query's candidates, mostly)
        at, scores = (scored if rows is None else rows), total
    else:
        at, scores = (scored if rows is None else rows[scored]), total[scored]
    top = top_rows(d, at, scores, FEEDBACK_DOCS)  # ties by record id
    if not len(top):
        return [], []
    weights = total[top] if rows is None else total[rows.searchsorted(top)]
    votes: dict[int, float] = {}
    for key, w in zip(d.focus[top].tolist(), weights.tolist(), strict=True):
        if key >= 0:  # summed in the order of `top`, in double precision
            votes[key] = votes.get(key, 0.0) + w
    most = max(votes.values(), default=0.0)
    if most <= 0:
        return [], []
    return list(votes), [v / most for v in votes.values()]


def _merge_repeats(units: list[_Unit]) -> list[_Unit]:
    """A word typed several times is one unit, weighted a little more (emphasis)."""
    seen: dict[tuple, _Unit] = {}
    out = []
    for u in units:
        key = tuple(sorted((a.terms, a.via) for a in u.clause.alternatives))
        if key in seen:
            first = seen[key]
            first.clause.weight = min(REPEAT_MAX, first.clause.weight + REPEAT_BONUS)
            continue
        seen[key] = u
        out.append(u)
    return out


def _unit_df(scorer: Any, u: _Unit) -> int:
    return min((scorer.term(t)[2] or 10**9) for a in u.clause.alternatives for t in a.terms)


def _add_correction(u: _Unit, spell: Any, scorer: Any, plan: Plan) -> None:
    """A word that looks misspelt (`SpellIndex.correct`) and that no expert wrote (unknown
    to the index, or found only in visitors' questions) is searched as typed *and* as
    corrected, when the correction is in at least as many records: "sciatia" also finds
    "sciatica", ranked together (the correction weighs CORRECTION_WEIGHT)."""
    word = u.words[0] if len(u.words) == 1 else None
    if not word:
        return
    fix = spell.correct(word)
    if not fix or fix == word or spell.rare(fix, word):
        return  # a rare term is only offered (did you mean), not searched for the word
    terms = tuple(stem(w) for w in fix.split() if w not in STOP_WORDS)
    if not terms:
        return
    typed_df = max((scorer.term(t)[2] for t in u.stems[0]), default=0)
    if typed_df and spell.counts.get(word, 0):
        return  # the experts wrote it too: a rare word, not a visitor's slip ("filler")
    fix_df = min(scorer.term(t)[2] for t in terms)
    if fix_df == 0 or (typed_df and fix_df < typed_df):
        return
    if typed_df:
        # ranked together: the misspelling is rare because it is a misspelling, so it
        # weighs no more than the word meant ("accupuncture" is not a rarer "acupuncture")
        typed = u.clause.alternatives[0]
        typed.weight *= min(1.0, scorer.data.idf(fix_df) / scorer.data.idf(typed_df))
    u.clause.alternatives.append(
        Alternative(terms=terms, weight=CORRECTION_WEIGHT, text=fix, via="correction")
    )
    plan.corrections[word] = fix


def _with_empty_slot(per_key: np.ndarray, dtype: type = np.float32) -> np.ndarray:
    """`per_key` with a last slot of 0 (what a row without a focus, -1, reads)."""
    out = np.zeros(len(per_key) + 1, dtype)
    out[:-1] = per_key
    return out


def _shared(cond: np.ndarray, share: float) -> np.ndarray:
    """`share` of each condition score, with a last slot of 0: the float64 products stored
    as float32 (as `(share * _with_empty_slot(cond, np.float64)).astype(np.float32)` makes
    them, in one pass and without the float64 copies)."""
    out = np.zeros(len(cond) + 1, np.float32)
    np.multiply(cond, share, out=out[:-1], dtype=np.float64, casting="same_kind")
    return out


def _best_foci(key_scores: np.ndarray, shown: int = 3, floor: float = 0.3) -> list[int]:
    """The `shown` best focus keys scoring above `floor`, best first, in the order of a full
    `np.argsort(-key_scores)`: sorting only the few keys above the floor orders them the
    same unless two tie (the full sort then decides how ties are shown)."""
    above = (key_scores > floor).nonzero()[0].tolist()
    values = key_scores[above].tolist()
    if len(set(values)) == len(values):
        best = sorted(range(len(values)), key=values.__getitem__, reverse=True)[:shown]
        return [above[i] for i in best]
    return [int(k) for k in np.argsort(-key_scores)[:shown] if key_scores[k] > floor]


def _described(data: RankData, plan: Plan, fscore: np.ndarray, cond: np.ndarray) -> None:
    """Count the conditions the query's words describe surely enough (CONDITION_FULL) as
    named for listing (`plan.about`), and say which (`understood["described"]`)."""
    keys = (cond >= CONDITION_FULL).nonzero()[0]
    if not len(keys):
        return
    about = fscore.copy()
    about[keys] = np.maximum(about[keys], 1.0)
    plan.about = about
    best = keys[(-cond[keys]).argsort(kind="stable")][:3]
    plan.understood["described"] = [data.focus_names[k] for k in best]


def _understand(data: RankData, pq: ParsedQuery, plan: Plan, match: _FocusMatcher,
                long_query: bool, dropped: list[str]) -> None:
    """Detect the condition (focus) and the question type, and set the boosts."""
    idf_of_tid = _query_weights(data, plan.clauses, match.known)
    if data.focus_keys:
        key_scores = match(idf_of_tid)
        top = key_scores.max() if len(key_scores) else 0.0  # (a float32, as compared)
        if top > 0:
            key_scores[key_scores < FOCUS_RELATIVE * top] = 0.0
    else:
        key_scores = np.zeros(0, np.float32)
    foci = [(data.focus_names[k], round(float(key_scores[k]), 3))
            for k in _best_foci(key_scores)]
    text = " ".join(w for item in pq.items for w in item.words)
    asked = question_types(text)
    qtypes = with_related(asked, set(data.qtypes))
    plan.understood = {
        "mode": "message" if long_query else ("all words" if plan.min_match == len(plan.clauses)
                                             else "most words"),
        "focus": [name for name, _ in foci],
        "qtype": [label for label, _ in asked],
        "terms": [c.label for c in plan.clauses],
    }
    if dropped:
        plan.understood["ignored"] = dropped
    if not data.focus_keys and not qtypes:
        return
    qconf = np.zeros(len(data.qtypes) + 1, np.float32)  # last slot: records without a type
    for label, conf in qtypes:
        qconf[data.qtypes.index(label)] = conf
    if "information" in data.qtypes:  # the overview answer is a safe bet for any question
        i = data.qtypes.index("information")
        qconf[i] = max(qconf[i], INFORMATION_PRIOR)
    fscore = _with_empty_slot(key_scores)  # index -1 -> 0
    plan.about = fscore
    n_keys = len(data.focus_keys)
    share = CONDITION_SHARE_LONG if long_query else CONDITION_SHARE
    cond = condition_scores(data, idf_of_tid, match.upper) if share > 0 else None
    cscore = None if cond is None else _shared(cond, share)

    base = fscore if cscore is None else np.maximum(fscore, cscore)  # (max is exact)
    asked_tids = frozenset(idf_of_tid)
    titled = title_coverage(data, idf_of_tid, TITLE_RELATIVE) if TITLE_NAMED <= 1 else None
    titled_rows = None if titled is None else np.flatnonzero(titled >= TITLE_NAMED)
    if (CONDITION_FULL > 0 and cond is not None and not long_query
            and len(idf_of_tid) >= MIN_SUPPORT):  # (one word is a name: the gazetteer's)
        _described(data, plan, fscore, cond)

    def boost(d: RankData, total: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The boost of each score of `total`: of every row, or of `rows` (ascending: the
        only rows that can score, as execute gives them)."""
        best = float(total.max()) if len(total) else 0.0
        if best <= 0:
            return np.zeros_like(total)
        per_key = base  # per focus key (and a 0 slot for -1), then one gather per row
        scored = (total > 0).nonzero()[0]  # only records with a score get a boost
        every = len(scored) == len(total)
        if FEEDBACK_BOOST > 0 and n_keys:
            keys, weights = _focus_feedback(d, total, rows, scored)
            if keys:  # only the few keys voted for change
                per_key = base.copy()
                fb = FEEDBACK_BOOST * np.asarray(weights, np.float32)
                per_key[keys] = np.maximum(per_key[keys], fb)
        if NARROWER_FACTOR != 1.0 and n_keys and not long_query:
            unasked = focus_index(d).narrower_unasked(per_key, asked_tids)
            if unasked:
                per_key = per_key.copy() if per_key is base else per_key
                per_key[unasked] *= NARROWER_FACTOR
        at = scored if rows is None else (rows if every else rows[scored])
        few = _boosted(d, per_key, at, titled_rows)
        if few is not None:  # the same values, at the few places that get any
            at = at[few]
            scored = few if every else scored[few]
            every = False
        f = per_key[d.focus[at]]
        q = qconf[d.qtype[at]]
        named = f > 0.3
        if titled is not None:  # a record without a focus: its title names the condition
            named |= titled[at] >= TITLE_NAMED
        if QTYPE_WITHOUT_FOCUS == 0.0:  # (the same float64 products, without np.where)
            q = np.multiply(q, named, dtype=np.float64)
        else:
            q = q * np.where(named, 1.0, QTYPE_WITHOUT_FOCUS)
        values = best * (FOCUS_BOOST * f + QTYPE_BOOST * q)
        if every:  # (as stored into a float32 array)
            return values.astype(np.float32)
        out = np.zeros(len(total), np.float32)
        out[scored] = values
        return out

    plan.boost = boost


BOOST_SPARSE_SHARE = 4  # the boost reads only the rows it can raise when they are at most a
# quarter of those scored (a handful, mostly: the rows of the conditions named or described)


def _boosted(d: RankData, per_key: np.ndarray, at: np.ndarray, titled_rows: np.ndarray | None
             ) -> np.ndarray | None:
    """Which of the scored rows `at` (ascending) can get a boost, as positions in `at`: a
    row gets none unless its condition is boosted (`per_key` > 0) or its title names the
    query's condition (`titled_rows`), the question-type boost reaching only such rows
    (QTYPE_WITHOUT_FOCUS 0). None when that does not hold or they are many (then every row
    is computed: the same values)."""
    if QTYPE_WITHOUT_FOCUS != 0.0 or not len(at):
        return None
    keys = (per_key[:-1] > 0).nonzero()[0]  # (array methods: numpy's wrappers cost more)
    fi = focus_index(d)
    ptr = fi.key_row_ptr
    sizes = ptr[keys + 1] - ptr[keys]
    many = int(sizes.sum()) + (0 if titled_rows is None else len(titled_rows))
    if many * BOOST_SPARSE_SHARE > len(at):
        return None
    rows = fi.rows_of_keys(keys)
    if titled_rows is not None and len(titled_rows):  # (rows without a focus: no key's)
        rows = np.concatenate([rows, titled_rows])
    p = at.searchsorted(rows)
    p[p == len(at)] = 0  # (a row past the last scored one: not among them)
    return p[at[p] == rows]  # (distinct: each row is one key's, or titled)

