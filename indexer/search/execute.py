"""Search over a session of `IndexStore`: plain results for views, API, CLI and eval.

    with store.searcher() as s:
        result = search(s, "lower back pain after epidural", limit=10)

`search` never raises for any query text; it raises `QueryError` for a bad limit, offset or
category. The query is parsed (`indexer.search.query`), understood (condition, question type,
synonyms, spelling) and scored over precomputed arrays (`indexer.index.ranking`); Whoosh checks
quoted phrases and returns the stored records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from whoosh import query as wq

from indexer.index.ranking import FIELDS, RankData
from indexer.index.store import Session
from indexer.records import Record
from indexer.results import CategoryNode, Facet, Hit, Match, QueryError, SearchResult
from indexer.search.plan import Plan, plan_query
from indexer.search.query import ParsedQuery, clean_text, parse
from indexer.search.scoring import get_scorer
from indexer.search.snippets import fragment, highlight
from indexer.text.analysis import STOP_WORDS, stem, words
from indexer.text.spelling import correct_query, spell_index
from indexer.text.synonyms import lay_terms

MAX_LIMIT = 100
MAX_OFFSET = 10_000
FACET_LIMIT = 50
QUESTION_SNIPPET_CHARS = 300


# --------------------------------------------------------------------------- validation
def _check_paging(limit: Any, offset: Any) -> tuple[int, int]:
    try:
        limit_i = int(limit)
        offset_i = int(offset)
    except (TypeError, ValueError) as exc:
        raise QueryError("limit and offset must be whole numbers") from exc
    if isinstance(limit, float) and not float(limit).is_integer():
        raise QueryError("limit must be a whole number")
    if not 1 <= limit_i <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset_i <= MAX_OFFSET:
        raise QueryError(f"offset must be between 0 and {MAX_OFFSET}")
    return limit_i, offset_i


def _check_category(category: Any) -> list[str] | None:
    if category is None:
        return None
    if isinstance(category, str):
        category = [category]  # one name (names may contain "/": "back / spine")
    if not isinstance(category, (list, tuple)) or not all(isinstance(p, str) for p in category):
        raise QueryError("category must be a list of category names (a path)")
    path = [p.strip() for p in category if p.strip()]
    if not path:
        return None
    if len(path) > 20 or any(len(p) > 200 for p in path):
        raise QueryError("category path is too long")
    return path


# --------------------------------------------------------------------------- execution
@dataclass
class Ranked:
    rows: np.ndarray  # matching rows, best first (only the first `need` are sorted)
    scores: np.ndarray  # dense scores per row
    total: int  # rows listed (full matches, then partial ones), in the category
    matched: np.ndarray  # bool per row, before the category filter (for facets)
    relaxed: bool = False  # no record has all the words: only partial matches are listed
    stems: dict[str, float] = field(default_factory=dict)  # stem -> idf, for snippets
    complete: int = 0  # of `total`, full matches (all words; in a long query, all listed)
    phrases: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)  # phrase masks


def category_rows(data: RankData, path: Sequence[str]) -> np.ndarray:
    """Bool mask of rows filed under `path` (case-insensitive, any depth below it)."""
    want = [p.casefold() for p in path]
    ids = [i for i, p in enumerate(data.paths) if [x.casefold() for x in p] == want]
    mask = np.zeros(data.n_rows, dtype=bool)
    if ids:
        hit = np.isin(data.cat_ids, np.asarray(ids, dtype=np.int32))
        mask[data.cat_rows[hit]] = True
    return mask & data.live


PHRASE_CACHE_SIZE = 512


def _phrase_mask(s: Session, stems: Sequence[str]) -> np.ndarray:
    """Bool per row: `stems` occur as a phrase in some field (Whoosh positions). Cached per
    generation: lay terms and their synonyms are few and come back often."""
    key = ("phrase", tuple(stems))
    cache = s.gen.cache
    hit = cache.get(key)
    if hit is not None:
        return hit
    data = s.data
    mask = np.zeros(data.n_rows, dtype=bool)
    # Whoosh only when some record has every word, and only in the fields that may have
    # the phrase (looking for positions is most of the cost)
    fields = [f for f in FIELDS if _may_have(s, f, stems)] if _cooccur(data, stems).any() else []
    if fields:
        q = wq.Or([wq.Phrase(f, list(stems)) for f in fields])
        docs = list(s.searcher.docs_for_query(q))
        if docs:
            mask[np.asarray(docs, dtype=np.int64)] = True
    mask.flags.writeable = False
    with s.gen.lock:
        n_cached = cache.get("phrase_count", 0)
        if n_cached >= PHRASE_CACHE_SIZE:
            for k in [k for k in cache if isinstance(k, tuple) and k[:1] == ("phrase",)]:
                del cache[k]
            n_cached = 0
        cache[key] = mask
        cache["phrase_count"] = n_cached + 1
    return mask


def _cooccur(data: RankData, stems: Sequence[str]) -> np.ndarray:
    """Bool per row: every stem occurs in the record (any field)."""
    scorer = get_scorer(data)
    count = np.zeros(data.n_rows, np.int16)
    uniq = set(stems)
    for t in uniq:
        count[scorer.term(t)[0]] += 1
    return count == len(uniq)


# Fields whose ranking terms are exactly the terms Whoosh indexed (the question and category
# of a structured record are scored on part of their words only: see ranking.vectorise).
_EXACT_TERM_FIELDS = frozenset({"title", "focus", "answer"})


def _may_have(s: Session, f: str, stems: Sequence[str]) -> bool:
    """False when no record can have the phrase `stems` in field `f`: in the fields whose
    ranking postings are Whoosh's, no record has every stem; in the others, some stem is
    not indexed in the field at all."""
    uniq = list(dict.fromkeys(stems))
    if f not in _EXACT_TERM_FIELDS:
        reader = s.searcher.reader()
        return all((f, t) in reader for t in uniq)
    rows: np.ndarray | None = None
    for t in uniq:
        r, _ = s.data.postings(f, t)
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
    `plan.backfill_words` of the typed words, by how many they have, then by score."""
    data = s.data
    scorer = get_scorer(data)
    n = data.n_rows
    total = np.zeros(n, np.float32)
    hits = np.zeros(n, np.int16)
    cover = np.zeros(n, np.int16)
    required = np.ones(n, dtype=bool)
    stems: dict[str, float] = {}
    phrases = {alt.terms: _phrase_mask(s, alt.terms)
               for clause in plan.clauses for alt in clause.alternatives if alt.phrase}
    counting = plan.min_match > 0  # a long query ranks every record with a score
    for clause in plan.clauses:
        sc, ok = scorer.clause_match(clause, phrases)
        total += sc
        if clause.counts and counting:
            hits += ok
            if clause.size == 1:
                cover += ok
            else:
                cover[ok] += np.int16(clause.size)
        if clause.required:
            required &= ok
        for alt in clause.alternatives:
            for t in alt.terms:
                _, _, df = scorer.term(t)
                if df:
                    stems[t] = data.idf(df)
    for ph in plan.phrases:
        required &= _phrase_mask(s, ph)
    allowed = data.live.copy()
    for ph in plan.negated:
        allowed &= ~(_phrase_mask(s, ph) if len(ph) > 1 else _term_mask(data, ph))
    if plan.boost is not None:
        total += plan.boost(data, total)
    base = allowed & required & (total > 0)
    full = base & (hits >= plan.min_match)
    partial = base & ~full & (cover >= plan.backfill_words)
    matched = full | partial
    in_cat = matched & category_rows(data, category) if category else matched
    rows = np.flatnonzero(in_cat)
    count = len(rows)
    complete = int(np.count_nonzero(full[rows]))
    # order: full matches first, then partial ones by words matched; score within each level
    level = np.where(full[rows], np.int32(np.iinfo(np.int16).max), cover[rows].astype(np.int32))
    key = level.astype(np.float64) * (float(total.max(initial=0.0)) + 1.0) + total[rows]
    if count > need:
        part = np.argpartition(-key, need - 1)[:need]
        # keep every row tied with the last one, so pages never depend on `need`
        keep = key >= key[part].min()
        rows, key = rows[keep], key[keep]
    order = np.lexsort((rows, -key))  # best first, then row for stable ties
    return Ranked(rows=rows[order], scores=total, total=count, matched=matched,
                  relaxed=complete == 0 and count > 0 and plan.min_match > 0, stems=stems,
                  complete=complete, phrases=phrases)


