"""Q&A forms of other health sites, in text dumps and in HTML pages that are not K2:
"Dear Dr X:" / "Dear Reader:" newspaper columns and numbered FAQs (fixtures written here)."""

from __future__ import annotations

from indexer.ingest.parse import parse_paths
from indexer.ingest.parse.forms import as_labelled
from indexer.ingest.parse.merge import merge_items
from indexer.ingest.parse.text import parse_text

COLUMN = """Ask the doctor
Tuesday, 05 March 2024
Dear Dr. Lee: I am 67 and my knees ache every morning. Would acupuncture help?
-- Stiff in Stockport
Dear Stiff: Knee pain from osteoarthritis is one of the better studied uses of acupuncture.
It is worth asking your GP to check the joint as well.
Monday, 04 March 2024
DEAR DOCTOR, My son grinds his teeth at night. Is that harmful? -- A.B., Leeds
Dear Reader: Teeth grinding is common in children and usually stops by itself.
"""
FAQ = """Frequently asked questions
About your first visit.
1. How long does a session last?
Usually about an hour for the first one.
2) Will it hurt?

Most people feel a dull ache at most.
Some feel nothing at all.
3. How many sessions will I need?
That depends on the problem.
"""


def _pairs(text: str):
    return [(r.question, r.answer) for r in merge_items(parse_text(text, "p.txt").items)]


def test_column_letter_is_the_question_and_the_reply_the_answer():
    assert _pairs(COLUMN) == [
        ("I am 67 and my knees ache every morning. Would acupuncture help?",
         "Knee pain from osteoarthritis is one of the better studied uses of acupuncture.\n\n"
         "It is worth asking your GP to check the joint as well."),
        ("My son grinds his teeth at night. Is that harmful?",
         "Teeth grinding is common in children and usually stops by itself."),
    ]


def test_numbered_faq_questions_and_their_answers():
    assert _pairs(FAQ) == [
        ("How long does a session last?", "Usually about an hour for the first one."),
        ("Will it hurt?", "Most people feel a dull ache at most.\n\nSome feel nothing at all."),
        ("How many sessions will I need?", "That depends on the problem."),
    ]


def test_forms_keep_line_numbers():
    lines = FAQ.splitlines()
    assert len(as_labelled(lines)) == len(lines)
    assert len(as_labelled(COLUMN.splitlines())) == len(COLUMN.splitlines())


def test_numbered_list_inside_a_labelled_answer_is_answer_text():
    text = "Q: When should I see my GP?\nA: Ask yourself:\n1. Is it new?\n2. Is it worse?\n"
    assert _pairs(text) == [("When should I see my GP?",
                             "Ask yourself:\n\n1. Is it new?\n\n2. Is it worse?")]


def test_greetings_that_are_no_column_are_left_alone():
    text = "Q: Can you help?\nA: Dear John, thank you for writing.\nYes, we can.\n"
    assert _pairs(text) == [("Can you help?", "Dear John, thank you for writing.\n\nYes, we can.")]
    one = "1. Is this a list?\nYes.\n3. Out of order?\nNo.\n"  # one numbered question only
    assert as_labelled(one.splitlines()) == one.splitlines()


def _html(body: str) -> str:
    return (f'<!DOCTYPE html><html><head><title>Health column</title></head><body>'
            f'<nav><a href="/">Home</a> <a href="/faq.html">FAQ</a></nav>'
            f'<main><h1>Ask the doctor</h1>{body}</main><footer>© Paper</footer></body></html>')


def test_html_pages_with_a_column_or_a_faq_give_records(tmp_path):
    column = "".join(f"<p>{line}</p>" for line in COLUMN.splitlines()[1:])
    faq = "<ol>" + "".join(
        f"<li><h3>{q}</h3><p>{a}</p></li>" for q, a in (
            ("How long does a session last?", "Usually about an hour."),
            ("Will it hurt?", "Rarely."))) + "</ol>"
    faq = faq.replace("<h3>How", "<h3>1. How").replace("<h3>Will", "<h3>2. Will")
    (tmp_path / "column.html").write_text(_html(column), encoding="utf-8")
    (tmp_path / "faq.html").write_text(_html(faq), encoding="utf-8")
    result = parse_paths([tmp_path])
    got = sorted((r.question, r.answer) for r in result.records)
    assert got == sorted([
        ("I am 67 and my knees ache every morning. Would acupuncture help?",
         "Knee pain from osteoarthritis is one of the better studied uses of acupuncture.\n\n"
         "It is worth asking your GP to check the joint as well."),
        ("My son grinds his teeth at night. Is that harmful?",
         "Teeth grinding is common in children and usually stops by itself."),
        ("How long does a session last?", "Usually about an hour."),
        ("Will it hurt?", "Rarely."),
    ])
    assert len({r.id for r in result.records}) == 4
    assert not [p for p in result.problems if p.level != "note"], result.problems
