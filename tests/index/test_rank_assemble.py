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


def test_terms_packed_by_a_writer_process_assemble_as_the_analysed_terms() -> None:
    import pickle

    from indexer.index.terms import analyse_record
    from indexer.records import Record

    records = [Record(id=f"m{i}", question=f"What are the symptoms of {c} ?",
                      answer=f"{c} hurts. {c} swells joints, joints ache (case {i}).",
                      focus=c, synonyms=[f"{c} arthritis"], qtype="symptoms",
                      categories=[["GARD", "symptoms"]])
               for i, c in enumerate(["Gout", "Lupus", "Gout", "GSD VI"])]
    records.append(Record(id="plain", question="Pain pain?", answer="Rest.", title="Pain"))
    analysed = {r.id: (r.content_hash, analyse_record(r)) for r in records}
    sent = {rid: (h, pickle.loads(pickle.dumps(t.packed())))  # noqa: S301 (our own bytes)
            for rid, (h, t) in analysed.items()}
    rows = [r.id for r in records]
    want = RankData.assemble(rows, analysed, None, Counter())
    got = RankData.assemble(rows, sent, None, Counter())
    assert list(got.vocab) == list(want.vocab)
    for f in FIELDS:
        assert all((g == w).all() for g, w in zip(got.fwd[f], want.fwd[f], strict=True))
        assert (got.lengths[f] == want.lengths[f]).all()
    assert (list(got.focus), got.focus_keys, got.focus_names, got.gazetteer, list(got.qtype),
            got.qtypes, got.paths, list(got.cat_ids), got.extra) == (
        list(want.focus), want.focus_keys, want.focus_names, want.gazetteer, list(want.qtype),
        want.qtypes, want.paths, list(want.cat_ids), want.extra)
    assert _row(want, 0, "answer") == {"gout": 2, "hurt": 1, "swell": 1, "joint": 2, "ach": 1,
                                       "case": 1, "0": 1}
