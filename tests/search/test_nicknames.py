"""A condition's other name that is a common English word used mostly for other things
(a street name listed once) names nothing in a query; a name its pages use, or a word the
corpus uses widely, stays a name."""

from __future__ import annotations

from pathlib import Path

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search
from indexer.search.focus import focus_index

STREET = Record(
    id="m1", question="What is methamphetamine ?", focus="Methamphetamine",
    synonyms=["crystal"], qtype="information",
    answer="Methamphetamine is a stimulant drug, also called crystal.")
OWN = Record(
    id="h1", question="What is Hemophilia ?", focus="Hemophilia", synonyms=["bleeder"],
    qtype="information",
    answer="Hemophilia is a bleeding disorder; a bleeder is someone with hemophilia.")
OTHERS = [Record(id=f"c{i}", question=f"Question {i} about eye health",
                 answer=f"A crystal clear lens matters for eye health, note {i}.")
          for i in range(6)]
FILLER = [Record(id=f"f{i}", question=f"Filler question {i} about sleep",
                 answer=f"Filler answer {i} on rest and sleep.") for i in range(800)]


def test_street_name_is_not_a_condition_name(tmp_path: Path) -> None:
    build_index([STREET, OWN, *OTHERS, *FILLER], tmp_path / "idx")
    with IndexStore(tmp_path / "idx").searcher() as s:
        names = focus_index(s.data).nicknames
        assert "crystal" in names  # common word, its records mostly about other things
        assert "bleeder" not in names  # not a common English word
        result = search(s, "crystal clear lens")
        assert result.understood["focus"] == []
        assert not result.synonyms
        assert search(s, "methamphetamine").understood["focus"] == ["Methamphetamine"]


def test_a_word_the_corpus_uses_widely_stays_a_name(tmp_path: Path) -> None:
    # the same street name in more than NICKNAME_MAX_DF_SHARE of a small corpus
    build_index([STREET, OWN, *OTHERS, *FILLER[:60]], tmp_path / "idx")
    with IndexStore(tmp_path / "idx").searcher() as s:
        assert "crystal" not in focus_index(s.data).nicknames
