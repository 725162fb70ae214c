"""`RankData.assemble` numbers the new records' terms in one step at the end: each row's
forward arrays must hold its own terms and counts (capped at TF_MAX), the vocabulary must
number terms in first-seen order after those of the previous generation, and rows copied
from a previous generation or deleted (None) must sit between new ones unchanged."""

from __future__ import annotations

from collections import Counter

from indexer.index.ranking import TF_MAX, RankData
from indexer.index.terms import FIELDS, FieldCounts, RecordTerms


def _terms(**fields: dict[str, int]) -> RecordTerms:
    counted = {f: FieldCounts(dict(fields.get(f, {})), sum(fields.get(f, {}).values()))
               for f in FIELDS}
    return RecordTerms(counted, "", "", [], {}, "", [])


def _row(data: RankData, row: int, f: str) -> dict[str, int]:
    ptr, tids, tfs = data.fwd[f]
    a, b = ptr[row], ptr[row + 1]
    return {data.vocab[int(t)]: int(c) for t, c in zip(tids[a:b], tfs[a:b], strict=True)}


def _fields(**by_field: dict[str, int]) -> dict[str, dict[str, int]]:
    return {f: by_field.get(f, {}) for f in FIELDS}


def test_rows_hold_their_own_terms_in_first_seen_order() -> None:
    f0, f1 = FIELDS[0], FIELDS[1]
    a = {f0: {"zeta": 2, "alpha": 1}, f1: {"alpha": 3}}
    b = {f0: {"beta": TF_MAX + 9}, f1: {"zeta": 1, "gamma": 4}}
    new = {"a": ("ha", _terms(**a)), "b": ("hb", _terms(**b))}
    data = RankData.assemble(["a", None, "b"], new, None, Counter())
    assert list(data.vocab) == ["zeta", "alpha", "beta", "gamma"]
    assert [_row(data, 0, f) for f in FIELDS] == list(_fields(**a).values())
    assert [_row(data, 1, f) for f in FIELDS] == [{} for _ in FIELDS]
    assert _row(data, 2, f0) == {"beta": TF_MAX}
    assert _row(data, 2, f1) == {"zeta": 1, "gamma": 4}
    assert list(data.live) == [True, False, True]
    assert data.lengths[f1][2] == 5


def test_previous_rows_keep_their_ids_and_new_terms_come_after() -> None:
    f0 = FIELDS[0]
    first = RankData.assemble(["a", "b"], {"a": ("ha", _terms(**{f0: {"old": 1}})),
                                           "b": ("hb", _terms(**{f0: {"kept": 2, "old": 5}}))},
                              None, Counter())
    again = RankData.assemble(["c", "b", None],
                              {"c": ("hc", _terms(**{f0: {"fresh": 7, "old": 1}}))},
                              first, Counter())
    assert list(again.vocab) == ["old", "kept", "fresh"]
    assert _row(again, 0, f0) == {"fresh": 7, "old": 1}
    assert _row(again, 1, f0) == {"kept": 2, "old": 5}
    assert _row(again, 2, f0) == {}
    assert list(again.hashes) == ["hc", "hb", ""]