# --------------------------------------------------------------------------- results
RECORD_CACHE_SIZE = 2048  # decoded records kept per generation (hits of recent searches)


def _record_at(s: Session, row: int) -> Record:
    """The stored record of `row`, decoded afresh (callers may change it)."""
    stored = s.searcher.stored_fields(int(row))
    return Record.from_dict(json.loads(stored["record"]))


def _cached_record(s: Session, row: int) -> Record:
    """The stored record of `row` from the generation's LRU of decoded records (shared:
    only read it). Reading and decoding the stored JSON was ~5% of a search."""
    gen = s.gen
    load = gen.cache.get("records")
    if load is None:
        with gen.lock:
            load = gen.cache.get("records")
            if load is None:
                # the generation never changes, so a decoded record stays valid with it; the
                # loader reads through the calling thread's own searcher
                load = gen.cache["records"] = lru_cache(maxsize=RECORD_CACHE_SIZE)(
                    lambda r: Record.from_dict(json.loads(gen.searcher().stored_fields(r)[
                        "record"])))
    return load(int(row))


# field sets by bit mask (bit i: FIELDS[i]), in FIELDS order
_FIELD_SETS = [tuple(f for i, f in enumerate(FIELDS) if m >> i & 1)
               for m in range(1 << len(FIELDS))]


