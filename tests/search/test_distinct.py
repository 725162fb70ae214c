"""Distinct results (issue F item 4): ties break on the record id whatever the row order of
the build, and duplicate answers (same condition and section, same or nearly the same words)
collapse into one hit that names the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import rank_ids, search

FILLER = ("otters", "badgers", "ferrets", "weasels", "stoats", "minks")


def _tied(ids: list[str]) -> list[Record]:
    """Records that score the same for "lantern": one mention each, same length."""
    return [Record(id=rid, question=f"Question {FILLER[i]}",
                   answer=f"The lantern glows over {FILLER[i]} tonight.")
            for i, rid in enumerate(ids)]


def _structured(rid: str, source: str, answer: str) -> Record:
    return Record(id=rid, question="What are the symptoms of Quilt Fever ?", answer=answer,
                  focus="Quilt Fever", qtype="symptoms", source=source)


RECORDS = [
    *_tied(["tie-c", "tie-a", "tie-e", "tie-b", "tie-f", "tie-d"]),
    _structured("qf-1", "institute one", "Quilt fever brings a rash, chills and aching "
                "joints that last a week."),
    _structured("qf-2", "institute two", "People with quilt fever notice chills first, "
                "then a rash on the arms and aching joints."),
    Record(id="copy-1", question="Can a kettle descaler burn skin?",
           answer="Kettle descaler is an acid: rinse the skin with cold water for ten "
                  "minutes and see a nurse if it blisters."),
    Record(id="copy-2", question="Kettle descaler on my hand",
           answer="Kettle descaler is an acid. Rinse the skin with cold water for ten "
                  "minutes, and see a nurse if it blisters!"),
    Record(id="near-1", question="Descaler in the eye",
           answer="Descaler splashed in an eye needs rinsing with clean water for fifteen "
                  "minutes while holding the eyelid open; take out contact lenses, do not rub the "
                  "eye, and call for help quickly now"),
    Record(id="near-2", question="Descaler splashed into eye",
           answer="Descaler splashed in an eye needs rinsing with clean water for fifteen "
                  "minutes while holding the eyelid open; take out contact lenses, do not rub the "
                  "eye, and call for help quickly today"),
]


def _build(records: list[Record], folder: Path, full: bool = False) -> IndexStore:
    build_index(records, folder, full=full)
    return IndexStore(folder)


def test_ties_break_on_the_record_id_whatever_the_build_order(tmp_path: Path) -> None:
    forward = _build(RECORDS, tmp_path / "a")
    backward = _build(list(reversed(RECORDS)), tmp_path / "b")
    with forward.searcher() as s1, backward.searcher() as s2:
        assert [s1.data.row_of(r) for r in ("tie-a", "tie-b")] != [
            s2.data.row_of(r) for r in ("tie-a", "tie-b")]  # the rows really differ
        one = [rid for rid, _ in rank_ids(s1, "lantern", limit=10)]
        two = [rid for rid, _ in rank_ids(s2, "lantern", limit=10)]
        assert one == two == ["tie-a", "tie-b", "tie-c", "tie-d", "tie-e", "tie-f"]
        page1 = [h.id for h in search(s2, "lantern", limit=3).hits]
        page2 = [h.id for h in search(s2, "lantern", limit=3, offset=3).hits]
        assert page1 + page2 == one


def test_a_full_rebuild_gives_the_same_lists(tmp_path: Path) -> None:
    store = _build(RECORDS, tmp_path / "ix")
    queries = ["lantern", "quilt fever", "descaler", "rash chills"]
    with store.searcher() as s:
        before = {q: rank_ids(s, q, limit=10) for q in queries}
    build_index(list(reversed(RECORDS)), tmp_path / "ix", full=True)
    with store.searcher() as s:
        assert {q: rank_ids(s, q, limit=10) for q in queries} == before


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    return _build(RECORDS, tmp_path_factory.mktemp("distinct") / "index")


def test_same_condition_and_section_collapse_into_one_hit(sample: IndexStore) -> None:
    with sample.searcher() as s:
        res = search(s, "quilt fever rash")
        assert [h.id for h in res.hits] == ["qf-1"] or [h.id for h in res.hits] == ["qf-2"]
        hit = res.hits[0]
        other = "qf-2" if hit.id == "qf-1" else "qf-1"
        source = {"qf-1": "institute one", "qf-2": "institute two"}[other]
        assert [(e.id, e.source) for e in hit.also_in] == [(other, source)]
        assert res.total == 1
        assert hit.to_dict()["also_in"][0]["id"] == other


def test_same_words_collapse_and_near_identical_answers_too(sample: IndexStore) -> None:
    with sample.searcher() as s:
        res = search(s, "descaler")
        ids = [h.id for h in res.hits]
        assert len(ids) == 2, ids  # one of each pair
        assert {ids[0][:-2], ids[1][:-2]} == {"copy", "near"}
        for h in res.hits:
            assert [e.id[:-2] for e in h.also_in] == [h.id[:-2]]
        from indexer.search.distinct import ANSWER_SETS_BYTES, groups

        sets = groups(s.data).answer_sets  # the word sets compared: bounded in bytes
        assert len(sets) and sets.max_bytes == ANSWER_SETS_BYTES
        # rank_ids lists the same distinct records
        assert [rid for rid, _ in rank_ids(s, "descaler")] == ids


def test_different_answers_stay_apart(sample: IndexStore) -> None:
    with sample.searcher() as s:
        res = search(s, "lantern")
        assert res.total == 6 and all(not h.also_in for h in res.hits)


def test_warm_builds_the_duplicate_groups(tmp_path: Path) -> None:
    from indexer.search import warm

    store = _build(RECORDS, tmp_path / "index")
    with store.searcher() as s:
        assert s.data.caches.groups is None
        warm(s)
        built = s.data.caches.groups
        assert built is not None and built.grouped
        assert search(s, "quilt fever rash").total == 1
        assert s.data.caches.groups is built  # the search used the warmed groups
        assert "facet_keys" in s.gen.cache  # and the facets' sort keys
        from indexer.search.diversify import NAME_TERMS_KEY
        assert NAME_TERMS_KEY in s.gen.cache  # and the conditions' name terms


def test_a_hit_names_its_duplicates_by_record_id_whatever_the_build_order(
        tmp_path: Path) -> None:
    import numpy as np

    from indexer.search.distinct import duplicates_of

    shared = "Tartan pox itches for days; calamine lotion and cool baths soothe it well."
    recs = [Record(id=rid, question="What are the symptoms of Tartan Pox ?",
                   answer=shared if rid in ("tp-d", "tp-b") else f"Tartan pox notes {rid}: "
                   "spots, itching, a mild fever and tiredness for a week or so.",
                   focus="Tartan Pox", qtype="symptoms") for rid in ("tp-d", "tp-b", "tp-c",
                                                                      "tp-a")]
    recs += [Record(id=rid, question=f"Pox question {rid}", answer=shared)
             for rid in ("zz-copy", "aa-copy")]  # same words as tp-d and tp-b: the text key
    with _build(recs, tmp_path / "index").searcher() as s:
        data = s.data
        every = np.ones(data.n_rows, bool)
        rows = {rid: data.row_of(rid) for rid in data.ids}
        for rid, row in rows.items():
            structured = rid.startswith("tp-")
            same_text = rid in ("tp-d", "tp-b", "zz-copy", "aa-copy")
            want = sorted(o for o in rows if o != rid and (
                (structured and o.startswith("tp-")) or (same_text and o in (
                    "tp-d", "tp-b", "zz-copy", "aa-copy"))))
            assert [data.ids[r] for r in duplicates_of(data, row, every)] == want, rid
        only = np.zeros(data.n_rows, bool)
        only[[rows["tp-c"], rows["aa-copy"]]] = True  # the matching rows alone are named
        assert [data.ids[r] for r in duplicates_of(data, rows["tp-b"], only)] == [
            "aa-copy", "tp-c"]


def test_kth_best_is_the_partitions_value() -> None:
    """`kth_best` (a sample's k-th best as a floor, then the values above it) equals the
    value `np.partition` finds, ties and repeated values included."""
    import numpy as np

    from indexer.search.distinct import kth_best

    rng = np.random.default_rng(3)
    for n in (1, 5, 16, 17, 40, 300, 1000, 1601, 5000):
        for values in (rng.random(n), rng.integers(0, 4, n).astype(np.float64),
                       np.sort(rng.random(n)), np.sort(rng.random(n))[::-1].copy(),
                       rng.random(n).astype(np.float32)):
            for k in {1, 2, 5, 20, n // 2, n} - {0}:
                if k <= n:
                    want = np.partition(values, n - k)[n - k]
                    assert kth_best(values, k) == want, (n, k)
