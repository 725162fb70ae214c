"""A record that states no question type takes one from its title (`terms._title_qtype`): a
record without focus as a query's type is read; a record with a focus whose title is just
its focus name heads the page about it, an overview (issue F, item 6: web pages with a
condition but no section)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index import terms
from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import rank_ids, scoring

PAGE = ("Quilt fever is a passing illness of quilters, often taken for a cold; it spreads in "
        "sewing circles and is most common in winter. ")
RECORDS = [
    Record(id="page", question="", title="Quilt fever", answer=PAGE * 3, focus="Quilt fever"),
    Record(id="living", question="", title="Quilt fever (Living with it)",
           answer="Living with quilt fever means resting your hands; quilt fever is a "
                  "passing illness.", focus="Quilt fever"),
    Record(id="typed", question="", title="Quilt fever (Diagnosis)", focus="Quilt fever",
           qtype="exams and tests", answer="A swab of the fingertips shows quilt fever."),
    Record(id="nameless", question="", title="Quilt fever", answer=PAGE),
    *[Record(id=f"tip-{i}", question="", title=f"Sewing tips {i}",
             answer=f"Tip {i}: keep needles sharp and the thread short.") for i in range(4)],
]


def _types(index: Path) -> dict[str, str]:
    with IndexStore(index).searcher() as s:
        data = s.data
        rows = data.row_index()
        return {rid: (data.qtypes[int(data.qtype[row])] if data.qtype[row] >= 0 else "")
                for rid, row in rows.items()}


def test_a_title_that_is_the_focus_name_is_an_overview(tmp_path: Path) -> None:
    build_index(RECORDS, tmp_path / "index")
    types = _types(tmp_path / "index")
    assert types["page"] == "information"
    assert types["living"] == ""  # its section names no question type
    assert types["typed"] == "exams and tests"  # a stated type is kept
    assert types["nameless"] == "information"  # (as before: a bare title without focus)


@pytest.mark.parametrize("overview", [True, False])
def test_the_overview_answers_what_is(tmp_path: Path, monkeypatch, overview: bool) -> None:
    monkeypatch.setattr(terms, "FOCUS_TITLE_OVERVIEW", overview)
    monkeypatch.setattr(scoring, "SHORT_ANSWER_PRIOR", 0.0)  # (the type alone decides)
    records = [r for r in RECORDS if r.id != "nameless"]
    build_index(records, tmp_path / "index")
    assert _types(tmp_path / "index")["page"] == ("information" if overview else "")
    with IndexStore(tmp_path / "index").searcher() as s:
        first = rank_ids(s, "what is quilt fever?")[0][0]
    # the short section has "quilt fever" and "illness" as densely; as an overview the page
    # is the answer
    assert first == ("page" if overview else "living")