def _field_masks(data: RankData, terms: Iterable[str], rows: np.ndarray
                 ) -> dict[str, np.ndarray]:
    """Per term, a bit mask per row of `rows` of the fields (FIELDS order) that have it: one
    `searchsorted` per term and field for a whole page of hits."""
    out = {}
    for t in terms:
        mask = np.zeros(len(rows), np.int64)
        for i, f in enumerate(FIELDS):
            prow, _ = data.postings(f, t)
            if not len(prow):
                continue
            at = np.minimum(prow.searchsorted(rows), len(prow) - 1)
            mask |= (prow[at] == rows).astype(np.int64) << i
        out[t] = mask
    return out


def _plan_terms(plan: Plan) -> list[str]:
    return list(dict.fromkeys(t for c in plan.clauses for a in c.alternatives for t in a.terms))


def _matches(data: RankData, row: int, plan: Plan, ranked: Ranked,
             masks: dict[str, np.ndarray] | None = None, at: int = 0) -> list[Match]:
    """The query terms that count for `row`: an alternative that needs all of its words (or
    the phrase) is reported only when the record has them ("needles" alone is not a match
    of "pins and needles"). `masks` (`_field_masks` of the plan's terms over a page of
    rows, `row` at position `at`) saves looking the terms up again for each hit."""
    if masks is None:
        masks, at = _field_masks(data, _plan_terms(plan), np.asarray([row])), 0
    out: list[Match] = []
    seen: set[tuple[str, str]] = set()
    for clause in plan.clauses:
        for alt in clause.alternatives:
            found = [(t, _FIELD_SETS[masks[t][at]]) for t in alt.terms]
            if alt.exact or alt.phrase:
                whole = all(fields for _, fields in found)
                if alt.phrase:
                    mask = ranked.phrases.get(alt.terms)
                    whole = whole and mask is not None and bool(mask[row])
                if not whole:
                    continue
            for t, fields in found:
                key = (t, alt.via)
                if fields and key not in seen:
                    seen.add(key)
                    out.append(Match(term=plan.surface.get(t, alt.text or t), stem=t,
                                     fields=list(fields), via=alt.via))
    return out


