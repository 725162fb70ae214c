"""Records without focus or question type (archive pages, scraped answers) are named by their
title alone: a title naming what the query asks ranks above answers that only mention it
(issue F, item 6)."""

from __future__ import annotations

from pathlib import Path

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import rank_ids

LONG = ("Quilt fever is a passing illness of quilters. Quilt fever spreads in sewing circles, "
        "and quilt fever is most common in winter; its symptoms are mild. People with quilt "
        "fever rest at home, and quilt fever passes within a week. ")
RECORDS = [
    Record(id="overview", question="", title="Quilt fever", answer=LONG * 3),
    Record(id="signs", question="", title="Quilt fever (Symptoms)",
           answer="Quilt fever brings a rash on the arms, chills and aching joints for a few "
                  "days; the rash does not itch and fades without a scar."),
    Record(id="spread", question="", title="Quilt fever (How it spreads)",
           answer="Quilt fever passes between quilters who share thimbles and needles. "
                  "Washing hands after a sewing circle stops most of it."),
    Record(id="common", question="", title="Quilt fever (How common is quilt fever?)",
           answer="About one quilter in ten has had quilt fever by the age of forty."),
    *[Record(id=f"other-{i}", question="", title=f"Sewing tips {i}",
             answer=f"Tip {i}: keep needles sharp and the thread short; symptoms of strain "
                    "in the wrists call for a break.") for i in range(6)],
]


def test_a_title_that_names_the_question_ranks_first(tmp_path: Path) -> None:
    build_index(RECORDS, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        assert rank_ids(s, "What are the symptoms of quilt fever?")[0][0] == "signs"
        assert rank_ids(s, "how does quilt fever spread")[0][0] == "spread"
        # a title naming the condition twice is no more about it than its plain name
        assert rank_ids(s, "quilt fever")[0][0] == "overview"
        assert rank_ids(s, "what is quilt fever?")[0][0] == "overview"
