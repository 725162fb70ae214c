"""A contraction typed without its apostrophe is a function word: records need not contain
it to match, though it still counts where they do."""

from __future__ import annotations

from pathlib import Path

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search

RECORDS = [
    Record(id="k1", question="Why will my knee not straighten?",
           answer="A knee that will not straighten may have a torn meniscus or swelling."),
    Record(id="k2", question="My knee is stiff in the morning",
           answer="Morning stiffness of the knee is common with osteoarthritis."),
    Record(id="c1", question="What is Cant syndrome?",
           answer="Cant syndrome is a rare condition with extra hair growth."),
] + [Record(id=f"f{i}", question=f"Filler question {i} about sleep",
            answer=f"Filler answer {i}.") for i in range(20)]


def test_a_contraction_is_not_required(tmp_path: Path) -> None:
    build_index(RECORDS, tmp_path / "idx")
    with IndexStore(tmp_path / "idx").searcher() as s:
        result = search(s, "knee wont straighten")
        assert [h.id for h in result.hits][:1] == ["k1"]
        assert result.understood.get("all_words") == 1 and not result.unmatched
        # only the contraction: searched as typed
        assert [h.id for h in search(s, "cant").hits] == ["c1"]
        # where a record has it, it still counts
        assert [h.id for h in search(s, "cant syndrome").hits][:1] == ["c1"]
