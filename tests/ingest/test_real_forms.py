"""Forms of the real archive's page texts (fixtures written from issue 10's description)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from indexer.cli import cli
from indexer.ingest.parse import parse_paths
from indexer.ingest.parse.clean import CLICK_HERE_SENTENCES, clean_text, drop_click_here
from indexer.ingest.parse.merge import merge_items
from indexer.ingest.parse.text import category_from_header, parse_text
from indexer.records import ORPHAN, TRUNCATED


def _records(text: str):
    return merge_items(parse_text(text, "page.txt").items)


def test_irregular_header_spacing_gives_the_same_levels():
    want = ["muscles and bones", "shoulder"]
    for header in ("Ask an expert - muscles and bones - shoulder",
                   "Ask an expert - muscles and bones- shoulder",
                   "Ask an expert -  muscles and bones -shoulder"):
        assert category_from_header(header) == want, header
    assert category_from_header("Ask an expert - well-being") == ["well-being"]


def test_dated_posts_do_not_leak_into_each_other():
    text = ("Ask an expert - general\n3 questions\n"
            "Tuesday, 05 March 2013 10:20\nQ: Can it help shingles?\nA: It may help.\n"
            "Monday, 04 March 2013 09:00\nQ: Is it safe when pregnant?\nA: Yes, with care.\n")
    recs = _records(text)
    assert [(r.question, r.answer) for r in recs] == [
        ("Can it help shingles?", "It may help."), ("Is it safe when pregnant?",
                                                     "Yes, with care.")]


def test_question_whose_answer_has_no_label_keeps_its_answer():
    recs = _records("Ask an expert - general\nQ: Does it hurt?\nRarely, and only briefly.\n")
    assert [(r.question, r.answer) for r in recs] == [("Does it hurt?",
                                                       "Rarely, and only briefly.")]


def test_page_without_labels_is_one_answer():
    recs = _records("Ask an expert - general\n1 questions\nWe have a factsheet on this.\n")
    assert [r.answer for r in recs] == ["We have a factsheet on this."]
    assert ORPHAN in recs[0].flags


def test_cut_off_answer_is_flagged_truncated():
    page = parse_text("Ask an expert - general\nQ: Does it hurt?\nA: Rarely, and the need",
                      "cut.txt")
    assert TRUNCATED in page.items[-1].flags
    assert any(p.level == "warning" and "mid-sentence" in p.message for p in page.problems)


def test_other_label_forms():
    recs = _records("Q. Does it hurt?\nA. Rarely.\nQuestion: Is it safe?\nAnswer: Yes.\n")
    assert [(r.question, r.answer) for r in recs] == [("Does it hurt?", "Rarely."),
                                                      ("Is it safe?", "Yes.")]


def test_every_click_here_pattern_has_an_example_it_drops():
    for pattern, example in CLICK_HERE_SENTENCES:
        assert re.fullmatch(pattern, example.rstrip(".!"), re.I), pattern
        assert drop_click_here(example) == "", example
    kept = ("Our fact sheet on the website - please click here is not overly encouraging, "
            "but many practitioners see good results.")
    assert clean_text(kept) == kept
    assert drop_click_here("It may help. Please click here.") == "It may help."


def test_strict_makes_a_skipped_block_an_error(tmp_path):
    page = tmp_path / "p.txt"
    page.write_text("Q: Does it hurt?\nA:\nQ: Is it safe?\nA: Yes.\n", encoding="utf-8")
    result = parse_paths([page])
    assert result.skipped_blocks == 1 and len(result.records) == 1
    out = tmp_path / "o.jsonl"
    plain = CliRunner().invoke(cli, ["parse", str(page), "--out", str(out)])
    strict = CliRunner().invoke(cli, ["parse", str(page), "--out", str(out), "--strict"])
    assert plain.exit_code == 0 and strict.exit_code == 2
    assert "1 item blocks lost" in strict.stderr
    (lost,) = [p for p in result.problems if p.lost]
    assert lost.level == "warning" and lost.position == "line 1" and "Does it hurt?" in str(lost)
    assert f"{page}, line 1: warning: " in strict.stderr
