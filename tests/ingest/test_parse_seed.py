"""The seed page (text of one real archive page) parses to exactly its 5 items."""

from __future__ import annotations

import pytest

from indexer.ingest.parse import parse_paths
from indexer.ingest.parse.clean import decode_bytes
from indexer.ingest.parse.text import parse_text
from indexer.records import ORPHAN

pytestmark = pytest.mark.shared

SEED = "seeds/000_8dc044ae94b30b21.txt"
PATH = ["muscles and bones", "back / spine", "lower back pain"]
BOILERPLATE = [
    "Please click here", "click here", "Find an acupuncturist", "Post a question",
    "Browse the facts", "BAcC Factsheets", "Research based factsheets", "Page 3 of 6",
    "28 questions", "Ask an expert", "browse our archive",
]


@pytest.fixture(scope="module")
def seed_page(shared_dir):
    text, note = decode_bytes((shared_dir / SEED).read_bytes())
    assert note is None
    return parse_text(text, SEED)


@pytest.fixture(scope="module")
def seed_records(shared_dir):
    result = parse_paths([shared_dir / SEED])
    assert not result.problems
    return result.records


def test_page_level_facts(seed_page):
    assert seed_page.category == PATH
    assert (seed_page.page, seed_page.pages) == (3, 6)
    assert seed_page.declared == 28


def test_exactly_four_pairs_and_one_orphan(seed_records):
    assert len(seed_records) == 5
    orphans = [r for r in seed_records if ORPHAN in r.flags]
    pairs = [r for r in seed_records if ORPHAN not in r.flags]
    assert len(orphans) == 1 and len(pairs) == 4
    assert all(r.question and r.answer for r in pairs)
    (orphan,) = orphans
    assert orphan.question == ""
    assert orphan.answer.startswith("In theory acupuncture treatment for your lower back")
    assert "hypoglycaemic episode" in orphan.answer
    # Order on the page is kept: the orphan is the fourth item.
    assert seed_records[3] is orphan


def test_every_record_filed_under_lower_back_pain(seed_records):
    assert all(r.categories == [PATH] for r in seed_records)


def test_questions_and_answers_are_paired_right(seed_records):
    q = [r.question for r in seed_records]
    assert q[0].startswith("I've got pain in my back L4 & L5. Will I get rid")
    assert q[0].endswith("How quickly does acupunture work?")
    assert q[1].startswith("I have had twp sessions of acupucture")
    assert q[2].startswith("I had an epidural when Ihad my son")
    assert q[4].startswith("I have lower backpain which is supposedly caused")
    a = [r.answer for r in seed_records]
    assert a[0].startswith("Without knowing exactly what kind of pain you have")
    assert a[1].startswith("We would not go so far as to say")
    assert a[2].startswith("This is quite a difficult question to answer.")
    assert a[4].startswith("As you can see from our fact sheet the use of acupuncture treatment")


def test_paragraphs_are_kept_as_blank_line_separated(seed_records):
    first = seed_records[0].answer
    paras = first.split("\n\n")
    assert len(paras) == 4
    assert paras[1].startswith("This kind of question highlights the problems")
    assert "\n" not in first.replace("\n\n", "")


def test_mid_sentence_break_is_joined_and_real_factsheet_text_stays(seed_records):
    epidural = seed_records[2].answer
    assert "As our factsheet shows there is some evidence that acupuncture can help" in epidural


def test_no_boilerplate_and_no_odd_spaces_anywhere(seed_records):
    for rec in seed_records:
        for text in (rec.question, rec.answer, rec.title):
            for phrase in BOILERPLATE:
                assert phrase.lower() not in text.lower(), (rec.id, phrase)
            assert "\u00a0" not in text and "  " not in text
            assert text == text.strip()


def test_ids_are_stable_and_unique(seed_records, shared_dir):
    again = parse_paths([shared_dir / SEED]).records
    assert [r.id for r in again] == [r.id for r in seed_records]
    assert len({r.id for r in seed_records}) == 5
    assert all(r.id.startswith("text-") and r.source == "text" for r in seed_records)
