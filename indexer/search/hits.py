"""From ranked rows to a `SearchResult`: stored records, snippets, matched terms, "Also in"
entries, facets (`indexer.search.facets`) and notices for one page of hits.

Which fields of a hit have each query term comes from the ranking arrays (one lookup per
term and field for the whole page); the records themselves are Whoosh's stored JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from indexer.index.caches import budget, byte_lru, scaled_budget
from indexer.index.ranking import RankData
from indexer.index.store import Generation, Session
from indexer.index.terms import FIELDS
from indexer.index.wordspans import SpanCache
from indexer.records import Record
from indexer.results import Elsewhere, Hit, Match, SearchResult, match
from indexer.search.distinct import duplicates_of
from indexer.search.execute import Outcome, Ranked
from indexer.search.facets import facets_of_rows
from indexer.search.padding import near_topics
from indexer.search.plan import LONG_QUERY_UNITS, Plan
from indexer.search.scoring import get_scorer
from indexer.search.snippets import fragment, highlight

QUESTION_SNIPPET_CHARS = 300
RECORD_CACHE_BYTES = budget("records")  # decoded records kept per generation (4 MB by default;
# hits of recent searches; repeated searches are answered by the web layer's result cache):
# ~1,000 MedQuAD records (3.9 kB each on average, by `record_bytes`; one costs ~25 us to
# decode again).
# bench/memory.py's 156 queries show records holding 3.5 MB: all kept, as with 8 MB.
# A decoded record's bytes: its texts' own sizes, plus the object, its dicts and lists (fitted
# on MedQuAD records against `caches.sizeof`, which walks every member: within 3% for 98% of
# them, and ~50 times quicker, where sizeof cost more than decoding the record)
RECORD_BYTES_BASE = 1420
RECORD_BYTES_PER_ITEM = 82
_RECORD_TEXTS = ("answer", "question", "title", "url", "source", "item_id", "focus", "qtype")


def record_at(s: Session, row: int) -> Record:
    """The stored record of `row`, decoded afresh (callers may change it)."""
    stored = s.searcher.stored_fields(int(row))
    return Record.from_dict(json.loads(stored["record"]))


def _cached_record(s: Session, row: int) -> Record:
    """The stored record of `row` from the generation's LRU of decoded records (shared:
    only read it). Reading and decoding the stored JSON was ~5% of a search."""
    return _record_loader(s)(int(row))


def _record_loader(s: Session) -> Callable[[int], Record]:
    """`_cached_record` of the session's generation as a function of the row (fetched once
    for a page of hits)."""
    gen = s.gen
    # the loader reads through the calling thread's own searcher
    return gen.cached("records", lambda: byte_lru(RECORD_CACHE_BYTES, record_bytes)(
        lambda r: Record.from_dict(json.loads(gen.searcher().stored_fields(r)["record"]))))


def record_bytes(rec: Record) -> int:
    """An estimate of the memory a decoded record holds (see RECORD_BYTES_BASE)."""
    items = (len(rec.categories) + sum(map(len, rec.categories)) + len(rec.synonyms)
             + len(rec.urls) + len(rec.cuis) + len(rec.flags))
    return (RECORD_BYTES_BASE + RECORD_BYTES_PER_ITEM * items
            + sum(sys.getsizeof(getattr(rec, f)) for f in _RECORD_TEXTS))


# field sets by bit mask (bit i: FIELDS[i]), in FIELDS order
_FIELD_SETS = [tuple(f for i, f in enumerate(FIELDS) if m >> i & 1)
               for m in range(1 << len(FIELDS))]


FORWARD_MIN_TERMS = 10  # from this many query terms, field masks come from the page rows
# (measured on bench/search_latency.py's MedQuAD searches, warm: ~3.3 µs a term by the
# scorer's rows and fields, ~35-50 µs a page by rows; equal at ~12 terms, and a term's
# fields are worked out once, the first time it lists a page)


def _field_masks(data: RankData, terms: Iterable[str], rows: np.ndarray
                 ) -> dict[str, list[int]]:
    """Per term, a bit mask per row of `rows` of the fields (FIELDS order) that have it (as
    Python ints, read once per hit and alternative). A few terms: one `searchsorted` per
    term over its rows, their fields' bits kept by the scorer (`Scorer.fields_of`); many (a
    message): each field's terms of the page's rows, looked up at once (a cost per field,
    not per term)."""
    terms = list(terms)
    if len(terms) >= FORWARD_MIN_TERMS and len(rows):
        return _masks_from_rows(data, terms, rows)
    scorer = get_scorer(data)
    out = {}
    page = None  # the page's rows in the term rows' dtype (a search over rows of another
    # dtype would first copy the whole list)
    for t in terms:
        trows = scorer.term(t)[0]  # (every row of the term, with its fields' bits)
        if not len(trows):
            out[t] = [0] * len(rows)
            continue
        if page is None or page.dtype != trows.dtype:
            page = rows.astype(trows.dtype)
        at = trows.searchsorted(page)
        found = trows.take(at, mode="clip") == page
        out[t] = (scorer.fields_of(t).take(at, mode="clip") * found).tolist()
    return out


def _masks_from_rows(data: RankData, terms: list[str], rows: np.ndarray
                     ) -> dict[str, list[int]]:
    """`_field_masks` from the forward lists (the term ids of each row and field): every
    field's term ids of the page's rows gathered, then looked up among the query's at once."""
    ids = [data.term_id(t) for t in terms]
    known = sorted({i for i in ids if i is not None})
    n = len(rows)
    masks = np.zeros((len(known) + 1, n), np.int64)  # the last line: unknown terms
    if known:
        ends = np.concatenate((rows, rows + 1))
        forward = [data.fwd[f][:2] for f in FIELDS]  # (ptr, term ids) of each field
        bounds = [ptr[ends].astype(np.int64) for ptr, _ in forward]
        starts = np.concatenate([b[:n] for b in bounds])  # field by field, row by row
        sizes = np.concatenate([b[n:] for b in bounds]) - starts
        # every (field, row of the page, term id) entry: its place in its field's list
        offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes)
        offsets += np.arange(len(offsets))
        counts = sizes.reshape(len(FIELDS), n).sum(axis=1).tolist()
        page_tids = np.empty(len(offsets), np.int64)
        a = 0
        for (_, tids), c in zip(forward, counts, strict=True):
            if c:
                page_tids[a:a + c] = tids[offsets[a:a + c]]
            a += c
        want = np.asarray(known, np.int64)
        k = want.searchsorted(page_tids)
        hit = want.take(k, mode="clip") == page_tids
        owner = np.repeat(np.arange(len(sizes)) % n, sizes)  # the row of each entry
        bits = np.repeat(np.left_shift(1, np.arange(len(FIELDS), dtype=np.int64)), counts)
        # (a term in several fields of a row: each field's bit joins the same cell)
        np.bitwise_or.at(masks, (k[hit], owner[hit]), bits[hit])
    line = {tid: i for i, tid in enumerate(known)}
    lines = masks.tolist()  # (read only: terms the index does not know share the last)
    return {t: lines[line[tid] if tid is not None else len(known)]
            for t, tid in zip(terms, ids, strict=True)}


