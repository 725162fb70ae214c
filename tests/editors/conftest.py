"""Fixtures shared by the editors' tests: records made by hand, the sample archive's question
index, and a private copy of similar questions' fitted model."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.editors.similar import QuestionIndex, model
from indexer.records import Record, read_jsonl

SAMPLE = "tests/data/sample_expected.jsonl"


@pytest.fixture()
def rec() -> Callable[..., Record]:
    """`rec(id, question, answer="", **fields)`: a record with a distinct non-trivial answer."""

    def make(rid: str, question: str, answer: str = "", **kw) -> Record:
        return Record(id=rid, question=question, answer=answer or f"answer of {rid} " * 5, **kw)

    return make


@pytest.fixture()
def mq() -> Callable[..., Record]:
    """`mq(id, focus, qtype, question, source)`: a MedQuAD-like labelled record."""

    def make(rid: str, focus: str, qtype: str, question: str, source: str) -> Record:
        return Record(id=rid, question=question, answer="x" * 60, focus=focus, qtype=qtype,
                      source=source, categories=[[source, qtype]])

    return make


@pytest.fixture()
def stock() -> str:
    """A stock answer an archive reuses for several questions."""
    return ("Thank you for your question. We are sorry but we cannot answer this one in "
            "detail; please see a practitioner near you.")


@pytest.fixture(scope="session")
def sample_expected() -> list[Record]:
    """The sample archive's records as the parser is expected to give them."""
    return list(read_jsonl(SAMPLE))


@pytest.fixture(scope="session")
def sample_qi(sample_expected: list[Record]) -> QuestionIndex:
    """The question index of the sample archive (read-only)."""
    return QuestionIndex.from_records(sample_expected)


@pytest.fixture()
def weights_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the fitted model's data file that the model reads and writes instead; the
    process's model is read afresh before and after the test."""
    copy = tmp_path / "similar_weights.json"
    shutil.copy(model.WEIGHTS_FILE, copy)
    monkeypatch.setattr(model, "WEIGHTS_FILE", copy)
    model.reset()
    yield copy
    monkeypatch.undo()
    model.reset()
