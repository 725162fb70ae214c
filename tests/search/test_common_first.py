"""A keyword search that names a condition lists the pages about it among the records with all
the words (issue F, item 3): the other words qualify the condition ("headache behind eyes"),
they do not push its own pages below every rarer page that happens to say them."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search


def _page(rid: str, focus: str, qtype: str, answer: str) -> Record:
    return Record(id=rid, question=f"What is (are) {focus} ?" if qtype == "information"
                  else f"What are the treatments for {focus} ?", answer=answer, focus=focus,
                  qtype=qtype, source="institute")


RECORDS = [
    _page("qf-info", "Quilt fever", "information",
          "Quilt fever is a common illness of quilters: a rash, chills and aching joints."),
    _page("qf-treat", "Quilt fever", "treatment",
          "Rest, fluids and a cool room ease quilt fever within a week."),
    *[_page(f"rare-{i}", f"Thimble syndrome type {i}", "information",
            f"Thimble syndrome type {i} is rare. A fever like quilt fever starts behind the "
            "knees and spreads to the joints.") for i in range(1, 5)],
    *[_page(f"other-{i}", f"Sewing strain {i}", "information",
            f"Sewing strain {i} aches behind the knees after long sessions, without fever.")
      for i in range(4)],
    # the rest of the archive: other topics (so that the condition's words are distinctive)
    *[_page(f"topic-{i}", f"Garden topic {i}", "information",
            f"Garden topic {i}: prune the roses in spring and water the beans.")
      for i in range(30)],
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    folder = tmp_path_factory.mktemp("common") / "index"
    build_index(RECORDS, folder)
    return IndexStore(folder)


def test_pages_about_the_named_condition_join_the_full_matches(store: IndexStore) -> None:
    with store.searcher() as s:
        res = search(s, "quilt fever behind knees")
        ids = [h.id for h in res.hits]
        # listed with the four rare pages that have every word, before the pages with three
        # of the words and no quilt
        assert set(ids[:6]) == {"rare-1", "rare-2", "rare-3", "rare-4", "qf-info", "qf-treat"}, ids
        assert res.understood["focus"][0] == "Quilt fever"
        assert res.understood["about_condition"] == 2
        assert res.understood["all_words"] == 4 + 2  # the rare pages have every word
        assert any("about Quilt fever" in n for n in res.notices), res.notices


def test_without_a_named_condition_all_words_still_come_first(store: IndexStore) -> None:
    with store.searcher() as s:
        res = search(s, "aches behind knees fever")
        assert "about_condition" not in res.understood
        assert {h.id for h in res.hits[:4]} == {f"other-{i}" for i in range(4)}


@pytest.mark.slow
def test_the_issue_examples_on_medquad(shared_dir: Path,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """The searches of issue F (not from any evaluation set): the general page about the
    common condition is in the top three; "long covid" is named, not padded."""
    from indexer.eval.liveqa import LiveQAPaths, cached_index, eval_corpus

    records = list(eval_corpus(LiveQAPaths.defaults(shared_dir)))
    index_dir = cached_index(records, tmp_path_factory.mktemp("medquad-cache"))
    with IndexStore(index_dir).searcher() as s:
        for query, focus in (("headache behind eyes", "Headache"),
                             ("pain in my lower back when i sit", "Back Pain")):
            top = [s.data.focus_names[s.data.focus[s.data.row_of(h.id)]]
                   for h in search(s, query, limit=3).hits]
            assert focus in top, (query, top)
        # no rewrite to a rare condition, no list of everything that says "long" (item 5)
        covid = search(s, "long covid")
        assert covid.total == 0 and not covid.corrected and covid.unmatched == ["covid"]
        heart = search(s, "What are the symptoms of heart attack?", limit=5)
        assert len({h.question for h in heart.hits}) == len(heart.hits)  # no duplicate hits
