"""One definition of a record's terms: Whoosh's postings and the ranking arrays are written
from the same analysis, so they hold the same terms of the same fields for every record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import query as wq

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.index.terms import FIELDS, analyse_record
from indexer.records import Record
from indexer.text.analysis import analyse

STRUCTURED = Record(id="s1", question="What are the treatments for Type 2 diabetes ?",
                    answer="Diet, exercise and metformin help.", focus="Type 2 diabetes",
                    synonyms=["adult-onset diabetes"], qtype="treatment",
                    categories=[["MedQuAD", "treatment"]])
PLAIN = Record(id="p1", question="Is there a treatment for ear wax?", title="Ear wax",
               answer="Drops soften the wax.", categories=[["ears", "wax"]])


def test_a_structured_record_scores_its_question_on_its_names_only() -> None:
    terms = analyse_record(STRUCTURED)
    question = terms.fields["question"]
    assert question.terms == ["type", "2", "diabet"]
    full = analyse(STRUCTURED.question)
    assert [full[p] for p in question.positions] == question.terms  # positions in the text
    assert question.length == len(full)  # length normalisation sees the whole question
    assert terms.fields["category"].terms == []
    plain = analyse_record(PLAIN).fields
    assert plain["question"].terms == analyse(PLAIN.question)
    assert plain["category"].terms == analyse("ears\nwax")


def test_whoosh_postings_are_the_ranking_postings(tmp_path: Path) -> None:
    build_index([STRUCTURED, PLAIN], tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as s:
        reader = s.searcher.reader()
        for f in FIELDS:
            whoosh_terms = {t.decode() if isinstance(t, bytes) else t
                            for t in reader.field_terms(f)}
            ranking_terms = {t for t in s.data.vocab if len(s.data.postings(f, t)[0])}
            assert whoosh_terms == ranking_terms, f
            for t in whoosh_terms:
                rows, tfs = s.data.postings(f, t)
                postings = reader.postings(f, t)
                assert dict(zip(rows.tolist(), tfs.tolist(), strict=True)) == dict(
                    postings.items_as("frequency")), (f, t)
        # no phrase is made across a left-out word: "treatments for type" is not a phrase of
        # the structured question, while its condition's name is
        def phrase(text: str) -> list[int]:
            return list(s.searcher.docs_for_query(wq.Phrase("question", analyse(text))))
        assert phrase("type 2 diabetes") == [s.data.row_of("s1")]
        assert phrase("treatments for type 2") == []
        assert not np.any(s.data.lengths["category"] == 0)
