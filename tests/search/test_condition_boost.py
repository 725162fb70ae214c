"""Conditions a query's words are characteristic of (issue F): of two pages that say the same
words, the one about the condition whose records say them throughout ranks first; a
generation without the condition table (or without conditions) searches as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index import conditions as table
from indexer.index.build import build_index, current_generation
from indexer.index.ranking import RankData
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import plan, search
from indexer.search.conditions import condition_scores, condition_table


def _page(rid: str, focus: str, qtype: str, answer: str) -> Record:
    return Record(id=rid, question=f"What about {focus} ({qtype}) ?", answer=answer, focus=focus,
                  qtype=qtype, source="institute")


# the same words, said once each, in answers of the same length (not near-duplicates)
B_TEXT = "Chills and a rash on the elbows come in spring, with a sore throat."
Q_TEXT = "Chills and a rash on the elbows come after long hours of sewing."
RECORDS = [
    # "b-": sorts first, so without the table it wins the tie below
    _page("b-info", "Thimble syndrome", "information", B_TEXT),
    _page("b-genes", "Thimble syndrome", "genetic changes", "A change in the THB1 gene."),
    _page("b-cause", "Thimble syndrome", "causes", "Inherited from a parent with the gene."),
    _page("q-info", "Quilt fever", "information", Q_TEXT),
    _page("q-symptoms", "Quilt fever", "symptoms", "Chills first, then the rash spreads."),
    _page("q-treat", "Quilt fever", "treatment", "Rest until the chills and the rash go."),
    Record(id="m-info", question="What is marrow edema disorder ?", focus="Marrow edema disorder",
           synonyms=["MED"], qtype="information", source="institute",
           answer="MED stiffens the joints and brings chills. MED is rare; MED runs in families."),
    *[_page(f"g-{i}", f"Garden topic {i}", "information",
            f"Garden topic {i}: prune the roses in spring and water the beans.")
      for i in range(12)],
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    folder = tmp_path_factory.mktemp("conditions") / "index"
    build_index(RECORDS, folder)
    return IndexStore(folder)


def _ids(store: IndexStore, query: str) -> list[str]:
    with store.searcher() as s:
        return [h.id for h in search(s, query).hits]


def test_the_condition_whose_records_say_the_words_comes_first(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert plan.CONDITION_SHARE > 0
    # the foci of the best text matches would vote for Quilt fever too (feedback): without it,
    # only the condition table tells the two pages apart
    monkeypatch.setattr(plan, "FEEDBACK_BOOST", 0.0)
    ids = _ids(store, "chills rash elbows")
    assert ids.index("q-info") < ids.index("b-info"), ids
    monkeypatch.setattr(plan, "CONDITION_SHARE", 0.0)
    ids = _ids(store, "chills rash elbows")
    assert ids.index("b-info") < ids.index("q-info"), ids  # the tie goes to the record id


def test_scores_are_relative_to_the_best_condition(store: IndexStore) -> None:
    with store.searcher() as s:
        d = s.data
        tids = {d.term_id(t): 1.0 for t in ("chill", "rash")}
        scores = condition_scores(d, tids)
        assert scores is not None
        quilt = d.focus_names.index("Quilt fever")
        assert scores[quilt] == 1.0 and scores.max() == 1.0
        garden = [d.focus_names.index(f"Garden topic {i}") for i in range(12)]
        assert not scores[garden].any()
        assert condition_scores(d, {}) is None
        assert condition_scores(d, {d.term_id("prune"): 1.0})[quilt] == 0.0


def test_an_acronym_counts_only_in_capitals(store: IndexStore) -> None:
    """"med" typed in lowercase is not the MED condition's name (as in the gazetteer), so it
    does not lend that condition a second word."""
    with store.searcher() as s:
        d = s.data
        med, chill, rash = (d.term_id(t) for t in ("med", "chill", "rash"))
        assert None not in (med, chill, rash)
        terms = {med: 1.0, chill: 1.0, rash: 1.0}
        marrow = d.focus_names.index("Marrow edema disorder")
        quilt = d.focus_names.index("Quilt fever")
        lower = condition_scores(d, terms)
        assert lower is not None and lower[quilt] == 1.0 and lower[marrow] == 0.0
        upper = condition_scores(d, terms, frozenset({med}))
        assert upper is not None and upper[marrow] == 1.0


def test_a_generation_written_without_the_table_has_no_condition_scores(tmp_path: Path
                                                                       ) -> None:
    folder = tmp_path / "index"
    build_index(RECORDS, folder)
    gen = folder / str(current_generation(folder))
    (gen / table.FILE).unlink()  # as a generation written before the table existed
    data = RankData.load(gen)
    assert condition_table(data) is None
    assert condition_scores(data, {data.term_id("chill"): 1.0}) is None


def test_an_archive_without_conditions_has_no_table(tmp_path: Path) -> None:
    records = [Record(id=f"r{i}", question=f"Needles question {i}?",
                      answer=f"Acupuncture answer {i} about needles and chills.")
               for i in range(6)]
    folder = tmp_path / "index"
    build_index(records, folder)
    with IndexStore(folder).searcher() as s:
        assert condition_table(s.data) is None
        assert [h.id for h in search(s, "needles chills").hits]
        assert np.all(s.data.focus < 0)


@pytest.mark.parametrize("sharpness", [1.0, 0.5])
def test_a_runner_up_weighs_its_share_of_the_best_to_the_sharpness(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch, sharpness: float) -> None:
    from indexer.search import conditions

    monkeypatch.setattr(conditions, "SHARPNESS", sharpness)
    monkeypatch.setattr(conditions, "RELATIVE", 0.0)  # keep every condition touched
    with store.searcher() as s:
        d = s.data
        tids = {d.term_id(t): 1.0 for t in ("chill", "rash")}
        raw = condition_table(d).score(tids, len(d.focus_keys), 2)
        got = condition_scores(d, tids)
        assert got is not None
        touched = np.flatnonzero(raw > 0)
        assert (raw[touched] < raw.max()).any()  # a runner-up to weigh
        want = (raw[touched] / raw.max()) ** sharpness
        assert got[touched] == pytest.approx(want, rel=1e-6)
        assert got.max() == 1.0


def test_records_of_a_condition_the_words_describe_are_listed_with_full_matches(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # "spring" is said only about Thimble syndrome; chills and a rash throughout Quilt fever
    monkeypatch.setattr(plan, "CONDITION_FULL", 0.0)
    with store.searcher() as s:
        before = search(s, "chills rash spring")
    assert [h.id for h in before.hits][:1] == ["b-info"]  # the only record with every word
    assert "described" not in before.understood
    monkeypatch.setattr(plan, "CONDITION_FULL", 0.8)
    with store.searcher() as s:
        after = search(s, "chills rash spring")
        alone = search(s, "chills")  # one word: a name, the gazetteer's job (none here)
    ids = [h.id for h in after.hits]
    assert after.understood["described"] == ["Quilt fever"]
    assert ids.index("q-symptoms") < ids.index("b-info")  # by score among the full matches
    assert "1 answer with all of your words and 3 answers about Quilt fever." in after.notices
    assert "described" not in alone.understood