def _hit(s: Session, row: int, score: float, rank: int, plan: Plan, ranked: Ranked,
         masks: dict[str, np.ndarray] | None = None, at: int = 0) -> Hit:
    rec = _cached_record(s, row)
    stems = ranked.stems
    question = rec.display_question
    if len(question) > QUESTION_SNIPPET_CHARS:
        qparts = fragment(question, stems, max_chars=QUESTION_SNIPPET_CHARS, weights=stems)
    else:
        qparts = highlight(question, stems)
    return Hit(
        id=rec.id,
        question=question,
        title=rec.title,
        categories=[list(p) for p in rec.categories],
        url=rec.url,
        source=rec.source,
        score=round(float(score), 4),
        rank=rank,
        question_parts=qparts,
        answer_parts=fragment(rec.answer, stems, weights=stems),
        matches=_matches(s.data, row, plan, ranked, masks, at),
        flags=list(rec.flags),
    )


def facets(data: RankData, matched: np.ndarray, limit: int = FACET_LIMIT) -> list[Facet]:
    """Category paths of the matching rows with counts: every top-level path, then the
    deeper paths with the most matches (up to `limit` in all)."""
    if not len(data.paths):
        return []
    sel = matched[data.cat_rows]
    counts = np.bincount(data.cat_ids[sel], minlength=len(data.paths))
    nz = np.flatnonzero(counts)
    if not len(nz):
        return []
    items = sorted((len(data.paths[i]) > 1, -int(counts[i]), data.paths[i]) for i in nz)
    return [Facet(path=list(p), count=-c) for _, c, p in items[:limit]]


def _empty(query: str, limit: int, offset: int, category: list[str] | None,
           notices: list[str] | None = None) -> SearchResult:
    return SearchResult(query=query, searched="", total=0, offset=offset, limit=limit, hits=[],
                        category=category, notices=notices or [])


def _run(s: Session, typed: str, category: list[str] | None, need: int,
         autocorrect: bool = True) -> tuple[
    Plan | None, Ranked | None, str | None, bool, ParsedQuery
]:
    """Parse, plan and execute. With `autocorrect`, words that look misspelt are searched
    as typed and as corrected, and the whole corrected query is searched instead when a
    typed word is unknown or the typed query has no record with all of its words."""
    text = clean_text(typed)
    pq = parse(text)
    if not pq.items:
        return None, None, None, False, pq
    data = s.data
    spell = spell_index(s.gen)
    correction = correct_query(s.gen, pq)
    did_you_mean = _suggestion(correction.text) if correction is not None else None
    if not autocorrect:
        plan = plan_query(data, pq)
        return plan, execute(s, plan, category, need), did_you_mean, False, pq
    plan = None
    unknown = _unknown_words(data, correction) if correction is not None else []
    if unknown and any(t in _synonym_terms(s) for terms in unknown for t in terms):
        plan = plan_query(data, pq, spell=spell)  # a synonym may stand in for the word
        unknown = [terms for terms in unknown if not _has_synonym(get_scorer(data), plan, terms)]
    if unknown:
        # a typed word the corpus does not know finds nothing: search the correction
        plan2, ranked2 = _run_corrected(s, correction, category, need, spell)
        if ranked2.total:
            return plan2, ranked2, did_you_mean, True, pq
    if plan is None:
        plan = plan_query(data, pq, spell=spell)
    ranked = execute(s, plan, category, need)
    corrected = False
    if correction is not None and ranked.complete == 0:
        plan2, ranked2 = _run_corrected(s, correction, category, need, spell)
        if ranked2.complete or (ranked2.total and not ranked.total):
            plan, ranked, corrected = plan2, ranked2, True
    return plan, ranked, did_you_mean, corrected, pq


def _run_corrected(s: Session, correction: Any, category: list[str] | None, need: int,
                   spell: Any) -> tuple[Plan, Ranked]:
    plan = plan_query(s.data, parse(correction.text), corrections=correction.changes,
                      spell=spell)
    return plan, execute(s, plan, category, need)


