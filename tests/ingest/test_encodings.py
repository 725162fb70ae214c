"""Pages and dumps in any Unicode encoding are read, not called binary: the byte order mark
(UTF-32 LE/BE, UTF-16 LE/BE, UTF-8) decides, and UTF-16 without one is recognised by its
NUL bytes; real binary data is still skipped."""

from __future__ import annotations

import pytest

from indexer.ingest.parse import parse_paths
from indexer.ingest.parse.clean import decode_bytes, sniff_unicode

PAGE = """<!DOCTYPE html><html><head><meta charset="{charset}"><title>t</title></head><body>
<div id="k2Container" class="itemListView">
<div class="itemListCategory"><h2>Ask an expert - sleep</h2><p>1 questions</p></div>
<div class="catItemView"><h3 class="catItemTitle"><a href="/ask-an-expert/sleep/item/9-x.html">
Caf\u00e9 au lait</a></h3>
<div class="catItemIntroText"><p>Q: Is caf\u00e9 au lait \u2018bad\u2019 for sleep?</p>
<p>A: After 2pm, often \u2013 yes.</p></div></div></div></body></html>
"""
DUMP = "Q: Is caf\u00e9 au lait \u2018bad\u2019 for sleep?\nA: After 2pm, often \u2013 yes.\n"

ENCODINGS = [  # (codec used to write, byte order mark written, name in the note)
    ("utf-16-le", b"\xff\xfe", "UTF-16 LE (byte order mark)"),
    ("utf-16-be", b"\xfe\xff", "UTF-16 BE (byte order mark)"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32 LE (byte order mark)"),
    ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32 BE (byte order mark)"),
    ("utf-16-le", b"", "UTF-16 LE (no byte order mark)"),
    ("utf-16-be", b"", "UTF-16 BE (no byte order mark)"),
]


def _check(result, path):
    (rec,) = result.records
    assert rec.question == "Is caf\u00e9 au lait \u2018bad\u2019 for sleep?"
    assert rec.answer == "After 2pm, often \u2013 yes."
    return [p for p in result.problems if p.path.startswith(str(path))]


@pytest.mark.parametrize("codec,bom,name", ENCODINGS)
def test_k2_page_in_a_unicode_encoding_is_parsed(tmp_path, codec, bom, name):
    page = tmp_path / "page.html"
    page.write_bytes(bom + PAGE.format(charset=codec.split("-le")[0].split("-be")[0])
                     .encode(codec))
    problems = _check(parse_paths([page]), page)
    assert [(p.level, p.message) for p in problems] == [("note", f"decoded as {name}")]


@pytest.mark.parametrize("codec,bom,name", ENCODINGS)
def test_text_dump_in_a_unicode_encoding_is_parsed(tmp_path, codec, bom, name):
    dump = tmp_path / "page.txt"
    dump.write_bytes(bom + DUMP.encode(codec))
    problems = _check(parse_paths([dump]), dump)
    assert [(p.level, p.message) for p in problems] == [("note", f"decoded as {name}")]


def test_utf8_with_a_byte_order_mark_needs_no_note(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"\xef\xbb\xbf" + PAGE.format(charset="utf-8").encode())
    dump = tmp_path / "page.txt"
    dump.write_bytes(b"\xef\xbb\xbf" + DUMP.encode())
    for path in (page, dump):
        assert _check(parse_paths([path]), path) == []
    assert decode_bytes(b"\xef\xbb\xbfQ: x?") == ("Q: x?", None)


def test_binary_data_is_still_binary(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300)
    assert sniff_unicode(png) is None
    (tmp_path / "image.html").write_bytes(png)
    result = parse_paths([tmp_path / "image.html"])
    assert [(p.level, p.message) for p in result.problems] == [
        ("error", "binary data, not a page; skipped")]


def test_broken_utf16_is_reported_not_guessed(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"\xff\xfe" + DUMP.encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    result = parse_paths([page])
    assert result.records == [] and result.skipped == 1
    (problem,) = result.problems
    assert problem.level == "error" and "UTF-16 LE" in problem.message
