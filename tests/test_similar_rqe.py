"""Similar questions: the scoring engine on hand-made records and the RQE evaluation command."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer import similar_qtypes as qt
from indexer.cli import cli
from indexer.records import Record
from indexer.similar import QuestionIndex


def _index() -> QuestionIndex:
    recs = [
        Record(id="gl-what", question="What is glaucoma?", answer="a" * 50),
        Record(id="gl-diag", question="How is glaucoma diagnosed?", answer="b" * 50),
        Record(id="gl-treat", question="How is glaucoma treated?", answer="c" * 50),
        Record(id="bp-treat", question="How is high blood pressure treated?", answer="d" * 50),
        Record(id="mq-1", question="What are the treatments for Sciatica ?", answer="",
               focus="Sciatica", synonyms=["sciatic neuritis"], qtype="treatment"),
        Record(id="mq-2", question="What causes Sciatica ?", answer="", focus="Sciatica",
               qtype="causes"),
    ]
    return QuestionIndex.from_records(recs)


def test_question_type_decides_between_same_condition():
    qi = _index()
    assert qi.search("my eye doctor wants to test me for glaucoma, how do they diagnose it?",
                     limit=1)[0].id == "gl-diag"
    assert qi.search("glaucoma. what treatment options are there for it", limit=1)[0].id \
        == "gl-treat"
    assert qi.search("what is glaucoma exactly", limit=1)[0].id == "gl-what"
    assert qi.search("why do people get sciatica", limit=1)[0].id == "mq-2"


def test_scores_are_calibrated_and_ordered():
    qi = _index()
    hits = qi.search("how do doctors treat glaucoma", limit=10)
    assert hits[0].id == "gl-treat"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].likely_answered
    assert not any(h.likely_answered for h in qi.search("vitamin d and bloating", limit=5))


def test_exclude_id_and_explanations():
    qi = _index()
    hits = qi.search("How is glaucoma treated?", limit=3, exclude_id="gl-treat")
    assert "gl-treat" not in [h.id for h in hits]
    hit = qi.search("treatment for sciatic neuritis", limit=1)[0]
    assert hit.id == "mq-1"
    by_stem = {m.stem: m for m in hit.matches}
    assert "focus" in by_stem["neuriti" if "neuriti" in by_stem else "neuritis"].fields
    assert any(m.via == "synonym" for m in hit.matches)


def test_odd_input_never_raises():
    qi = _index()
    for text in ["", "   ", "???", "<script>alert(1)</script>", "a" * 10000, "é" * 50, "\x00"]:
        hits = qi.search(text, limit=3)
        assert isinstance(hits, list)


def test_question_types_match_medquad_labels():
    assert qt.best(qt.detect("What are the symptoms of X ?")) == "symptoms"
    assert qt.best(qt.detect("How to diagnose X ?")) == "diagnosis"
    assert qt.best(qt.detect("What is the outlook for X ?")) == "outlook"
    assert qt.best(qt.detect("Is X inherited ?")) == "susceptibility"
    assert qt.best(qt.detect("tell me about X")) == "information"
    assert qt.from_label("exams and tests") == {"diagnosis": 1.0}


def test_eval_rqe_validation(shared_dir):
    out = CliRunner().invoke(cli, ["eval", "rqe", "--split", "validation", "--json",
                                   "--shared", str(shared_dir)])
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.output)
    assert row["split"] == "validation" and row["questions"] == 113 and row["faqs"] == 160
    assert row["p_at_1"] >= 0.55  # the target without the semantic extra
    assert 0 < row["mrr"] <= 1 and row["mrr"] >= row["p_at_1"]
    assert 0 < row["flag_precision"] <= 1 and 0 < row["pair_recall"] <= 1