def _suggestion(text: str) -> str:
    """A did-you-mean as offered to the user: the corrected query without the sentence
    punctuation at its end (pages write "Did you mean: ...?")."""
    return text.rstrip(" \t.,;:!?") or text


def _unknown_words(data: RankData, correction: Any) -> list[list[str]]:
    """The stems of each corrected word the corpus does not know at all."""
    scorer = get_scorer(data)
    out = []
    for typed in correction.changes:
        terms = [stem(w) for w in words(typed) if w not in STOP_WORDS]
        if terms and all(scorer.term(t)[2] == 0 for t in terms):
            out.append(terms)
    return out


def _synonym_terms(s: Session) -> frozenset[str]:
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


def search(
    s: Session,
    query: str,
    *,
    category: list[str] | None = None,
    limit: int = 10,
    offset: int = 0,
    autocorrect: bool = True,
) -> SearchResult:
    """Search `query` (any text). Raises QueryError only for bad limit/offset/category.

    A keyword query lists the records with all of its words first (`understood["all_words"]`
    of them), then those with at least half of the typed words, most words first
    (`understood["some_words"]`); `total` counts both. A long question or message ranks
    every record with a score (no such keys).

    `autocorrect` (default True): words that look misspelt are also searched as corrected
    ("sciatia" finds "sciatica" too, with a notice), and the corrected query replaces the
    typed one when that finds nothing (`corrected`). With `autocorrect=False` the query is
    run exactly as typed (for "Search instead for ..."): no spelling corrections, while
    `did_you_mean` still suggests one.
    """
    limit, offset = _check_paging(limit, offset)
    category = _check_category(category)
    typed = query if isinstance(query, str) else ("" if query is None else str(query))
    plan, ranked, did_you_mean, corrected, pq = _run(
        s, typed, category, offset + limit, bool(autocorrect))
    if plan is None or ranked is None:
        notices = list(pq.notices)
        if pq.negated:
            notices.append("Add at least one word to search for: a query cannot only exclude.")
        return _empty(typed, limit, offset, category, notices)
    return _result(s, typed, plan, ranked, category, limit, offset, did_you_mean, corrected, pq)


def warm(s: Session) -> None:
    """Build the lazy per-generation caches now (the thread's searcher, the spelling index,
    the synonym terms, completion words, the category display order: ~0.6 s on 18k records),
    so that a server's first visitors do not wait for them. Harmless to call again."""
    from indexer.search.suggest import sorted_words

    getattr(s, "searcher", None)
    spell_index(s.gen)
    _synonym_terms(s)
    sorted_words(s)
    _display_order(s, np.arange(0))


def rank_ids(s: Session, query: str, *, limit: int = 1000) -> list[tuple[str, float]]:
    """(record id, score) of the best `limit` records for `query`, best first: the ranking
    of `search` without snippets (for batch runs and evaluation)."""
    limit = max(1, min(int(limit), 10_000))
    text = query if isinstance(query, str) else ""
    ranked = _run(s, text, None, limit)[1]
    if ranked is None:
        return []
    ids = s.data.ids
    return [(ids[int(r)], float(ranked.scores[r])) for r in ranked.rows[:limit]]


def all_records(s: Session) -> Iterator[Record]:
    """Every record of the generation the session sees (for the editors' tools)."""
    reader = s.searcher.reader()
    for _docnum, stored in reader.iter_docs():
        yield Record.from_dict(json.loads(stored["record"]))


