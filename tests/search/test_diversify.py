"""Condition diversity (issue F): the first places of a keyword search that describes symptoms
show different conditions; the sections held back follow right after, nothing is lost; a
search that is a condition's name, and a question, keep a condition's sections together.
Invented conditions only ("quilt fever")."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import diversify, rank_ids, search
from indexer.search.diversify import diversify as reorder

QUESTIONS = {
    "information": "What is (are) {} ?",
    "symptoms": "What are the symptoms of {} ?",
    "treatment": "What are the treatments for {} ?",
    "causes": "What causes {} ?",
}


def _page(rid: str, focus: str, qtype: str, answer: str) -> Record:
    return Record(id=rid, question=QUESTIONS[qtype].format(focus), answer=answer, focus=focus,
                  qtype=qtype, source="institute")


RECORDS = [
    # four sections of one condition, all saying the words of the search, and briefly
    _page("qf-info", "Quilt fever", "information",
          "Quilt fever: aching knees, chills and a rash in quilters."),
    _page("qf-sym", "Quilt fever", "symptoms",
          "Aching knees and chills come first; the rash of quilt fever follows."),
    _page("qf-treat", "Quilt fever", "treatment",
          "Rest the aching knees; blankets for the chills; quilt fever passes."),
    _page("qf-cause", "Quilt fever", "causes",
          "A mite in old quilts: aching knees and chills after a night under one."),
    # two other conditions that have every word too, in longer answers (lower scores)
    _page("th-info", "Thimble syndrome", "information",
          "Thimble syndrome is a rare inherited condition of the hands and joints. It starts "
          "in childhood with stiff fingers, and later brings aching knees, chills at night, "
          "poor grip, swollen wrists and tiredness that lasts for weeks at a time."),
    _page("sp-info", "Spool palsy", "information",
          "Spool palsy is a weakness of the shoulder muscles in people who wind thread for a "
          "living. Some have aching knees and chills, most have a numb arm, a weak shoulder "
          "and pain that gets worse with repeated winding over many years."),
    # the rest of the archive: other topics (so that the search's words are distinctive)
    *[_page(f"topic-{i}", f"Garden topic {i}", "information",
            f"Garden topic {i}: prune the roses in spring and water the beans.")
      for i in range(30)],
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    folder = tmp_path_factory.mktemp("diversify") / "index"
    build_index(RECORDS, folder)
    return IndexStore(folder)


@pytest.fixture
def off(monkeypatch: pytest.MonkeyPatch):
    """A function running a search's ranking without condition diversity."""
    def run(s, query: str) -> list[str]:
        with monkeypatch.context() as m:
            m.setattr(diversify, "DIVERSE_PLACES", 0)
            return [rid for rid, _ in rank_ids(s, query, limit=50)]
    return run


def _focus(ids: list[str]) -> list[str]:
    return [rid.split("-")[0] for rid in ids]


def test_a_description_shows_distinct_conditions_first(store: IndexStore, off) -> None:
    with store.searcher() as s:
        plain = off(s, "aching knees chills")
        assert _focus(plain[:4]) == ["qf"] * 4, plain  # (the crowding this is about)
        res = search(s, "aching knees chills", limit=10)
        ids = [h.id for h in res.hits]
        assert _focus(ids[:3]) == ["qf", "th", "sp"] or _focus(ids[:3]) == ["qf", "sp", "th"]
        assert ids[0] == plain[0]  # the best record keeps its place
        # the sections held back follow in their order, and nothing is lost or repeated
        assert ids[3:6] == [r for r in plain if r.startswith("qf")][1:4]
        assert sorted(ids) == sorted(plain) and len(set(ids)) == len(ids)
        assert res.total == len(plain)
        assert res.understood["conditions_first"] == 3


def test_pages_give_the_same_order(store: IndexStore) -> None:
    with store.searcher() as s:
        whole = [h.id for h in search(s, "aching knees chills", limit=10).hits]
        paged = [h.id for off in range(0, len(whole), 2)
                 for h in search(s, "aching knees chills", limit=2, offset=off).hits]
        assert paged == whole
        assert [h.id for h in search(s, "aching knees chills", limit=1).hits] == whole[:1]


@pytest.mark.parametrize("query", ["quilt fever", "quilt fever treatment",
                                   "what are the symptoms of quilt fever?"])
def test_a_condition_named_or_asked_keeps_its_sections(store: IndexStore, off,
                                                       query: str) -> None:
    with store.searcher() as s:
        res = search(s, query, limit=10)
        assert [h.id for h in res.hits] == off(s, query)[:10]
        assert "conditions_first" not in res.understood
        assert _focus([h.id for h in res.hits][:2]) == ["qf", "qf"]


