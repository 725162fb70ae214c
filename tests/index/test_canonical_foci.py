"""The condition tables of a generation depend on its records, not on the order a build wrote
them in: a 2-core build splits its segments differently each time, and the same records must
still show the same condition names and list a shared name's conditions in the same order."""

from __future__ import annotations

import random

from indexer.index.ranking import RankData, canonical_foci, display_name
from indexer.index.terms import analyse_record
from indexer.records import Record


def _rec(rid: str, focus: str, synonyms: list[str]) -> Record:
    return Record(id=rid, question=f"What is {focus} ?", answer=f"About {focus}.",
                  focus=focus, synonyms=synonyms, qtype="information", source="institute")


RECORDS = [
    _rec("a1", "Quilt fever", ["QF", "patchwork ague"]),
    _rec("a2", "Quilt Fever", ["patchwork ague"]),
    _rec("a3", "quilt fever", []),
    _rec("b1", "Thimble knee", ["patchwork ague"]),
    _rec("c1", "garden cough", ["patchwork ague"]),
    _rec("c2", "Garden cough", []),
]


def _tables(records: list[Record]) -> tuple:
    new = {r.id: (r.content_hash, analyse_record(r)) for r in records}
    data = RankData.assemble([r.id for r in records], new, None)
    by_id = {rid: data.focus_keys[k] for rid, k in zip(data.ids, data.focus, strict=True)}
    gaz = {ph: [data.focus_keys[k] for k in ids] for ph, ids in data.gazetteer.items()}
    return list(data.focus_keys), list(data.focus_names), by_id, gaz


def test_any_order_of_the_records_gives_the_same_tables() -> None:
    first = _tables(RECORDS)
    rng = random.Random(7)
    for _ in range(5):
        shuffled = RECORDS[:]
        rng.shuffle(shuffled)
        assert _tables(shuffled) == first
    keys, names, _, _ = first
    assert keys == sorted(keys)
    assert names == ["Garden cough", "Quilt Fever", "Thimble knee"]


def test_a_shared_name_lists_the_most_recorded_condition_first() -> None:
    keys, _, _, gaz = _tables(RECORDS)
    listed = next(v for ph, v in gaz.items() if len(v) == 3)
    assert listed[0] == next(k for k in keys if k.startswith("quilt"))  # 3 records
    assert listed[1] == next(k for k in keys if k.startswith("garden"))  # 2 records


def test_display_name_prefers_capitals_then_code_point_order() -> None:
    assert display_name("quilt fever", "Quilt fever") == "Quilt fever"
    assert display_name("Quilt fever", "Quilt Fever") == "Quilt Fever"
    assert display_name("Quilt Fever", "Quilt fever") == "Quilt Fever"


def test_canonical_foci_keeps_rows_without_a_condition() -> None:
    import numpy as np

    keys, names, focus, gaz = canonical_foci(
        ["b", "a"], ["B", "A"], np.array([0, -1, 1], np.int32), {"x": [0, 1]},
        np.array([True, True, True]))
    assert keys == ["a", "b"] and names == ["A", "B"]
    assert focus.tolist() == [1, -1, 0]
    assert gaz == {"x": [0, 1]}  # one record each: by key
