"""Records: JSON Lines round trip, the content hash (ours, never the input's), type checks
at the boundary with the module's coercion rules, property-based over any JSON object."""

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.records import ORPHAN, Record, RecordError, read_jsonl, write_jsonl


def test_round_trip_through_jsonl(tmp_path):
    rec = Record(
        id="k2-12",
        question="Can acupuncture help lower back pain?",
        answer="Often, yes.",
        title="Lower back pain",
        categories=[["muscles and bones", "back / spine", "lower back pain"]],
        url="https://example.org/item/12",
        source="sample",
        item_id="12",
        flags=[ORPHAN],
    )
    path = tmp_path / "r.jsonl"
    assert write_jsonl([rec], path) == 1
    (back,) = list(read_jsonl(path))
    assert back == rec
    assert back.category == ["muscles and bones", "back / spine", "lower back pain"]
    assert back.is_orphan


def test_keys_are_field_names():
    buf = io.StringIO()
    write_jsonl([Record(id="a", question="q", answer="a")], buf)
    line = buf.getvalue()
    for key in ("id", "question", "answer", "title", "categories", "url", "source", "item_id",
                "flags", "content_hash"):
        assert f'"{key}"' in line


def test_hash_follows_content_not_provenance():
    a = Record(id="a", question="Q?", answer="A.", urls=["u1"])
    b = Record(id="b", question="q?  ", answer="A.", urls=["u2"])
    c = Record(id="a", question="Q?", answer="Other.")
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q", "answer": "a"}\n{"id": 1}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        list(read_jsonl(path))


# --- the content hash is ours; types are checked at the boundary (issue J) ---


def test_content_hash_in_input_is_never_trusted():
    genuine = Record(id="a", question="Q?", answer="The old answer.")
    edited = Record.from_dict({**genuine.to_dict(), "answer": "A new answer."})
    assert edited.content_hash == Record(id="a", question="Q?", answer="A new answer.").content_hash
    assert edited.content_hash != genuine.content_hash
    forged = Record.from_dict({"id": "a", "question": "Q?", "answer": "x", "content_hash": "0"})
    assert forged.content_hash == forged.compute_hash() != "0"


def test_content_hash_follows_changes_made_with_rehashed():
    rec = Record(id="a", question="Q?", answer="A.")
    assert rec.rehashed(answer="B.").content_hash == Record(id="a", question="Q?",
                                                            answer="B.").content_hash


@pytest.mark.parametrize(("line", "field"), [
    ({"id": "a6", "question": "q?", "answer": "y", "categories": [[1, 2]]}, "categories"),
    ({"id": "a6", "question": "q?", "answer": "y", "focus": 5}, "focus"),
    ({"id": "a6", "question": "q?", "answer": "y", "synonyms": [5]}, "synonyms"),
    ({"id": True, "question": "q?", "answer": "y"}, "id"),
    ({"id": "", "question": "q?", "answer": "y"}, "id"),
    ({"id": "a6", "question": ["q?"], "answer": "y"}, "question"),
    ({"id": "a6", "question": "q?", "answer": {"text": "y"}}, "answer"),
    ({"id": "a6", "question": "q?", "answer": "y", "categories": {"a": "b"}}, "categories"),
    ({"id": "a6", "question": "q?", "answer": "y", "flags": [None]}, "flags"),
])
def test_wrong_types_are_rejected_naming_the_field(line, field):
    with pytest.raises(RecordError, match=f"'{field}'"):
        Record.from_dict(line)


def test_lossless_coercions():
    rec = Record.from_dict({"id": 123, "question": None, "answer": "y", "item_id": 7,
                            "synonyms": "glaucoma", "categories": "notalist", "focus": None})
    assert (rec.id, rec.question, rec.item_id, rec.focus) == ("123", "", "7", "")
    assert rec.synonyms == ["glaucoma"] and rec.categories == [["notalist"]]
    flat = Record.from_dict({"id": "b", "question": "q", "answer": "a", "categories": ["x", "y"]})
    assert flat.categories == [["x", "y"]]


def test_construction_checks_types():
    with pytest.raises(RecordError, match="'focus'"):
        Record(id="a", question="q", answer="a", focus=5)


def test_bad_lines_are_reported_and_skipped(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [{"id": "ok1", "question": "q", "answer": "a"},
             {"id": "a6", "question": "q?", "answer": "y", "categories": [[1, 2]]},
             "not json",
             {"id": "ok2", "question": "q", "answer": "a", "focus": 5}]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    problems: list[str] = []
    assert [r.id for r in read_jsonl(path, problems)] == ["ok1"]
    assert len(problems) == 3
    assert problems[0].startswith(f"{path}:2:") and "'categories'" in problems[0]
    assert problems[1].startswith(f"{path}:3:")
    assert problems[2].startswith(f"{path}:4:") and "'focus'" in problems[2]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=6,
)
_keys = st.sampled_from(["id", "question", "answer", "title", "categories", "url", "source",
                         "item_id", "flags", "content_hash", "focus", "synonyms", "qtype",
                         "cuis", "urls", "other"])


@given(st.dictionaries(_keys, _json, max_size=10))
def test_any_json_object_gives_a_valid_record_or_a_record_error(data):
    try:
        rec = Record.from_dict(data)
    except RecordError as exc:
        assert str(exc)
        return
    assert rec.check() is None
    again = Record.from_dict(json.loads(rec.to_json()))
    assert again == rec and again.content_hash == rec.content_hash == rec.compute_hash()


@given(st.text(), st.text(), st.lists(st.lists(st.text(max_size=5), max_size=3), max_size=3),
       st.text(max_size=12))
def test_hash_depends_on_content_never_on_a_given_hash(question, answer, categories, given_hash):
    data = {"id": "x", "question": question, "answer": answer, "categories": categories}
    rec = Record.from_dict({**data, "content_hash": given_hash})
    assert rec.content_hash == Record.from_dict(data).content_hash