def test_switched_off_nothing_moves(store: IndexStore, off,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diversify, "DIVERSE_PLACES", 0)
    with store.searcher() as s:
        res = search(s, "aching knees chills")
        assert _focus([h.id for h in res.hits][:4]) == ["qf"] * 4
        assert "conditions_first" not in res.understood


# ------------------------------------------------------------------ the reordering itself
def _data(focus: list[int]) -> SimpleNamespace:
    return SimpleNamespace(focus=np.asarray(focus, np.int32))


@pytest.mark.parametrize("places, per, focus, want, firsts", [
    # already distinct: unchanged
    (3, 1, [0, 1, 2, 0], [0, 1, 2, 3], 3),
    # crowded: the next conditions come up, the held rows follow in order
    (3, 1, [0, 0, 0, 1, 0, 2, 3], [0, 3, 5, 1, 2, 4, 6], 3),
    # two per condition
    (3, 2, [0, 0, 0, 1, 2], [0, 1, 3, 2, 4], 3),
    # rows without a condition are each their own
    (3, 1, [-1, -1, 0, 0, 1], [0, 1, 2, 3, 4], 3),
    # fewer conditions than places: every row kept, the distinct ones first
    (3, 1, [0, 0, 1, 1], [0, 2, 1, 3], 2),
    (0, 1, [0, 0, 1], [0, 1, 2], 0),
])
def test_reorder(places: int, per: int, focus: list[int], want: list[int],
                 firsts: int) -> None:
    rows = np.arange(len(focus), dtype=np.int64)
    out, n = reorder(_data(focus), rows, places, per)
    assert out.tolist() == want
    assert n == firsts


def test_reorder_looks_no_further_than_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diversify, "DIVERSE_WINDOW", 4)
    rows = np.arange(6, dtype=np.int64)
    out, n = reorder(_data([0, 0, 0, 0, 1, 2]), rows, 3, 1)
    assert out.tolist() == [0, 1, 2, 3, 4, 5]  # rows 4 and 5 are beyond the window
    assert n == 1


def test_reorder_is_a_permutation() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        focus = rng.integers(-1, 4, rng.integers(1, 40)).tolist()
        rows = rng.permutation(len(focus)).astype(np.int64)
        data = _data([focus[i] for i in np.argsort(rows)])  # focus by row number
        out, _ = reorder(data, rows, int(rng.integers(0, 6)), int(rng.integers(1, 3)))
        assert sorted(out.tolist()) == sorted(rows.tolist())



def _names_as_sets(data) -> dict[int, frozenset[str]]:
    """The table as a dict of sets (the layout `NameTerms` replaced), to compare with."""
    acc: dict[int, set[str]] = {k: set(n.split()) for k, n in enumerate(data.focus_keys)}
    for name, keys in data.gazetteer.items():
        for k in keys:
            acc.setdefault(k, set()).update(name.split())
    return {k: frozenset(v) for k, v in acc.items()}


def test_the_compact_name_terms_answer_as_sets_of_the_names_words_do():
    from types import SimpleNamespace

    from indexer.search.diversify import _collect_name_terms

    data = SimpleNamespace(
        focus_keys=["knee bursitis", "baker cyst", "tennis elbow", "naïve cell tumour"],
        gazetteer={"popliteal cyst": [1], "lateral epicondylitis": [2], "zzz": [5],
                   "elbow": [2, 0]})
    table = _collect_name_terms(data)
    sets = _names_as_sets(data)
    words = [*sorted(set().union(*sets.values())), "knee cap", "absent", "", "zzzz", "a"]
    for key in range(-1, 8):
        mine = sets.get(key, frozenset())
        for w in words:
            assert table.covers(key, (w,)) == (w in mine), (key, w)
        for pair in [("knee", "bursitis"), ("baker", "cyst"), ("cyst", "elbow"),
                     ("popliteal", "baker", "cyst"), ("naïve", "tumour")]:
            assert table.covers(key, pair) == mine.issuperset(pair), (key, pair)
    assert table.covers(3, ()) and not table.covers(99, ("knee",))
    assert table.ids.dtype == np.int32 and len(table.starts) == 7


def test_an_empty_gazetteer_gives_an_empty_table():
    from types import SimpleNamespace

    from indexer.search.diversify import _collect_name_terms

    table = _collect_name_terms(SimpleNamespace(focus_keys=[], gazetteer={}))
    assert not table.covers(0, ("knee",)) and table.covers(0, ())
