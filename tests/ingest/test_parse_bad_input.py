"""Bad input is reported and skipped (or parsed with a note); the rest is parsed."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.ingest.parse import MAX_BYTES, parse_paths
from indexer.ingest.parse.clean import clean_text
from indexer.ingest.parse.k2 import parse_k2
from indexer.ingest.parse.text import parse_text

GOOD_DUMP = "Ask an expert - sleep - insomnia\n\nQ: Does it help sleep?\n\nA: Often it does.\n"
GOOD_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div class="itemListCategory"><h2>Ask an expert - sleep</h2></div>
<div class="catItemView"><h3 class="catItemTitle"><a href="/ask-an-expert/sleep/item/3-x.html">
Caf\u00e9 sleep</a></h3><div class="catItemIntroText"><p>Q: Is coffee \u2018bad\u2019?</p>
<p>A: After 2pm, often \u2013 yes.</p></div></div></body></html>
"""


def messages(result):
    return {p.path.rsplit("/", 1)[-1]: (p.level, p.message) for p in result.problems}


def test_empty_binary_and_huge_files_are_reported_and_the_rest_parsed(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD_DUMP, encoding="utf-8")
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\n ")
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    with (tmp_path / "huge.html").open("wb") as fh:  # sparse: costs no disk or time
        fh.truncate(MAX_BYTES + 1)
    result = parse_paths([tmp_path])
    assert [r.question for r in result.records] == ["Does it help sleep?"]
    got = messages(result)
    assert got["empty.html"] == ("error", "empty file; skipped")
    assert got["blank.txt"] == ("error", "empty file; skipped")
    assert got["image.html"] == ("error", "binary data, not a page; skipped")
    assert got["huge.html"][0] == "error" and "too large" in got["huge.html"][1]
    assert "20 MB" in got["huge.html"][1]
    assert result.skipped == 4


def test_size_cap_is_configurable(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(GOOD_HTML, encoding="utf-8")
    assert parse_paths([page], max_bytes=100).records == []
    assert len(parse_paths([page]).records) == 1


def test_cp1252_dump_is_decoded_with_a_note(tmp_path):
    dump = tmp_path / "old.txt"
    dump.write_bytes(("Q: Is coffee \u2018bad\u2019 for sleep \u2013 even decaf? Caf\u00e9s "
                      "say no.\nA: Decaf is fine.\n").encode("cp1252"))
    result = parse_paths([dump])
    (rec,) = result.records
    assert rec.question == ("Is coffee \u2018bad\u2019 for sleep \u2013 even decaf? "
                            "Caf\u00e9s say no.")
    (problem,) = result.problems
    assert problem.level == "note" and "cp1252" in problem.message


def test_cp1252_html_page_claiming_utf8_is_decoded_with_a_note(tmp_path):
    page = tmp_path / "old.html"
    page.write_bytes(GOOD_HTML.encode("cp1252"))
    result = parse_paths([page])
    (rec,) = result.records
    assert rec.title == "Caf\u00e9 sleep"
    assert rec.question == "Is coffee \u2018bad\u2019?"
    assert rec.answer == "After 2pm, often \u2013 yes."
    assert [p.level for p in result.problems] == ["note"]


def test_html_page_declaring_its_legacy_charset_needs_no_note(tmp_path):
    page = tmp_path / "latin.html"
    page.write_bytes(GOOD_HTML.replace("utf-8", "windows-1252").encode("cp1252"))
    result = parse_paths([page])
    assert result.records[0].answer == "After 2pm, often \u2013 yes."
    assert result.problems == []


def test_page_without_archive_content_is_noted(tmp_path):
    page = tmp_path / "blog.html"
    page.write_text("<html><body><h1>Our blog</h1><p>Q: not an item</p></body></html>",
                    encoding="utf-8")
    result = parse_paths([page])
    assert result.records == []
    (problem,) = result.problems
    assert problem.level == "note" and "no K2 archive content" in problem.message


def test_unsupported_files_noted_in_directories_and_errors_when_named(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD_DUMP, encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "readme.txt").write_text("This folder holds pages.\n", encoding="utf-8")
    (tmp_path / ".hidden.html").write_text(GOOD_HTML, encoding="utf-8")
    walked = parse_paths([tmp_path])
    assert len(walked.records) == 1
    assert {p.path.rsplit("/", 1)[-1]: p.level for p in walked.problems} == {
        "photo.jpg": "note", "readme.txt": "note"}
    named = parse_paths([tmp_path / "photo.jpg", tmp_path / "readme.txt", tmp_path / "nope"])
    assert named.records == []
    assert [p.level for p in named.problems] == ["error"] * 3


def test_truncated_page_reports_the_broken_item(tmp_path):
    page = tmp_path / "cut.html"
    data = GOOD_HTML.encode("utf-8")
    page.write_bytes(data[: data.rindex(b"yes") + 2])
    result = parse_paths([page])
    (rec,) = result.records
    assert rec.flags == ["truncated"]
    assert result.problems[0].level == "warning" and "cut short" in result.problems[0].message


def test_bad_jsonl_lines_are_skipped_and_reported(tmp_path):
    path = tmp_path / "records.jsonl"
    rows = [{"id": "a", "question": "q1", "answer": "a1"}, "not json",
            {"question": "missing id", "answer": "x"},
            {"id": "b", "question": "q2", "answer": "a2"}]
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
                    encoding="utf-8")
    result = parse_paths([path])
    assert [r.id for r in result.records] == ["a", "b"]
    assert [p.path.rsplit(":", 1)[-1] for p in result.problems] == ["2", "3"]


