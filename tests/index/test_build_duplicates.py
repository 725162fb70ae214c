"""Duplicate groups at build time: an incremental build whose records changed in their
answers only carries the live generation's groups over (no question compared again: only
the members of a stock answer that was not there before) and stores what a full computation
gives; any other change computes them again."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from indexer.editors import duplicates as dup
from indexer.editors.duplicates import store
from indexer.index.build import build_index, current_generation
from indexer.records import Record
from tests.conftest import ROOT


@pytest.fixture()
def records() -> list[Record]:
    from indexer.ingest.parse import parse_paths

    return parse_paths([ROOT / "scraped"]).records


def _stored(index_dir: Path) -> list[dict]:
    groups = store.read_groups(index_dir / current_generation(index_dir))
    assert groups is not None
    return [c.to_dict() for c in groups.clusters]


def _expected(records: list[Record]) -> list[dict]:
    return [c.to_dict() for c in dup.clusters_for_records(records)]


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = store.find_duplicates

    def counting(qi, **kw):
        calls.append(len(qi))
        return real(qi, **kw)

    monkeypatch.setattr(store, "find_duplicates", counting)
    return calls


def _with_answer(rec: Record, answer: str) -> Record:
    return rec.rehashed(answer=answer)


def test_changed_answers_reuse_the_groups(records, tmp_path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build_index(records, index_dir)
    assert any(c["kind"] == dup.STOCK_ANSWER for c in _stored(index_dir))
    calls = _calls(monkeypatch)
    changed = [_with_answer(r, r.answer + " Updated.") if i % 5 == 0 else r
               for i, r in enumerate(records)]
    report = build_index(changed, index_dir)
    assert report.updated == len(range(0, len(records), 5))
    assert calls == []  # carried over
    assert _stored(index_dir) == _expected(changed)


def test_a_stock_answer_that_was_not_there_is_added(records, tmp_path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build_index(records, index_dir)
    calls = _calls(monkeypatch)
    shared = "One answer now given to two different questions, word for word, twice."
    changed = [_with_answer(r, shared) if i in (1, 7) else r for i, r in enumerate(records)]
    build_index(changed, index_dir)
    assert calls == []  # only the new group's members are compared
    stored = _stored(index_dir)
    assert stored == _expected(changed)
    assert any(c["kind"] == dup.STOCK_ANSWER and c["answer_start"].startswith("One answer")
               for c in stored)


def test_a_shared_answer_that_stops_being_shared_is_no_group(records, tmp_path,
                                                            monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build_index(records, index_dir)
    before = _stored(index_dir)
    stock = next(c for c in before if c["kind"] == dup.STOCK_ANSWER)
    rewritten = {m["id"] for m in stock["members"][1:2]}  # one or more keep the answer
    calls = _calls(monkeypatch)
    changed = [_with_answer(r, f"A new answer written for {r.id} alone, at length.")
               if r.id in rewritten else r for r in records]
    build_index(changed, index_dir)
    assert calls == []
    after = _stored(index_dir)
    assert after == _expected(changed)
    assert stock not in after


@pytest.mark.parametrize("field", ["question", "focus", "removed"])
def test_other_changes_compute_again(records, tmp_path, monkeypatch, field) -> None:
    index_dir = tmp_path / "index"
    build_index(records, index_dir)
    calls = _calls(monkeypatch)
    if field == "removed":
        changed = records[1:]
    else:
        changed = [r.rehashed(**{field: getattr(r, field) + " again"}) if i == 3 else r
                   for i, r in enumerate(records)]
    build_index(changed, index_dir)
    assert calls
    assert _stored(index_dir) == _expected(changed)


def test_a_full_build_reuses_intact_groups_only(records, tmp_path, monkeypatch) -> None:
    index_dir = tmp_path / "index"
    build_index(records, index_dir)
    calls = _calls(monkeypatch)
    build_index(records, index_dir, full=True)  # as after a schema change
    assert calls == []
    assert _stored(index_dir) == _expected(records)
    groups_file = index_dir / current_generation(index_dir) / store.FILE
    text = gzip.decompress(groups_file.read_bytes()).replace(b'"same question"', b'"same qu"')
    groups_file.write_bytes(gzip.compress(text))
    build_index(records, index_dir, full=True)
    assert calls  # a damaged file is not trusted
    assert _stored(index_dir) == _expected(records)
