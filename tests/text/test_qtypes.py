"""The one question-type model: its cue table and both views."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.text import qtypes


def test_cue_table_says_where_it_came_from():
    first = qtypes.CUES_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and "MedQuAD" in first


def test_every_search_label_has_a_group_and_groups_are_the_thirteen():
    assert len(qtypes.LABELS) == 36
    assert len(qtypes.GROUPS) == 13
    assert set(qtypes.LABELS) <= set(qtypes.MEDQUAD_GROUPS)
    assert set(qtypes.MEDQUAD_GROUPS.values()) == set(qtypes.GROUPS)


def test_search_view_fine_labels():
    assert qtypes.question_types("Can acupuncture help my sciatica?") == [("treatment", 1.0)]
    assert qtypes.question_types("Is dementia passed down in families?")[0][0] == "inheritance"
    assert qtypes.question_types("What is acne?") == [("information", 1.0)]
    assert qtypes.question_types("") == []
    assert qtypes.with_related([("dose", 1.0)], {"usage"}) == [("usage", 1.0)]


def test_similar_view_groups_sum_to_one():
    d = qtypes.detect("How is sciatica treated?")
    assert qtypes.best(d) == "treatment"
    assert sum(d.values()) == pytest.approx(1.0)
    assert qtypes.detect("sciatica") == {"information": 1.0}
    assert qtypes.from_label("Exams and Tests ") == {"diagnosis": 1.0}
    assert qtypes.from_label("no such label") is None


def test_similar_view_matches_medquad_templates():
    assert qtypes.best(qtypes.detect("What are the symptoms of X ?")) == "symptoms"
    assert qtypes.best(qtypes.detect("How to diagnose X ?")) == "diagnosis"
    assert qtypes.best(qtypes.detect("What is the outlook for X ?")) == "outlook"
    assert qtypes.best(qtypes.detect("Is X inherited ?")) == "susceptibility"
    assert qtypes.best(qtypes.detect("tell me about X")) == "information"


def test_a_label_without_group_is_refused(tmp_path: Path):
    bad = tmp_path / "cues.toml"
    bad.write_text('# test\nlabels = ["treatment", "nowhere"]\ntype_words = []\n'
                   '[treatment]\nsimilar = [[1.0, ["treat"]]]\n'
                   "[treatment.label.treatment]\nsearch = [[1.0, '\\btreat\\b']]\n")
    with pytest.raises(ValueError, match="nowhere"):
        qtypes.load_cues(bad)
