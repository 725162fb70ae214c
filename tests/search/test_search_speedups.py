"""The shortcuts that make a search cheap give exactly what the plain computation gives:
focus-name entries per term, per-page field masks, snippet windows reusing the hits of the
scan, the decoded-record cache. (Whole results before/after a change on MedQuAD and the
sample archive: bench/compare_results.py.)"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.index.build import build_index
from indexer.index.schema import PHRASE_FIELD
from indexer.index.store import IndexStore, Session
from indexer.index.terms import FIELDS
from indexer.records import Record
from indexer.search import get_record, search, snippets
from indexer.search.execute import _phrase_mask
from indexer.search.focus import focus_index
from indexer.search.hits import _cached_record, _field_masks
from indexer.text.analysis import analyse
from indexer.text.spelling import SpellIndex

FOCI = [
    ("Aarskog-Scott syndrome", ["AAS", "Faciogenital dysplasia"]),
    ("Type 2 diabetes", ["Diabetes mellitus type 2", "adult-onset diabetes"]),
    ("Diabetes", []),
    ("Ear wax", ["Cerumen impaction"]),
    ("Hydrogen peroxide poisoning", []),
    ("MED", ["Multiple epiphyseal dysplasia"]),
]
QTYPES = ["information", "treatment", "causes", "symptoms"]


def _records() -> list[Record]:
    out = []
    for i, (focus, syn) in enumerate(FOCI):
        for j, qt in enumerate(QTYPES):
            out.append(Record(
                id=f"f{i}-{j}", question=f"What is the {qt} of {focus} ?",
                answer=f"{focus} ({', '.join(syn) or 'no other name'}): about its {qt}. "
                       "Painful symptoms, treatments and causes differ; ask your doctor.",
                focus=focus, synonyms=syn, qtype=qt, categories=[[focus, qt]]))
    out.append(Record(id="plain", question="Can ear wax cause pain after swimming?",
                      answer="Ear wax can trap water: use drops, not cotton buds.",
                      categories=[["ears"]]))
    return out


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    idx = tmp_path_factory.mktemp("speedups") / "index"
    build_index(_records(), idx)
    with IndexStore(idx).searcher() as session:
        yield session


def test_focus_entries_are_the_names_holding_each_term(s: Session) -> None:
    fi = focus_index(s.data)
    rng = random.Random(3)
    vocab_ids = sorted({*fi.tids.tolist(), 0, len(s.data.vocab) - 1})  # names' and others
    for _ in range(50):
        q = rng.sample(vocab_ids, rng.randint(1, min(6, len(vocab_ids))))
        ent, which = fi.entries(q)
        assert ent.tolist() == np.flatnonzero(np.isin(fi.tids, q)).tolist()
        assert [q[w] for w in which] == fi.tids[ent].tolist()
    assert not len(fi.entries([])[0])
    assert not len(fi.entries([-1, len(s.data.vocab) + 5])[0])
    # one term with names among unknown ones: its entries, numbered by its place in the query
    t = int(fi.tids[0])
    ent, which = fi.entries([-1, t, len(s.data.vocab) + 5])
    assert ent.tolist() == np.flatnonzero(fi.tids == t).tolist()
    assert which.tolist() == [1] * len(ent) and which.dtype == np.int64


def test_focus_match_finds_the_condition_and_its_terms(s: Session) -> None:
    data = s.data
    fi = focus_index(data)
    weights = {data.term_id(t): 1.0 for t in analyse("ear wax and hydrogen peroxide")}
    scores = fi.match(weights)
    found = {data.focus_names[k] for k in np.flatnonzero(scores > 0.3)}
    assert found == {"Ear wax", "Hydrogen peroxide poisoning"}
    top = scores >= scores.max()
    assert {data.vocab[t] for t in fi.terms_of_keys(list(weights), top)} <= set(
        analyse("ear wax hydrogen peroxide"))


def test_field_masks_say_which_fields_have_each_term(s: Session) -> None:
    data = s.data
    rows = np.flatnonzero(data.live)
    terms = ["diabet", "wax", "pain", "treatment", "nosuchterm"]
    masks = _field_masks(data, terms, rows)
    for t in terms:
        for k, row in enumerate(rows):
            expect = sum(1 << i for i, f in enumerate(FIELDS)
                         if row in set(data.postings(f, t)[0].tolist()))
            assert masks[t][k] == expect, (t, row)


def test_field_masks_from_the_page_rows_are_those_from_the_postings(s: Session) -> None:
    from indexer.search.hits import _masks_from_rows

    data = s.data
    vocab = sorted({t for r in _records() for t in analyse(f"{r.question} {r.answer} "
                                                            f"{r.focus} {' '.join(r.synonyms)}")})
    rng = random.Random(5)
    for _ in range(50):
        rows = np.asarray(sorted(rng.sample(range(data.n_rows), rng.randint(1, 8))))
        terms = [*rng.sample(vocab, rng.randint(1, 12)), "nosuchterm"]
        want = {t: _field_masks(data, [t], rows)[t] for t in terms}  # (one term: postings)
        assert _masks_from_rows(data, terms, rows) == want
        assert _field_masks(data, terms, rows) == want


def test_hit_matches_and_records_are_those_of_the_stored_record(s: Session) -> None:
    result = search(s, "ear wax pain", limit=5)
    assert result.hits
    for hit in result.hits:
        rec = get_record(s, hit.id)
        assert rec is not None and rec.question == hit.question
        assert any(m.stem == "wax" for m in hit.matches)
        assert all(set(m.fields) <= set(FIELDS) and m.fields for m in hit.matches)


def test_phrase_masks_skip_only_fields_that_cannot_have_the_phrase(s: Session) -> None:
    from whoosh import query as wq

    # the question of a structured record holds its condition's names only, at their
    # positions in the text: "type 2 diabetes" is found there, "treatment of Type 2" (a
    # template word before the name) nowhere
    found = {}
    for text in ["ear wax", "type 2 diabetes", "treatment of Type 2", "painful symptoms",
                 "wax aas", "dysplasia multiple", "ask your doctor", "causes of diabetes"]:
        stems = tuple(analyse(text))
        want = np.zeros(s.data.n_rows, dtype=bool)
        docs = list(s.searcher.docs_for_query(wq.Phrase(PHRASE_FIELD, list(stems))))
        want[np.asarray(docs, dtype=np.int64)] = True
        assert _phrase_mask(s, stems).tolist() == want.tolist(), text
        found[text] = int(want.sum())
    assert found["type 2 diabetes"] and found["ear wax"] and not found["wax aas"]
    assert not found["treatment of Type 2"]


def test_the_phrase_mask_cache_is_bounded_in_bytes(s: Session, monkeypatch) -> None:
    from indexer.search import execute

    s.gen.cache.pop("phrases", None)
    per_mask = s.data.n_rows  # a bool per row
    monkeypatch.setattr(execute, "PHRASE_CACHE_BYTES", 2 * per_mask)
    phrases = [tuple(analyse(t)) for t in ("ear wax", "type 2 diabetes", "ask your doctor")]
    masks = [_phrase_mask(s, p) for p in phrases]
    cache = s.gen.cache["phrases"]
    assert cache.currsize <= 2 * per_mask and len(cache) == 2
    assert phrases[0] not in cache and phrases[2] in cache  # the least recently used went
    again = _phrase_mask(s, phrases[0])  # worked out again: the same mask
    assert again.tolist() == masks[0].tolist() and not again.flags.writeable
    monkeypatch.setattr(execute, "PHRASE_CACHE_BYTES", per_mask - 1)
    s.gen.cache.pop("phrases")
    assert _phrase_mask(s, phrases[1]).tolist() == masks[1].tolist()  # too big to keep
    assert len(s.gen.cache["phrases"]) == 0
    s.gen.cache.pop("phrases")


def test_record_cache_is_not_what_callers_get(s: Session) -> None:
    row = s.data.row_of("plain")
    cached = _cached_record(s, row)
    assert _cached_record(s, row) is cached
    mine = get_record(s, "plain")
    assert mine is not cached and mine == cached
    mine.answer = "changed by a caller"
    assert get_record(s, "plain").answer.startswith("Ear wax")
    from indexer.search.hits import RECORD_CACHE_BYTES

    kept = s.gen.cache["records"].cache  # bounded in bytes, not in records
    assert kept.max_bytes == RECORD_CACHE_BYTES and 0 < kept.bytes <= RECORD_CACHE_BYTES


WORDS = ["pain", "painful", "o'brien", "don't", "haemoglobin", "café", "naïve", "lying",
         "ab", "42", "treatments", "causes", "back", "sciatica", "PAIN", "l’eau"]
SEPS = [" ", "  ", ". ", "! ", "\n", "\n\n", ", ", "-", "'", "’", "\u00a0", " (", ") ", ": ",
        "_", "\t"]


def test_snippet_windows_reuse_the_scan_exactly() -> None:
    """`fragment` takes the window's hits from the scan of the whole text: the segments are
    those of finding the hits in the window itself (as it did before)."""
    rng = random.Random(7)
    checked = 0
    for _ in range(3000):
        text = "".join(rng.choice(WORDS) + rng.choice(SEPS) for _ in range(rng.randint(1, 90)))
        stems = set(rng.sample(analyse(text) or ["pain"], 2) if len(analyse(text)) > 1
                    else ["pain"])
        chars = rng.choice([10, 25, 40, 80, 240])
        fast = snippets.fragment(text, stems, max_chars=chars)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(snippets, "_window_hits", lambda *a: None)
            plain = snippets.fragment(text, stems, max_chars=chars)
        assert fast == plain, (text, stems, chars)
        checked += len(text) > chars
    assert checked > 1000


def test_spelling_corrections_are_remembered_not_changed() -> None:
    index = SpellIndex({"acupuncture": 80, "sciatica": 30})
    assert index.correct("accupuncture") == "acupuncture"
    assert index.correct("accupuncture") == "acupuncture"
    assert index.correct("sciatica") is None and index.correct("sciatica") is None


def test_search_results_do_not_depend_on_warm_caches(tmp_path: Path) -> None:
    idx = tmp_path / "index"
    build_index(_records(), idx)
    queries = ["ear wax", "What are the treatments for type 2 diabetes?", "AAS", "MED",
               "diabetis", "my ear is blocked with wax after swimming, could it be "
               "hydrogen peroxide poisoning from the drops?"]
    with IndexStore(idx).searcher() as cold:
        first = [search(cold, q).to_dict() for q in queries]
        again = [search(cold, q).to_dict() for q in queries]
    assert first == again


def test_facets_are_the_paths_sorted_top_level_first_then_by_count_then_by_path(
        s: Session) -> None:
    from indexer.results import Facet
    from indexer.search.facets import facets

    data = s.data
    rng = np.random.default_rng(3)
    for limit in (50, 3, 1):
        for _ in range(20):
            matched = rng.random(data.n_rows) < rng.random()
            counts = np.bincount(data.cat_ids[matched[data.cat_rows]],
                                 minlength=len(data.paths))
            items = sorted((len(data.paths[i]) > 1, -int(counts[i]), data.paths[i])
                           for i in np.flatnonzero(counts))
            want = [Facet(path=list(p), count=-c) for _, c, p in items[:limit]]
            assert facets(s, matched, limit) == want
    assert facets(s, np.zeros(data.n_rows, bool)) == []


def test_a_generation_with_a_whoosh_field_per_text_field_still_finds_phrases(
        tmp_path: Path, s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    # a generation written before schema 9 (one Whoosh field with positions per text field)
    # opens and answers phrase masks as the current one does
    from whoosh import fields

    from indexer.index.schema import AnalysedText, IdColumn, RecordField
    from indexer.text.analysis import analyzer

    def old_schema(zdict: bytes = b"") -> fields.Schema:
        return fields.Schema(id=IdColumn(), record=RecordField(zdict), **{
            f: AnalysedText(analyzer=analyzer(), phrase=True) for f in FIELDS})

    monkeypatch.setattr("indexer.index.build.build_schema", old_schema)
    build_index(_records(), tmp_path / "old")
    with IndexStore(tmp_path / "old").searcher() as old:
        assert PHRASE_FIELD not in old.searcher.schema and "answer" in old.searcher.schema
        for text in ["ear wax", "type 2 diabetes", "treatment of Type 2", "wax aas",
                     "ask your doctor"]:
            stems = tuple(analyse(text))
            assert _phrase_mask(old, stems).tolist() == _phrase_mask(s, stems).tolist(), text
        assert [h.id for h in search(old, '"ear wax" pain', limit=5).hits] == [
            h.id for h in search(s, '"ear wax" pain', limit=5).hits]