def _plan_terms(plan: Plan) -> list[str]:
    return list(dict.fromkeys(t for c in plan.clauses for a in c.alternatives for t in a.terms))


class _PageMatches:
    """What the page's hits report as matches, worked out once per page: every (term, word
    to show, via) of the plan's alternatives in order, as one flat list read per hit, and
    the alternatives that need all of their words (or the phrase) as gates."""

    def __init__(self, plan: Plan, ranked: Ranked, masks: dict[str, list[int]]) -> None:
        terms = list(masks)
        column = {t: i for i, t in enumerate(terms)}
        # per page position, the field mask of every term (a tuple, read by column)
        self.by_position = list(zip(*(masks[t] for t in terms), strict=True)) if terms else []
        self.items: list[tuple[int, int, str, str, str]] = []  # (gate, column, stem, term, via)
        self.gates: list[tuple[tuple[int, ...], object]] = []  # (columns, phrase mask)
        for clause in plan.clauses:
            for alt in clause.alternatives:
                gate = -1
                if alt.exact or alt.phrase:
                    # True: not a phrase; None: a phrase no record has
                    phrase = ranked.phrases.get(alt.terms) if alt.phrase else True
                    gate = len(self.gates)
                    self.gates.append((tuple(column[t] for t in alt.terms), phrase))
                self.items.extend((gate, column[t], t, plan.surface.get(t, alt.text or t),
                                   alt.via) for t in alt.terms)
        keys = [(t, via) for _, _, t, _, via in self.items]
        self.repeats = len(set(keys)) < len(keys)  # a (stem, via) twice: report it once
        # without gates, what a hit reports depends on its field masks alone: worked out
        # once per distinct masks of the page (most of a page's hits share them)
        self._by_fields: dict[tuple[int, ...], list[tuple[str, str, str, int]]] | None = (
            None if self.gates else {})

    def of(self, row: int, at: int) -> list[Match]:
        """The query terms that count for `row` (at position `at` of the page): an
        alternative that needs all of its words (or the phrase) is reported only when the
        record has them ("needles" alone is not a match of "pins and needles")."""
        fields = self.by_position[at]
        seen = self._by_fields
        if seen is not None:
            found = seen.get(fields)
            if found is None:
                found = seen[fields] = self._found(row, fields)
        else:
            found = self._found(row, fields)
        return [match(term, t, list(_FIELD_SETS[m]), via) for t, term, via, m in found]

    def _found(self, row: int, fields: tuple[int, ...]) -> list[tuple[str, str, str, int]]:
        """(stem, term, via, field mask) of each match of `row`, whose field masks (one per
        query term) are `fields`."""
        open_ = [all(fields[c] for c in cols) and (phrase is True or (
                     phrase is not None and bool(phrase[row])))  # type: ignore[index]
                 for cols, phrase in self.gates]
        found = [(t, term, via, fields[c]) for gate, c, t, term, via in self.items
                 if fields[c] and (gate < 0 or open_[gate])]
        if self.repeats:
            seen: set[tuple[str, str]] = set()
            found = [f for f in found if (f[0], f[2]) not in seen
                     and not seen.add((f[0], f[2]))]  # type: ignore[func-returns-value]
        return found


