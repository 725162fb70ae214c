"""Duplicate clusters: same questions grouped, stock answers shown, cross-listed copies not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from indexer.editors import duplicates as dup
from indexer.editors import report
from indexer.editors.similar import QuestionIndex


def test_same_question_from_two_sources_is_one_cluster(mq):
    recs = [
        mq("a1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "A"),
        mq("b1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "B"),
        mq("a2", "Glaucoma", "symptoms", "What are the symptoms of Glaucoma ?", "A"),
        mq("c1", "Spinocerebellar ataxia 2", "symptoms",
            "What are the symptoms of Spinocerebellar ataxia 2 ?", "C"),
        mq("c2", "Spinocerebellar ataxia 3", "symptoms",
            "What are the symptoms of Spinocerebellar ataxia 3 ?", "C"),
    ]
    clusters = dup.clusters_for_records(recs)
    same = [c for c in clusters if c.kind == dup.SAME_QUESTION]
    assert [sorted(c.ids) for c in same] == [["a1", "b1"]]  # type and variant number matter
    c = same[0]
    assert c.canonical_id in {"a1", "b1"} and c.similarity > dup.THRESHOLD
    assert sorted(c.categories) == [["A", "treatment"], ["B", "treatment"]]


def test_cross_listed_copies_are_not_duplicates(rec):
    q = "Can acupuncture help my lower back pain in pregnancy?"
    recs = [
        rec("k-106", q, "same answer text " * 6, item_id="106", source="k2",
             categories=[["back"]]),
        rec("k-106-copy", q, "same answer text " * 6, item_id="106", source="k2",
             categories=[["pregnancy"]]),
        rec("k-200", "What is acupuncture?", item_id="200", source="k2"),
    ]
    clusters = dup.clusters_for_records(recs)
    assert all(not ({"k-106", "k-106-copy"} <= set(c.ids)) for c in clusters)


def test_stock_answer_reused_for_different_questions(rec, stock):
    recs = [
        rec("s1", "Can acupuncture help me get pregnant at 44?", stock),
        rec("s2", "Will acupuncture help my winter blues?", stock),
        rec("s3", "Is acupuncture good for bloating?", stock),
        rec("s4", "How deep do the needles go?"),
    ]
    clusters = dup.clusters_for_records(recs)
    stock = [c for c in clusters if c.kind == dup.STOCK_ANSWER]
    assert len(stock) == 1 and sorted(stock[0].ids) == ["s1", "s2", "s3"]
    assert stock[0].shared_answer


def test_renderings_escape_and_parse(rec, stock):
    recs = [rec("x1", "Is <script>alert(1)</script> safe?", stock),
            rec("x2", "Other question about needles", stock, categories=[["A & B", "<i>"]])]
    clusters = dup.clusters_for_records(recs)
    html = report.render(clusters, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "A &amp; B › &lt;i&gt;" in html and "<i>" not in html
    assert "One answer reused for 2 different questions" in html and "<td>x2</td>" in html
    assert json.loads(report.render(clusters, "json"))[0]["kind"] == dup.STOCK_ANSWER
    assert report.render(clusters, "csv").splitlines()[0].startswith("cluster,kind")
    with pytest.raises(ValueError, match="xml"):
        report.render(clusters, "xml")


def test_html_report_links_records_when_asked(rec, stock):
    recs = [rec("x1", "Question one about needles?", stock),
            rec("x2", "Question two about needles?", stock)]
    clusters = dup.clusters_for_records(recs)
    linked = report.render_html(clusters, record_href=lambda rid: f"/r/{rid}?a=1&b=2")
    assert '<a href="/r/x2?a=1&amp;b=2">Question two about needles?</a>' in linked
    assert "<a href" not in report.render_html(clusters)
    assert "No duplicates found." in report.render_html([])


def test_medquad_check_counts_cross_source_pairs(mq):
    recs = [
        mq("a1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "A"),
        mq("b1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "B"),
    ]
    for r in recs:
        r.cuis = ["C0017601"]
    qi = QuestionIndex.from_records(recs)
    check = dup.medquad_check(qi, dup.find_duplicates(qi))
    assert check["gold_pairs"] == 1 and check["precision"] == 1.0 and check["recall"] == 1.0


def test_sample_archive_groups_its_re_asked_questions_and_nothing_else(sample_expected):
    clusters = dup.clusters_for_records(sample_expected)
    same = sorted(sorted(c.ids) for c in clusters if c.kind == dup.SAME_QUESTION)
    assert same == [["askacupuncture-109", "askacupuncture-131"],
                    ["askacupuncture-121", "askacupuncture-142"]]


def test_candidates_ruled_out_before_scoring_are_those_scoring_rules_out(rec, mq):
    from indexer.editors.duplicates.candidates import Candidates
    from indexer.editors.duplicates.cluster import _same_item
    from indexer.editors.duplicates.pairs import OTHER_TYPE_CAP

    q = "Can acupuncture help my lower back pain in pregnancy?"
    recs = [
        rec("k-1", q, item_id="1", source="k2", url="https://x.example/1"),
        rec("k-1b", q, item_id="1", source="k2", url="https://x.example/1b"),  # same item
        rec("k-9", q, url="https://x.example/1"),  # same url and question: a copy
        rec("k-2", q, item_id="2", source="k2"),  # a re-asked question: compared
        mq("m1", "Glaucoma", "treatment", "What are the treatments for Glaucoma ?", "A"),
        mq("m2", "Glaucoma", "symptoms", "What are the symptoms of Glaucoma ?", "A"),
        mq("m3", "Glaucoma", "treatment", "How to treat Glaucoma ?", "B"),
    ]
    qi = QuestionIndex.from_records(recs)
    cands = Candidates(qi)
    every = np.arange(len(qi))
    scorer = dup.PairScorer(qi)
    for i, e in enumerate(qi.entries):
        kept = set(cands.comparable(i, every, dup.THRESHOLD).tolist())
        for j, other in enumerate(qi.entries):
            if j in kept:
                assert j != i and not _same_item(e, other)
            else:  # left out: itself, a copy, or a pair that cannot reach the threshold
                assert (j == i or _same_item(e, other)
                        or scorer.similarity(i, j, at_least=dup.THRESHOLD) < dup.THRESHOLD)
        # below the other-type cap, only the record itself and its copies are left out
        low = set(cands.comparable(i, every, OTHER_TYPE_CAP - 0.1).tolist())
        assert low == {j for j, other in enumerate(qi.entries)
                       if j != i and not _same_item(e, other)}
    ids = [e.id for e in qi.entries]
    m1 = ids.index("m1")
    assert set(cands.comparable(m1, every, dup.THRESHOLD).tolist()) == {
        ids.index(x) for x in ("k-1", "k-1b", "k-9", "k-2", "m3")}


def test_candidates_equal_mass_lowest_index_first_and_common_words_only_score(rec, monkeypatch):
    from indexer.editors.duplicates import candidates

    qs = ["acupuncture sciatica pregnancy?", "sciatica pain?", "acupuncture for sciatica?",
          *["acupuncture alone?"] * 5]
    qi = QuestionIndex.from_records([rec(f"k-{i}", q, item_id=str(i), source="k2")
                                     for i, q in enumerate(qs)])
    cands = candidates.Candidates(qi)
    words = {"acupunctur", "sciatica", "pregnanc"} & set(qi.postings)
    assert len(words) == 3
    none: frozenset[str] = frozenset()
    # equal mass: lowest index first (the same candidates on every machine)
    assert cands.top({"acupunctur"}, none, 4).tolist() == [0, 2, 3, 4]
    assert cands.top(words, none, 3).tolist() == [0, 2, 1]
    assert cands.top(words, none, 8).tolist() == list(range(8))  # all: in index order
    # past the budget the common word proposes no entry, but still adds to those proposed
    monkeypatch.setattr(candidates, "PROPOSE_POSTINGS", 4)
    assert cands.top(words, none, 8).tolist() == [0, 1, 2]
    assert cands.top(words, none, 2).tolist() == [0, 2]
    # a question's rarest word always proposes, whatever its postings
    monkeypatch.setattr(candidates, "PROPOSE_POSTINGS", 1)
    assert cands.top({"acupunctur", "alon"} & set(qi.postings), none, 8).tolist() == [
        3, 4, 5, 6, 7]
