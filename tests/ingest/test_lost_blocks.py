"""Nothing with text is skipped silently, and only what was really lost is reported as lost:
a skipped block is a warning naming its page and its position (item N of M, line N); a copy
cut short whose item has a complete copy elsewhere is only a note."""

from __future__ import annotations

from click.testing import CliRunner

from indexer.cli import cli
from indexer.ingest.parse import parse_paths
from indexer.records import TRUNCATED
from tests.ingest.test_parse_quirks import entry, item_page, listing


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_cut_short_listing_with_a_complete_item_page_loses_nothing(tmp_path):
    cut = listing(entry(1, "One", "<p>Q: One?</p><p>A: First.</p>")
                  + entry(2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes"), end=False)
    full = item_page(2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes on.</p>")
    result = parse_paths([_write(tmp_path, "list.html", cut),
                          _write(tmp_path, "2-two.html", full)])
    two = next(r for r in result.records if r.question == "Two?")
    assert two.answer == "Second answer that goes on." and TRUNCATED not in two.flags
    (problem,) = result.problems
    assert problem.level == "note" and problem.position == "item 2 of 2"
    assert "list.html" in problem.path and "nothing lost" in problem.message
    assert result.skipped_blocks == 0 and "0 warnings, 1 note" in result.summary()


def test_cut_short_listing_alone_stays_a_warning(tmp_path):
    cut = listing(entry(1, "One", "<p>Q: One?</p><p>A: First.</p>")
                  + entry(2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes"), end=False)
    result = parse_paths([_write(tmp_path, "list.html", cut)])
    two = next(r for r in result.records if r.question == "Two?")
    assert TRUNCATED in two.flags
    (problem,) = result.problems
    assert problem.level == "warning" and problem.position == "item 2 of 2"
    assert "list.html, item 2 of 2: warning: page cut short" in str(problem)


def test_listing_item_without_answer_is_reported_with_its_position(tmp_path):
    page = listing(entry(1, "One", "<p>Q: One?</p><p>A: First.</p>")
                   + entry(2, "Is it safe for children?", "")
                   + entry(3, "Three", "<p>Q: Three?</p><p>A: Third.</p>"), count=3)
    result = parse_paths([_write(tmp_path, "list.html", page)])
    assert [r.question for r in result.records] == ["One?", "Three?"]
    (lost,) = [p for p in result.problems if p.lost]
    assert lost.level == "warning" and lost.position == "item 2 of 3"
    assert "Is it safe for children?" in lost.message and "list.html" in lost.path
    assert result.skipped_blocks == 1 and "1 item blocks lost" in result.summary()


def test_question_left_without_answer_in_a_dump_names_its_line(tmp_path):
    dump = tmp_path / "q.txt"
    dump.write_text("Ask an expert - general\nQ: Good?\nA: Yes.\n\nQ: Left hanging?\n",
                    encoding="utf-8")
    result = parse_paths([dump])
    (lost,) = [p for p in result.problems if p.lost]
    assert lost.position == "line 5" and "Left hanging?" in lost.message
    assert lost.level == "warning" and result.skipped_blocks == 1
    out = CliRunner().invoke(cli, ["parse", str(dump), "--out", str(tmp_path / "o.jsonl")])
    assert f"{dump}, line 5: warning: question without an answer" in out.stderr


def test_summary_counts_pages_by_kind_and_problems_by_level(tmp_path):
    page = listing(entry(1, "One", "<p>Q: One?</p><p>A: First.</p>"))
    dump = tmp_path / "d.txt"
    dump.write_text("Q: Two?\nA: Second.\n", encoding="utf-8")
    result = parse_paths([_write(tmp_path, "list.html", page), dump])
    line = result.summary()
    assert line.startswith("2 records (archive 2) from 2 files; 2 pages parsed "
                           "(1 listings, 1 text dumps), 0 files skipped;")
    assert "0 item blocks lost; problems: 0 errors, 0 warnings, 0 notes" in line