def _hit(s: Session, row: int, rank: int, wanted: _PageMatches, ranked: Ranked,
         in_answer: _StemMasks, at: int, score: float, stems: frozenset[str],
         spans: SpanCache, load: Callable[[int], Record]) -> Hit:
    """One hit; `stems`: those of `ranked.stems` (its IDFs weigh the snippet's words);
    `in_answer`: their field masks (`_stem_masks`); `spans`: where the stems' words are in
    the generation's answers (found once per answer: a question, a sentence or two, is
    scanned again, which costs less than keeping it: see SPAN_CACHE_BYTES); `load`: the
    generation's `_record_loader`."""
    rec = load(row)
    question = rec.display_question
    if len(question) > QUESTION_SNIPPET_CHARS:
        qparts = fragment(question, stems, max_chars=QUESTION_SNIPPET_CHARS,
                          weights=ranked.stems)
    else:
        qparts = highlight(question, stems)
    return Hit(
        id=rec.id,
        question=question,
        title=rec.title,
        categories=[list(p) for p in rec.categories],
        url=rec.url,
        source=rec.source,
        score=round(score, 4),
        rank=rank,
        question_parts=qparts,
        answer_parts=fragment(rec.answer, stems, weights=ranked.stems,
                              present=_in_field(in_answer, at, _ANSWER_BIT),
                              memo=spans.memo((row, "answer"))),
        matches=wanted.of(row, at),
        flags=list(rec.flags),
        also_in=[_elsewhere(s, r) for r in duplicates_of(s.data, row, ranked.matched,
                                                          ranked.also.get(row, ()))],
    )


