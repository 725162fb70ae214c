"""Duplicate clusters: same questions grouped, stock answers shown, cross-listed copies not."""

from __future__ import annotations

import json

import pytest

from indexer.editors import duplicates as dup
from indexer.editors import report
from indexer.editors.similar import QuestionIndex
from indexer.records import Record

STOCK = ("Thank you for your question. We are sorry but we cannot answer this one in detail; "
         "please see a practitioner near you.")


def _rec(rid: str, question: str, answer: str = "", **kw) -> Record:
    return Record(id=rid, question=question, answer=answer or f"answer of {rid} " * 5, **kw)


def _mq(rid: str, focus: str, qtype: str, question: str, source: str) -> Record:
    return Record(id=rid, question=question, answer="x" * 60, focus=focus, qtype=qtype,
                  source=source, categories=[[source, qtype]])


def test_same_question_from_two_sources_is_one_cluster():
    recs = [
        _mq("a1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "A"),
        _mq("b1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "B"),
        _mq("a2", "Glaucoma", "symptoms", "What are the symptoms of Glaucoma ?", "A"),
        _mq("c1", "Spinocerebellar ataxia 2", "symptoms",
            "What are the symptoms of Spinocerebellar ataxia 2 ?", "C"),
        _mq("c2", "Spinocerebellar ataxia 3", "symptoms",
            "What are the symptoms of Spinocerebellar ataxia 3 ?", "C"),
    ]
    clusters = dup.clusters_for_records(recs)
    same = [c for c in clusters if c.kind == dup.SAME_QUESTION]
    assert [sorted(c.ids) for c in same] == [["a1", "b1"]]  # type and variant number matter
    c = same[0]
    assert c.canonical_id in {"a1", "b1"} and c.similarity > dup.THRESHOLD
    assert sorted(c.categories) == [["A", "treatment"], ["B", "treatment"]]


def test_cross_listed_copies_are_not_duplicates():
    q = "Can acupuncture help my lower back pain in pregnancy?"
    recs = [
        _rec("k-106", q, "same answer text " * 6, item_id="106", source="k2",
             categories=[["back"]]),
        _rec("k-106-copy", q, "same answer text " * 6, item_id="106", source="k2",
             categories=[["pregnancy"]]),
        _rec("k-200", "What is acupuncture?", item_id="200", source="k2"),
    ]
    clusters = dup.clusters_for_records(recs)
    assert all(not ({"k-106", "k-106-copy"} <= set(c.ids)) for c in clusters)


def test_stock_answer_reused_for_different_questions():
    recs = [
        _rec("s1", "Can acupuncture help me get pregnant at 44?", STOCK),
        _rec("s2", "Will acupuncture help my winter blues?", STOCK),
        _rec("s3", "Is acupuncture good for bloating?", STOCK),
        _rec("s4", "How deep do the needles go?"),
    ]
    clusters = dup.clusters_for_records(recs)
    stock = [c for c in clusters if c.kind == dup.STOCK_ANSWER]
    assert len(stock) == 1 and sorted(stock[0].ids) == ["s1", "s2", "s3"]
    assert stock[0].shared_answer


def test_renderings_escape_and_parse():
    recs = [_rec("x1", "Is <script>alert(1)</script> safe?", STOCK),
            _rec("x2", "Other question about needles", STOCK, categories=[["A & B", "<i>"]])]
    clusters = dup.clusters_for_records(recs)
    html = report.render(clusters, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "A &amp; B › &lt;i&gt;" in html and "<i>" not in html
    assert "One answer reused for 2 questions" in html and "<td>x2</td>" in html
    assert json.loads(report.render(clusters, "json"))[0]["kind"] == dup.STOCK_ANSWER
    assert report.render(clusters, "csv").splitlines()[0].startswith("cluster,kind")
    with pytest.raises(ValueError, match="xml"):
        report.render(clusters, "xml")


def test_html_report_links_records_when_asked():
    recs = [_rec("x1", "Question one about needles?", STOCK),
            _rec("x2", "Question two about needles?", STOCK)]
    clusters = dup.clusters_for_records(recs)
    linked = report.render_html(clusters, record_href=lambda rid: f"/r/{rid}?a=1&b=2")
    assert '<a href="/r/x2?a=1&amp;b=2">Question two about needles?</a>' in linked
    assert "<a href" not in report.render_html(clusters)
    assert "No duplicates found." in report.render_html([])


def test_medquad_check_counts_cross_source_pairs():
    recs = [
        _mq("a1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "A"),
        _mq("b1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "B"),
    ]
    for r in recs:
        r.cuis = ["C0017601"]
    qi = QuestionIndex.from_records(recs)
    check = dup.medquad_check(qi, dup.find_duplicates(qi))
    assert check["gold_pairs"] == 1 and check["precision"] == 1.0 and check["recall"] == 1.0


def test_sample_archive_groups_its_re_asked_questions_and_nothing_else():
    from indexer.records import read_jsonl

    clusters = dup.clusters_for_records(read_jsonl("tests/data/sample_expected.jsonl"))
    same = sorted(sorted(c.ids) for c in clusters if c.kind == dup.SAME_QUESTION)
    assert same == [["askacupuncture-109", "askacupuncture-131"],
                    ["askacupuncture-121", "askacupuncture-142"]]