def test_duplicate_ids_across_inputs_keep_the_first(tmp_path):
    for name in ("one.jsonl", "two.jsonl"):
        (tmp_path / name).write_text(json.dumps({"id": "x", "question": name, "answer": "a"})
                                     + "\n", encoding="utf-8")
    result = parse_paths([tmp_path / "one.jsonl", tmp_path / "two.jsonl"])
    assert [r.question for r in result.records] == ["one.jsonl"]
    assert "duplicate record id 'x'" in result.problems[0].message


def test_items_without_answer_text_are_skipped_unless_asked(tmp_path):
    dump = tmp_path / "q.txt"
    dump.write_text("Q: Good?\nA: Yes.\nQ: Left hanging at the end of the page?\n",
                    encoding="utf-8")
    result = parse_paths([dump])
    assert [r.question for r in result.records] == ["Good?"]
    assert any("no answer" in p.message for p in result.problems)
    kept = parse_paths([dump], include_empty=True)
    assert [r.flags for r in kept.records] == [[], ["truncated"]]


# Fragments real pages are made of, shuffled into arbitrary (often broken) text.
PIECES = st.sampled_from([*"aAqQ:. \n\u00a0<>&;/bpr’–éI", "Q: ", "A: ", "q:", "A.", "<br>",
                          "<p>", "</p>", "</div>", "click here", "Page 1 of 2", "www.", "\n\n",
                          "Read more...", "&nbsp;", "&amp;", "\x00", "\ufffd"])
MESSY = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(MESSY)
def test_cleanup_is_idempotent_on_messy_text(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert "  " not in once and once == once.strip()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(MESSY)
def test_parsers_never_raise_on_messy_pages(text):
    page = (f'<div class="catItemView"><h3 class="catItemTitle"><a href="/ask-an-expert/c/item/'
            f'1-x.html">t</a></h3><div class="catItemIntroText">{text}</div></div>')
    for data in (page.encode("utf-8"), text.encode("utf-8", "replace")):
        parsed = parse_k2(data, "https://www.example.org/ask-an-expert/c/")
        assert all(isinstance(i.answer, str) for i in parsed.items)
    parse_text(text)