_ANSWER_BIT = 1 << FIELDS.index("answer")
SPAN_CACHE_BYTES = budget("spans")  # where the looked-for stems' words are in recent hits' answers
# (2 MB by default)
# (`indexer.index.wordspans`; a larger generation keeps more: `caches.scaled_budget`): the
# ~700 answers of bench/search_latency.py's 156 queries take 1.25 MB (estimated); a warm
# search then reads its snippets' words instead of scanning the answers (callgrind, one pass
# of those queries after one: short -11%, long -10% instructions). Questions are not kept:
# keeping them too saved another 2.5% of a warm pass but cost 3% of a first one (a memo and
# its empty entries for every question met, and the full collections of the cyclic GC that
# its objects bring on), more than scanning a sentence again.


_StemMasks = list[tuple[str, "list[int] | None"]]  # (stem, its field mask per page position)


def _stem_masks(stems: frozenset[str], masks: dict[str, list[int]]) -> _StemMasks:
    """Each of `stems` with its field masks (None: a stem without any), once per page."""
    return [(t, masks.get(t)) for t in stems]


def _in_field(stem_masks: _StemMasks, at: int, bit: int) -> frozenset[str]:
    """The stems the field of `bit` has at page position `at` (by the field masks; a stem
    without a mask is kept): the answer's words are its field's terms, so a stem the index
    does not list for it is in none of its words."""
    return frozenset([t for t, m in stem_masks if m is None or m[at] & bit])


BRIEF_CACHE_BYTES = budget("briefs")  # "Also in" entries kept per generation (1 MB by default):
# ~3,500 of MedQuAD's (a larger generation keeps more, in proportion: `caches.scaled_budget`)
Brief = tuple[str, str, str, str]  # a record's id, display question, url and source


def _elsewhere(s: Session, row: int) -> Elsewhere:
    """Where else a hit's answer is: made from the copy's `Brief` (kept per generation: a
    hit's copies are named again by every search that lists it, and decoding a stored
    record costs more than building the rest of a hit; at 10x MedQuAD, where every hit has
    nine copies, that was half of a short query's time)."""
    gen = s.gen
    load = gen.cached("briefs", lambda: byte_lru(
        scaled_budget(BRIEF_CACHE_BYTES, s.data.n_rows), brief_bytes)(
        lambda r: _brief(gen, r)))
    rid, question, url, source = load(int(row))
    return Elsewhere(id=rid, question=question, url=url, source=source)


def _brief(gen: Generation, row: int) -> Brief:
    """`row`'s Brief: from its decoded record when that is cached, else from the stored
    JSON's four fields alone (not made into a `Record`, nor kept as one: a copy is seldom
    opened, and would push the hits' own records out of their cache)."""
    records = gen.cache.get("records")
    rec = records.cache.get((row,)) if records is not None else None
    if rec is None:
        raw = json.loads(gen.searcher().stored_fields(row)["record"])
        brief = (raw.get("id"), raw.get("question") or "", raw.get("title") or "",
                 raw.get("url") or "", raw.get("source") or "")
        if all(isinstance(v, str) for v in brief):  # else as `Record.from_dict` coerces
            rid, question, title, url, source = brief
            return rid, _display_question(_Heading(question, title)), url, source
        rec = Record.from_dict(raw)
    return rec.id, rec.display_question, rec.url, rec.source


class _Heading(NamedTuple):
    question: str
    title: str


_display_question = Record.display_question.fget  # (the record's own rule, on the two texts)


def brief_bytes(brief: Brief) -> int:
    return sys.getsizeof(brief) + sum(map(sys.getsizeof, brief))


