"""Records without focus or question type (archive pages, scraped answers without structure):
their title names their condition and, read as a query is, their question type; a long web
answer is not held against them as a long MedQuAD section is (issue F, item 6)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import plan, rank_ids
from indexer.search.scoring import DEFAULT_PARAMS, Scorer

OVERVIEW = ("Quilt fever is a passing illness of quilters, often taken for a cold. Quilt "
            "fever spreads in sewing circles and is most common in winter. ")
RECORDS = [
    Record(id="overview", question="", title="Quilt fever", answer=OVERVIEW * 2),
    Record(id="tests", question="", title="Quilt fever (Exams and Tests)",
           answer="A doctor looks at the rash and takes a swab of the fingertips; quilt fever "
                  "shows on the swab within a day."),
    Record(id="care", question="", title="Quilt fever (Treatment)",
           answer="Rest and warm drinks; quilt fever passes within a week."),
    Record(id="other", question="", title="Sewing machine faults (Diagnosis)",
           answer="A machine that skips stitches has a bent needle; it is diagnosed by "
                  "sewing a test seam."),
    Record(id="structured", question="What is hay fever?", title="Hay fever",
           answer="Hay fever is an allergy to pollen. " * 12, focus="Hay fever",
           qtype="information"),
    *[Record(id=f"tip-{i}", question="", title=f"Sewing tips {i}",
             answer=f"Tip {i}: keep needles sharp and the thread short.") for i in range(6)],
]


def test_the_section_a_title_names_answers_its_question_type(tmp_path: Path) -> None:
    build_index(RECORDS, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        # no word of "diagnosed" is in the tests section's title ("Exams and Tests"), and the
        # overview says "quilt fever" more often: the section is understood as the one asked
        # for
        assert rank_ids(s, "How is quilt fever diagnosed?")[0][0] == "tests"
        assert rank_ids(s, "what is the treatment for quilt fever")[0][0] == "care"
        assert rank_ids(s, "what is quilt fever?")[0][0] == "overview"


def test_the_type_boost_needs_a_title_naming_the_condition(tmp_path: Path,
                                                         monkeypatch) -> None:
    build_index(RECORDS, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        ranked = [rid for rid, _ in rank_ids(s, "How is quilt fever diagnosed?")]
        assert ranked.index("other") > ranked.index("overview")  # a diagnosis, of machines
        monkeypatch.setattr(plan, "TITLE_NAMED", 1.01)  # no title counts as naming it
        assert rank_ids(s, "How is quilt fever diagnosed?")[0][0] == "overview"


def test_a_long_answer_counts_against_records_without_focus_less(tmp_path: Path) -> None:
    build_index(RECORDS, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        data = s.data
        same = dataclasses.replace(DEFAULT_PARAMS, nameless_b=(("answer", 0.75),))
        base, ours = Scorer(data, same), Scorer(data, DEFAULT_PARAMS)
        focus = np.asarray(data.focus) >= 0
        assert np.array_equal(base.norm["answer"][focus], ours.norm["answer"][focus])
        row = data.row_index()["overview"]  # longer than the average answer
        assert ours.norm["answer"][row] > base.norm["answer"][row]