def _result(s: Session, typed: str, plan: Plan, ranked: Ranked, category: list[str] | None,
            limit: int, offset: int, did_you_mean: str | None, corrected: bool,
            pq: ParsedQuery) -> SearchResult:
    page = ranked.rows[offset: offset + limit]
    masks = _field_masks(s.data, _plan_terms(plan), page) if len(page) else {}
    hits = [
        _hit(s, int(row), float(ranked.scores[row]), offset + i + 1, plan, ranked, masks, i)
        for i, row in enumerate(page)
    ]
    notices = list(pq.notices) + list(plan.notices)
    if plan.corrections and not corrected:
        fixes = ", ".join(f"“{fix}”" for fix in dict.fromkeys(plan.corrections.values()))
        notices.append(f"Including results for {fixes}.")
    some = ranked.total - ranked.complete
    if ranked.relaxed:
        notices.append("No answer contains all of your words; showing answers that match "
                       "some of them.")
    elif some and plan.min_match > 0:
        notices.append(f"{_answers(ranked.complete)} with all of your words, then "
                       f"{_answers(some)} with some of them.")
    understood = dict(plan.understood)
    if plan.min_match > 0:  # keyword queries (a message ranks every record with a score)
        understood["all_words"] = ranked.complete
        understood["some_words"] = some
    return SearchResult(
        query=typed,
        searched=plan.searched,
        total=ranked.total,
        offset=offset,
        limit=limit,
        hits=hits,
        did_you_mean=did_you_mean,
        corrected=corrected,
        synonyms=list(plan.synonyms),
        facets=facets(s.data, ranked.matched),
        category=category,
        understood=understood,
        notices=notices,
    )


def _answers(n: int) -> str:
    return f"{n} answer" if n == 1 else f"{n} answers"


# --------------------------------------------------------------------------- records
def get_record(s: Session, record_id: str) -> Record | None:
    """The record with `record_id`, or None."""
    if not isinstance(record_id, str) or not record_id:
        return None
    row = s.data.row_of(record_id)
    if row is None:
        return None
    return _record_at(s, row)


def records_in_category(
    s: Session, path: Sequence[str], *, limit: int = 20, offset: int = 0
) -> tuple[int, list[Record]]:
    """(total, records) filed under `path` or below it, in a stable order (by question)."""
    limit, offset = _check_paging(limit, offset)
    clean = _check_category(list(path) if not isinstance(path, str) else path)
    if clean is None:
        return 0, []
    data = s.data
    rows = np.flatnonzero(category_rows(data, clean))
    order = _display_order(s, rows)
    page = order[offset: offset + limit]
    return len(rows), [_record_at(s, int(r)) for r in page]


def _display_order(s: Session, rows: np.ndarray) -> list[int]:
    key = s.gen.cache.get("display_keys")
    if key is None:
        key = s.gen.cache["display_keys"] = _display_keys(s)
    return sorted((int(r) for r in rows), key=lambda r: (key.get(r, ""), r))


def _display_keys(s: Session) -> dict[int, str]:
    out = {}
    reader = s.searcher.reader()
    for docnum, stored in reader.iter_docs():
        rec = json.loads(stored["record"])
        out[docnum] = (rec.get("question") or rec.get("title") or "").casefold()
    return out


def category_tree(s: Session) -> list[CategoryNode]:
    """The category tree with record counts (a parent counts every record below it)."""
    data = s.data
    counts = np.bincount(data.cat_ids[data.live[data.cat_rows]], minlength=len(data.paths))
    nodes: dict[tuple[str, ...], CategoryNode] = {}
    roots: list[CategoryNode] = []
    for i in sorted(range(len(data.paths)), key=lambda i: [p.casefold() for p in data.paths[i]]):
        if counts[i] <= 0:
            continue
        path = tuple(data.paths[i])
        node = CategoryNode(name=path[-1], path=list(path), count=int(counts[i]))
        nodes[path] = node
        parent = nodes.get(path[:-1])
        (parent.children if parent is not None else roots).append(node)
    return roots


def index_stats(s: Session) -> dict[str, Any]:
    """Records, generation name and build time of the live index."""
    meta = s.gen.meta
    data = s.data
    return {
        "records": data.n_live,
        "index_dir": str(s.gen.path.parent),
        "generation": s.gen.name,
        "built_at": meta.get("built_at"),
        "categories": len(data.paths),
        "terms": len(data.vocab),
    }


def idf_of(data: RankData, stem: str) -> float:
    _, _, df = get_scorer(data).term(stem)
    return data.idf(df) if df else math.log(1.0 + data.n_live)