def empty_result(query: str, limit: int, offset: int, category: list[str] | None,
                 notices: list[str]) -> SearchResult:
    return SearchResult(query=query, searched="", total=0, offset=offset, limit=limit, hits=[],
                        category=category, notices=notices)


def build_result(s: Session, typed: str, out: Outcome, category: list[str] | None,
                 limit: int, offset: int) -> SearchResult:
    """The page [offset, offset + limit) of a query's outcome (which has a plan)."""
    plan, ranked, pq = out.plan, out.ranked, out.parsed
    assert plan is not None and ranked is not None
    page = ranked.rows[offset: offset + limit]
    hits = []
    if len(page):
        masks = _field_masks(s.data, _plan_terms(plan), page)
        stems = frozenset(ranked.stems)  # (made once for the page's twenty snippets)
        wanted = _PageMatches(plan, ranked, masks)
        spans = s.gen.cached("spans", lambda: SpanCache(
            scaled_budget(SPAN_CACHE_BYTES, s.data.n_rows)))
        load = _record_loader(s)
        in_answer = _stem_masks(stems, masks)
        hits = [_hit(s, row, offset + i + 1, wanted, ranked, in_answer, i, score, stems, spans,
                     load)
                for i, (row, score) in enumerate(zip(page.tolist(),
                                                     ranked.score_of(page).tolist(), strict=True))]
    notices = list(pq.notices) + list(plan.notices)
    if plan.corrections and not out.corrected:
        fixes = ", ".join(f"“{fix}”" for fix in dict.fromkeys(plan.corrections.values()))
        notices.append(f"Including results for {fixes}.")
    some = ranked.total - ranked.complete - ranked.about
    named = list(dict.fromkeys(plan.understood.get("focus", [])
                               + plan.understood.get("described", [])))
    topic = " or ".join(named[:2]) or "the condition you named"
    if ranked.relaxed:
        notices.append("No answer contains all of your words; showing answers that match "
                       "some of them.")
    elif ranked.about and plan.min_match > 0:
        first = (f"{_answers(ranked.complete)} with all of your words and "
                 if ranked.complete else "No answer contains all of your words: ")
        notices.append(f"{first}{_answers(ranked.about)} about {topic}"
                       + (f", then {_answers(some)} with some of your words." if some else "."))
    elif some and plan.min_match > 0:
        notices.append(f"{_answers(ranked.complete)} with all of your words, then "
                       f"{_answers(some)} with some of them.")
    if ranked.unmatched and (len(plan.clauses) < LONG_QUERY_UNITS or not ranked.total):
        names = " or ".join(f"“{w}”" for w in ranked.unmatched)
        notices.append(f"No answers mention {names}"
                       + (": these answers have your other words." if ranked.total else "."))
    topics = []
    if ranked.unmatched and not ranked.total:
        # where the other words lead: the distinctive ones if any matched, else any
        near = ranked.distinct if ranked.distinct is not None and ranked.distinct.any() else None
        topics = near_topics(s.data, ranked.scores if near is None else ranked.scores * near)
    understood = dict(plan.understood)
    if plan.min_match > 0:  # keyword queries (a message ranks every record with a score)
        # the first level of the list: records with all the words, or about the condition
        # named (`about_condition` of them); then those with some of the words
        understood["all_words"] = ranked.complete + ranked.about
        understood["some_words"] = some
        if ranked.about:
            understood["about_condition"] = ranked.about
    return SearchResult(
        query=typed,
        searched=plan.searched,
        total=ranked.total,
        offset=offset,
        limit=limit,
        hits=hits,
        did_you_mean=out.did_you_mean,
        corrected=out.corrected,
        synonyms=list(plan.synonyms),
        facets=facets_of_rows(s, ranked.matched_rows()),
        category=category,
        understood=understood,
        notices=notices,
        unmatched=list(ranked.unmatched),
        topics=topics,
    )


def _answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"
