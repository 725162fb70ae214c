"""WordNet bridges into the condition table (issue F): a query word the table barely knows
speaks for the conditions its synonyms (and, less, its hypernyms) are characteristic of; a
word the table knows well does not; the WordNet file is read as index terms and made by
bench/wordnet_bridge.py from WordNet's own database format."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import conditions
from indexer.search.conditions import condition_scores, condition_table
from indexer.text import synonyms
from indexer.text.synonyms import wordnet_bridges

ROOT = Path(__file__).resolve().parents[2]


def _page(rid: str, focus: str, answer: str) -> Record:
    return Record(id=rid, question=f"What is {focus} ?", answer=answer, focus=focus,
                  qtype="information", source="institute")


RECORDS = [
    _page("e-1", "Red nose disease", "Epistaxis and sneezing. Epistaxis comes at night."),
    _page("e-2", "Wet nose disorder", "Sneezing, a runny nose and itching of the eyes."),
    _page("b-1", "Bruise syndrome", "Hemorrhage under the skin, and sneezing now and then."),
    _page("n-1", "Garden topic 0", "Prune the roses; a nosebleed is not a garden matter."),
    *[_page(f"g-{i}", f"Garden topic {i}", f"Garden topic {i}: water the beans in spring.")
      for i in range(1, 8)],
]

BRIDGES = {"noseble": (("epistaxi",), ("hemorrhag",)), "sneez": (("epistaxi",), ())}


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IndexStore:
    build_index(RECORDS, tmp_path / "index")
    monkeypatch.setattr(conditions, "wordnet_bridges", lambda: BRIDGES)
    return IndexStore(tmp_path / "index")


def _scores(store: IndexStore, words: tuple[str, ...]) -> dict[str, float]:
    with store.searcher() as s:
        d = s.data
        out = condition_scores(d, {d.term_id(w): 1.0 for w in words})
        if out is None:  # no condition has two of the words
            return {}
        return {d.focus_names[k]: float(out[k]) for k in range(len(out)) if out[k] > 0}


def test_a_weak_word_reaches_the_condition_its_synonym_describes(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    found = _scores(store, ("noseble", "sneez"))
    assert max(found, key=found.__getitem__) == "Red nose disease", found
    assert found["Bruise syndrome"] < found["Red nose disease"]  # a hypernym counts less
    monkeypatch.setattr(conditions, "BRIDGE_WEIGHT", 0.0)
    with store.searcher() as s:
        condition_table(s.data).bridges = None
    assert "Red nose disease" not in _scores(store, ("noseble", "sneez"))


def test_a_word_the_table_knows_well_is_not_bridged(
        store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.searcher() as s:
        d = s.data
        table = condition_table(d)
        sneeze = d.term_id("sneez")
        assert table.n_conditions(sneeze) == 3
        monkeypatch.setattr(conditions, "WEAK_CONDITIONS", 2)
        assert conditions._bridged(d, table, {sneeze: 1.0}) == {sneeze: 1.0}
        monkeypatch.setattr(conditions, "WEAK_CONDITIONS", 3)
        bridged = conditions._bridged(d, table, {sneeze: 1.0})
        assert bridged[d.term_id("epistaxi")] == conditions.BRIDGE_WEIGHT


def test_a_query_term_keeps_its_own_weight(store: IndexStore) -> None:
    with store.searcher() as s:
        d = s.data
        table = condition_table(d)
        q = {d.term_id("noseble"): 1.0, d.term_id("epistaxi"): 0.3}
        assert conditions._bridged(d, table, q)[d.term_id("epistaxi")] == 0.3
        hemorrhage = d.term_id("hemorrhag")
        assert conditions._bridged(d, table, q)[hemorrhage] == pytest.approx(
            conditions.BRIDGE_WEIGHT * conditions.HYPERNYM_SHARE)


def test_the_wordnet_file_is_read_as_index_terms(tmp_path: Path) -> None:
    path = tmp_path / "wn.txt"
    path.write_text("# a comment line\nnosebleed epistaxis | bleeding hemorrhage\n"
                    "sneezing sneeze sternutation\nsneeze sternutation\n\nalone\n",
                    encoding="utf-8")
    found = wordnet_bridges(path)
    assert found["noseble"] == (("epistaxi",), ("bleed", "hemorrhag"))
    assert found["sneez"] == (("sternut",), ())  # "sneezing" and "sneeze" share a term
    assert "alon" not in found and "alone" not in found
    assert wordnet_bridges(tmp_path / "missing.txt") == {}


def test_the_shipped_file_carries_wordnet_s_notice_and_loads() -> None:
    head = synonyms.WORDNET_FILE.read_text(encoding="utf-8")[:4000]
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in head
    assert "bench/wordnet_bridge.py" in head
    assert len(wordnet_bridges(synonyms.WORDNET_FILE)) > 1000


def _bridge_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("wordnet_bridge",
                                                  ROOT / "bench" / "wordnet_bridge.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["wordnet_bridge"] = module
    spec.loader.exec_module(module)
    return module


def test_the_script_keeps_first_senses_of_kept_lexicographer_files_and_inflections(
        tmp_path: Path) -> None:
    wn = tmp_path / "wordnet-3.0"
    wn.mkdir()
    # WordNet's data format: offset lexfile pos count (lemma lex_id)* n_pointers
    # (symbol offset pos source/target)* | gloss
    (wn / "data.noun").write_text(
        "  1 licence header line\n"
        "00000010 26 n 02 nosebleed 0 epistaxis 0 001 @ 00000020 n 0000 | bleeding nose\n"
        "00000020 26 n 02 bleeding 0 hemorrhage 0 000 | loss of blood\n"
        "00000030 06 n 02 nosebleed 0 tap 0 000 | a made-up artifact sense\n"
        "00000040 06 n 02 shoot 0 sprout 0 000 | not about the body\n", encoding="utf-8")
    (wn / "index.noun").write_text(
        "  1 licence header line\n"
        "bleeding n 1 0 1 0 00000020\n"
        "epistaxis n 1 1 @ 1 0 00000010\n"
        "hemorrhage n 1 0 1 0 00000020\n"
        "nosebleed n 2 1 @ 2 0 00000010 00000030\n"
        "shoot n 1 0 1 0 00000040\n"
        "tap n 1 0 1 0 00000030\n", encoding="utf-8")
    for pos in ("verb", "adj"):
        (wn / f"data.{pos}").write_text("", encoding="utf-8")
        (wn / f"index.{pos}").write_text("", encoding="utf-8")
    (wn / "verb.exc").write_text("bled bleed\nswollen swell\nate eat\n", encoding="utf-8")
    script = _bridge_script()
    assert script.lines(wn) == ["ate eat", "bled bleed", "bleeding hemorrhage",
                                "epistaxis nosebleed | bleeding hemorrhage",
                                "hemorrhage bleeding", "nosebleed epistaxis | bleeding hemorrhage",
                                "swollen swell"]
    assert script.lines(wn, {"nosebleed", "epistaxis", "bleeding"}) == [
        "epistaxis nosebleed | bleeding", "nosebleed epistaxis | bleeding"]
