"""One definition of a record's terms: Whoosh's postings and the ranking arrays are written
from the same analysis, so they hold the same terms of the same fields for every record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import query as wq

from indexer.index.build import build_index
from indexer.index.schema import FIELD_GAP, PHRASE_FIELD, phrase_positions
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
        # one Whoosh field holds every field's terms, a term's frequency summed over them
        whoosh_terms = {t.decode() if isinstance(t, bytes) else t
                        for t in reader.field_terms(PHRASE_FIELD)}
        ranking_terms = {t for t in s.data.vocab
                         if any(len(s.data.postings(f, t)[0]) for f in FIELDS)}
        assert whoosh_terms == ranking_terms
        for t in whoosh_terms:
            want: dict[int, int] = {}
            for f in FIELDS:
                rows, tfs = s.data.postings(f, t)
                for row, tf in zip(rows.tolist(), tfs.tolist(), strict=True):
                    want[row] = want.get(row, 0) + tf
            assert want == dict(reader.postings(PHRASE_FIELD, t).items_as("frequency")), t
        # no phrase is made across a left-out word: "treatments for type" is not a phrase of
        # the structured question, while its condition's name is
        def phrase(text: str) -> list[int]:
            return list(s.searcher.docs_for_query(wq.Phrase(PHRASE_FIELD, analyse(text))))
        assert phrase("type 2 diabetes") == [s.data.row_of("s1")]
        assert phrase("treatments for type 2") == []
        # nor across two fields: title "Ear wax" | category "ears wax" | answer "Drops..."
        assert phrase("ear wax") == [s.data.row_of("p1")]
        assert phrase("wax ears") == [] and phrase("wax drops") == []
        assert not np.any(s.data.lengths["category"] == 0)


def test_phrase_positions_put_each_field_after_the_last_with_a_gap() -> None:
    terms = analyse_record(PLAIN)
    fields = [terms.fields[f] for f in FIELDS if terms.fields[f].terms]
    assert len(fields) >= 3
    flat = sorted((p, t) for t, ps in phrase_positions(terms).items() for p in ps)
    assert [t for _, t in flat] == [t for ft in fields for t in ft.terms]  # text order
    start = 0
    for ft in fields:  # a field's terms keep their gaps; the next starts FIELD_GAP later
        own = [p for p, _ in flat[start:start + len(ft.terms)]]
        rel = ft.positions if ft.positions is not None else list(range(len(ft.terms)))
        assert [q - own[0] for q in own] == [r - rel[0] for r in rel]
        if start:
            assert own[0] - flat[start - 1][0] >= FIELD_GAP
        start += len(ft.terms)


def test_a_record_without_focus_or_type_takes_the_type_its_title_or_question_asks() -> None:
    def qtype(**fields: str) -> str:
        fields.setdefault("question", "")
        return analyse_record(Record(id="r", answer="Some text.", **fields)).qtype

    assert qtype(title="Quilt fever (Diagnosis)") == "exams and tests"
    assert qtype(title="What causes quilt fever?") == "causes"
    assert analyse_record(PLAIN).qtype == "treatment"  # the title names, the question asks
    assert qtype(title="Quilt fever") == "information"  # a name only: the page about it
    assert qtype(title="", question="") == ""
    # a record that states its focus keeps what it states (no type is no type)
    assert qtype(title="Quilt fever (Treatment)", focus="Quilt fever") == ""
    assert analyse_record(STRUCTURED).qtype == "treatment"
