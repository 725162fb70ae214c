import io

import pytest

from indexer.records import ORPHAN, Record, read_jsonl, write_jsonl


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
