"""The generation's condition names say which conditions are narrower variants of others
("Acquired hemophilia" of "Hemophilia"); a query that names only the general condition's
words boosts the narrower one less (plan.NARROWER_FACTOR)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import indexer.search.plan as plan
from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search
from indexer.search.focus import focus_index

GENERAL = Record(
    id="g1", question="What is Hemophilia ?", focus="Hemophilia", qtype="information",
    answer="Hemophilia is an inherited bleeding disorder in which blood does not clot.")
NARROW = Record(
    id="n1", question="What is Acquired hemophilia ?", focus="Acquired hemophilia",
    qtype="information",
    answer="Acquired hemophilia is hemophilia that starts in adults: hemophilia bleeding, "
           "hemophilia bruising and more hemophilia bleeding.")
SAME = Record(  # only adds a word most names have: the same condition, not a narrower one
    id="s1", question="What is Hemophilia syndrome ?", focus="Hemophilia syndrome",
    qtype="information", answer="Hemophilia syndrome is a bleeding condition.")
FILLER = [Record(id=f"f{i}", question=f"What is Rare syndrome {i} ?",
                 focus=f"Rare syndrome {i}", qtype="information",
                 answer=f"Rare syndrome {i} is a condition of rest and sleep.")
          for i in range(60)]


@pytest.fixture()
def store(tmp_path: Path) -> IndexStore:
    build_index([GENERAL, NARROW, SAME, *FILLER], tmp_path / "idx")
    return IndexStore(tmp_path / "idx")


def _key(data, name: str) -> int:
    return data.focus_names.index(name)


def test_narrower_variants_come_from_the_names(store: IndexStore) -> None:
    with store.searcher() as s:
        fi = focus_index(s.data)
        narrow = _key(s.data, "Acquired hemophilia")
        assert fi.is_narrower[narrow]
        (name, extra), = fi.broader_of(narrow)
        assert {s.data.vocab[t] for t in name} == {"hemophilia"}
        assert len(extra) == 1
        assert not fi.broader_of(_key(s.data, "Hemophilia"))
        assert not fi.broader_of(_key(s.data, "Hemophilia syndrome"))  # "syndrome" is common


def test_only_an_unasked_narrower_condition_is_named(store: IndexStore) -> None:
    with store.searcher() as s:
        d = s.data
        fi = focus_index(d)
        general, narrow = _key(d, "Hemophilia"), _key(d, "Acquired hemophilia")
        per_key = np.zeros(len(d.focus_keys) + 1, np.float32)
        per_key[[general, narrow]] = 1.0
        hemophilia = d.term_id("hemophilia")
        acquired = next(iter(fi.broader_of(narrow)[0][1]))
        assert fi.narrower_unasked(per_key, frozenset({hemophilia})) == [narrow]
        assert fi.narrower_unasked(per_key, frozenset({hemophilia, acquired})) == []
        per_key[narrow] = 0.0  # not boosted: nothing to lower
        assert fi.narrower_unasked(per_key, frozenset({hemophilia})) == []


def _scores(s, query: str) -> dict[str, float]:
    return {h.id: h.score for h in search(s, query, limit=10).hits}


def test_the_narrower_condition_is_boosted_less_unless_asked(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.searcher() as s:
        monkeypatch.setattr(plan, "NARROWER_FACTOR", 1.0)
        plain, asked = _scores(s, "hemophilia bleeding"), _scores(s, "acquired hemophilia")
        monkeypatch.setattr(plan, "NARROWER_FACTOR", 0.1)
        lowered = _scores(s, "hemophilia bleeding")
        assert lowered["n1"] < plain["n1"]
        assert lowered["g1"] == plain["g1"]
        assert _scores(s, "acquired hemophilia") == asked


def test_unasked_reads_the_pairs_as_broader_of_lists_them(store: IndexStore) -> None:
    """`narrower_unasked` (the packed pairs read as lists) names the keys that the sets of
    `broader_of` name, for every narrower key and sets of asked terms."""
    with store.searcher() as s:
        d = s.data
        fi = focus_index(d)
        per_key = np.ones(len(d.focus_keys) + 1, np.float32)
        terms = sorted({t for k in np.flatnonzero(fi.is_narrower).tolist()
                        for name, extra in fi.broader_of(k) for t in name | extra})
        assert terms
        for asked in ([], terms, terms[:1], terms[1:], [terms[-1]]):
            want = [k for k in np.flatnonzero(fi.is_narrower).tolist()
                    if any(name & set(asked) and not extra & set(asked)
                           for name, extra in fi.broader_of(k))]
            assert fi.narrower_unasked(per_key, frozenset(asked)) == want
