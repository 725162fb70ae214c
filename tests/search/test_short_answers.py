"""A record without a question (a web page's section, not an answered question) whose answer
is shorter than such records' average scores its text less (`scoring.SHORT_ANSWER_PRIOR`):
a stub section says less than the page it comes from (issue F, item 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import rank_ids, scoring
from indexer.search.scoring import Scorer, short_answer_prior

PAGE = ("Quilt fever is a passing illness of quilters. The rash of quilt fever starts on the "
        "fingertips and spreads to the palms; it itches most at night. A doctor tells quilt "
        "fever from other rashes by a swab. Rest, cool cloths and warm drinks help, and the "
        "rash fades within a week. Quilt fever spreads in sewing circles, mostly in winter, "
        "so wash your hands after a shared session and keep your own thimble. ")
RECORDS = [
    Record(id="page", question="", title="Quilt fever", answer=PAGE),
    Record(id="stub", question="", title="Quilt fever (Rash)",
           answer="Quilt fever gives a rash."),
    Record(id="asked", question="What is hay fever?", title="Hay fever",
           answer="Hay fever is an allergy to pollen.", focus="Hay fever",
           qtype="information"),
    *[Record(id=f"tip-{i}", question="", title=f"Sewing tips {i}",
             answer=f"Tip {i}: keep needles sharp and the thread short; press every seam "
                    "flat before the next one and baste long seams first.")
      for i in range(6)],
]


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    build_index(RECORDS, tmp_path / "index")
    return tmp_path / "index"


def test_short_answers_without_a_question_weigh_less(index: Path) -> None:
    with IndexStore(index).searcher() as s:
        data = s.data
        factor = short_answer_prior(data, 0.2)
        assert factor is not None
        rows = data.row_index()
        assert factor[rows["asked"]] == 1.0  # an answered question: its length says nothing
        assert factor[rows["page"]] == 1.0  # longer than the average: no reward either
        assert 0.0 < factor[rows["stub"]] < 1.0
        unasked = np.asarray(data.lengths["question"]) == 0
        lens = np.maximum(np.asarray(data.lengths["answer"]), 1.0)
        ratio = lens[rows["stub"]] / lens[unasked & np.asarray(data.live)].mean()
        assert factor[rows["stub"]] == pytest.approx(ratio ** 0.2, rel=1e-6)
        assert short_answer_prior(data, 0.0) is None


def test_the_prior_scales_the_text_score_of_those_records_only(index: Path) -> None:
    with IndexStore(index).searcher() as s:
        data = s.data
        ours, plain = Scorer(data), Scorer(data)
        plain.prior = None
        rows, scores, _ = ours.term("fever")
        rows0, scores0, _ = plain.term("fever")
        assert np.array_equal(rows, rows0)
        factor = short_answer_prior(data, scoring.SHORT_ANSWER_PRIOR,
                                    scoring.SHORT_ANSWER_PRIOR_NAMELESS)
        assert np.allclose(scores, scores0 * factor[rows])
        asked = data.row_index()["asked"]
        at = int(np.flatnonzero(rows == asked)[0])
        assert scores[at] == scores0[at]  # bit for bit


def test_the_page_ranks_above_its_stub(index: Path, monkeypatch) -> None:
    # in a corpus this small the stub's title and length win by more than the default prior
    # takes away; a stronger one shows the order it is there for
    query = "quilt fever rash"
    monkeypatch.setattr(scoring, "SHORT_ANSWER_PRIOR_NAMELESS", 0.2)
    with IndexStore(index).searcher() as s:
        assert [rid for rid, _ in rank_ids(s, query)][:2] == ["page", "stub"]
    monkeypatch.setattr(scoring, "SHORT_ANSWER_PRIOR_NAMELESS", 0.0)
    with IndexStore(index).searcher() as s:  # a fresh store: its scorer reads the setting
        assert [rid for rid, _ in rank_ids(s, query)][:2] == ["stub", "page"]


def test_records_with_and_without_focus_take_their_own_power(tmp_path: Path) -> None:
    sections = [Record(id=f"{kind}-{n}", question="", title=f"Quilt fever ({kind} {n})",
                       answer="Quilt fever itches. " * n,
                       **({"focus": "Quilt fever", "qtype": "symptoms"} if kind == "named" else {}))
                for kind in ("named", "nameless") for n in (2, 30)]
    build_index(sections, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        data = s.data
        rows = data.row_index()
        factor = short_answer_prior(data, 0.3, 0.1)
        named, nameless = factor[rows["named-2"]], factor[rows["nameless-2"]]
        assert 0.0 < named < nameless < 1.0  # the same length, the stronger power
        assert np.log(named) / np.log(nameless) == pytest.approx(3.0, rel=1e-4)
        assert factor[rows["named-30"]] == factor[rows["nameless-30"]] == 1.0


def test_no_prior_in_a_corpus_of_answered_questions(tmp_path: Path) -> None:
    build_index([r for r in RECORDS if r.question], tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        assert short_answer_prior(s.data, 0.2) is None
