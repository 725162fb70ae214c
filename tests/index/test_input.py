"""Index input: the content hash is ours (an input `content_hash` is never trusted), badly
typed records are reported per line and skipped without stopping the build, and any query
string gets results or a QueryError, never another exception (Hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.cli import cli
from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.limits import MAX_LIMIT, MAX_OFFSET
from indexer.records import Record
from indexer.results import QueryError
from indexer.search import get_record, search


def index(source: Path, idx: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["index", "-q", "--source", str(source),
                                      "--index", str(idx)])
    return result.exit_code, result.output


def test_an_edited_answer_with_its_old_content_hash_is_updated(tmp_path: Path) -> None:
    source, idx = tmp_path / "records.jsonl", tmp_path / "idx"
    recs = [Record(id=f"m{i}", question=f"What is condition{i}?",
                   answer=f"Condition{i} is treated with rest.") for i in range(3)]
    lines = [r.to_dict() for r in recs]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert index(source, idx)[0] == 0
    lines[1]["answer"] = "Condition1 is treated with antibiotics."  # content_hash kept as is
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))
    code, out = index(source, idx)
    assert code == 0 and "0 added, 1 updated, 0 removed, 2 unchanged" in out
    with IndexStore(idx).searcher() as s:
        assert get_record(s, "m1").answer == "Condition1 is treated with antibiotics."
        assert [h.id for h in search(s, "antibiotics").hits] == ["m1"]


BAD_LINES = [
    ({"id": "a6", "question": "q?", "answer": "y", "categories": [[1, 2]]}, "categories"),
    ({"id": "a7", "question": "q?", "answer": "y", "focus": 5}, "focus"),
    ({"id": "a8", "question": "q?", "answer": "y", "synonyms": [5]}, "synonyms"),
    ({"id": ["a9"], "question": "q?", "answer": "y"}, "id"),
]


def test_badly_typed_records_are_reported_per_line_and_skipped(tmp_path: Path) -> None:
    source, idx = tmp_path / "records.jsonl", tmp_path / "idx"
    good = [{"id": "g1", "question": "Is rest good?", "answer": "Rest helps sprains."},
            {"id": 123, "question": "Numeric id?", "answer": "Coerced to text.",
             "categories": "notalist"}]
    lines = [good[0], *(line for line, _ in BAD_LINES), good[1]]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))
    code, out = index(source, idx)
    assert code == 0, out
    for lineno, (_line, field) in enumerate(BAD_LINES, 2):
        (said,) = [x for x in out.splitlines() if f"records.jsonl:{lineno}:" in x]
        assert f"'{field}'" in said and "skipped" in said
    assert "2 records in generation" in out
    with IndexStore(idx).searcher() as s:
        rec = get_record(s, "123")
        assert rec is not None and rec.categories == [["notalist"]]


def test_a_record_made_bad_after_construction_is_skipped_by_the_build(tmp_path: Path) -> None:
    bad = Record(id="b", question="q", answer="a")
    bad.focus = 5  # type: ignore[assignment]
    report = build_index([Record(id="g", question="q", answer="a"), bad], tmp_path / "idx")
    assert report.records == 1
    assert report.problems == ["record 'b': field 'focus' must be text, got int 5; skipped"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_records: list) -> IndexStore:
    idx = tmp_path_factory.mktemp("fuzz") / "idx"
    build_index(sample_records, idx)
    return IndexStore(idx)


_query = st.text(max_size=80) | st.lists(
    st.sampled_from(['"', "-", "OR", "AND", "NOT", "(", ")", "*", "?", "~", ":", "^", "back",
                     "pain", "acupuncture", "needle", "\\", "[", "]", "{", "}", "title:",
                     "\x00", "é", "日本", " "]), max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=_query, limit=st.integers(-3, MAX_LIMIT + 3) | st.just(10),
       offset=st.sampled_from([-1, 0, 5, MAX_OFFSET, MAX_OFFSET + 1]))
def test_any_query_gets_results_or_a_query_error(store: IndexStore, query: str, limit: int,
                                                  offset: int) -> None:
    with store.searcher() as s:
        try:
            result = search(s, query, limit=limit, offset=offset)
        except QueryError:
            assert not (1 <= limit <= MAX_LIMIT and 0 <= offset <= MAX_OFFSET), (limit, offset)
            return
    assert result.total >= len(result.hits)
