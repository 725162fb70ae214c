"""What visitors type into the search box of the bundled sample archive (scraped/): symptom
words, whole worried questions, misspellings and lay terms. Each must bring up the answer
that a person reading the archive would point to within the first three results (not
necessarily first: the table checks behaviour, not exact scores)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.index.store import IndexStore, Session
from indexer.search import search

PREFIX = "askacupuncture-"

# query -> the id (without the prefix) of an answer expected in the top 3
TABLE = [
    ("lower back pain after epidural", "103"),
    ("I had an epidural two years ago and since then my lower back hurts, could acupuncture "
     "help?", "103"),
    ("I have had sciatia for two years and my GP says nothing more can be done, would "
     "acupuncture help?", "101"),
    ("sciatia", "101"),
    ("accupuncture for sciatia", "101"),
    ("sciatic nerve pain down my leg", "101"),
    ("insomina", "128"),
    ("can't sleep", "128"),
    ("I keep waking up at 4am and can't get back to sleep", "128"),
    ("waking up at 3am", "129"),
    ("sleeping pills", "130"),
    ("palpatations", "145"),
    ("heart racing at night", "145"),
    ("chest pain", "144"),
    ("IVF", "126"),
    ("infertility", "124"),
    ("Can acupuncture help me get pregnant at 44?", "124"),
    ("hot flushes", "127"),
    ("hot flashes", "127"),
    ("menopause", "127"),
    ("needles hurt", "134"),
    ("are the needles clean", "132"),
    ("how deep do the needles go", "135"),
    ("how long are needles left in", "136"),
    ("I bruised after acupuncture", "137"),
    ("is it safe when pregnant", "142"),
    ("I'm pregnant and my back is killing me, is acupuncture safe?", "106"),
    ("morning sickness", "120"),
    ("hyperemesis", "122"),
    ("breech baby", "123"),
    ("stiff neck", "112"),
    ("my neck is stiff after a car accident", "113"),
    ("tension headaches", "114"),
    ("panic attacks", "116"),
    ("sertraline", "119"),
    ("winter blues", "138"),
    ("my teenage son is stressed about exams", "118"),
    ("bloating", "133"),
    ("IBS constipation", "141"),
    ("low FODMAP diet", "143"),
    ("knee arthritis", "115"),
    ("trapped nerve", "110"),
    ("slipped disc", "107"),
    ("I hurt my back lifting furniture", "102"),
    ("my back is stiff in the morning", "109"),
    ("sore back from sitting at a desk", "111"),
    ("felt worse after acupuncture", "105"),
    ("how much does it cost", "139"),
    ("how often should i have acupunture", "140"),
    ("price", "139"),
    ("trouble sleeping", "128"),
    ("depressed", "119"),
    ("title:whiplash", "113"),
]


@pytest.fixture(scope="module")
def s(sample_index: Path) -> Iterator[Session]:
    with IndexStore(sample_index).searcher() as session:
        yield session


@pytest.mark.parametrize("query,expected", TABLE)
def test_visitor_query_finds_the_answer_in_the_top_three(s: Session, query: str,
                                                         expected: str) -> None:
    top = [h.id for h in search(s, query, limit=3).hits]
    assert PREFIX + expected in top, f"{query!r}: {top}"


def test_a_long_phrase_query_lists_partial_matches_after_the_full_one(s: Session) -> None:
    result = search(s, "lower back pain after epidural", limit=20)
    assert result.hits[0].id == PREFIX + "103"
    assert result.understood["all_words"] == 1 and result.understood["some_words"] >= 5
    assert result.total == len(result.hits)
    back = ["muscles and bones", "back / spine", "lower back pain"]
    assert all(back in h.categories for h in result.hits[1:6])


def test_back_pain_ranks_the_typed_words_above_the_lay_term(s: Session) -> None:
    # 136 ("...I have a bad back...", a question about needles) matches only through the
    # lay-term synonym "bad back"
    top = [h.id for h in search(s, "back pain", limit=5).hits]
    assert PREFIX + "136" not in top
    assert all(h.startswith(PREFIX + "1") for h in top)


def test_pins_and_needles_is_not_the_word_needles(s: Session) -> None:
    result = search(s, "pins and needles in my hands", limit=20)
    assert PREFIX + "135" not in [h.id for h in result.hits]  # "How deep do ... needles go"
    assert result.synonyms and result.synonyms[0].phrase == "pins and needles"


def test_a_worried_question_gets_a_clean_did_you_mean_and_no_operator_notice(
        s: Session) -> None:
    text = ("I have had sciatia for two years and my GP says nothing more can be done, "
            "would acupuncture help?")
    result = search(s, text)
    assert result.did_you_mean is not None and "sciatica" in result.did_you_mean
    assert not result.did_you_mean.endswith("?")
    assert not any("operator" in n for n in result.notices)


@pytest.mark.parametrize("query", ["accupuncture", "insomina", "palpatations", "sciatia"])
def test_misspellings_include_the_corrected_results(s: Session, query: str) -> None:
    typed = search(s, query, limit=20)
    exact = search(s, query, limit=20, autocorrect=False)
    assert typed.did_you_mean and exact.did_you_mean == typed.did_you_mean
    assert typed.total >= exact.total
    assert any(m.via == "correction" for h in typed.hits for m in h.matches)
    assert not any(m.via == "correction" for h in exact.hits for m in h.matches)


def test_cli_marks_partial_matches_and_searches_as_typed(sample_index: Path) -> None:
    from click.testing import CliRunner

    from indexer.cli import cli

    run = CliRunner().invoke(cli, ["search", "lower back pain after epidural", "--index",
                                   str(sample_index), "--limit", "3"])
    assert run.exit_code == 0, run.output
    assert "1 answer with all of your words" in run.output
    assert run.output.index("answers with some of your words") > run.output.index("  1. ")
    typed = CliRunner().invoke(cli, ["search", "sciatia", "--no-autocorrect", "--format", "json",
                                     "--index", str(sample_index)])
    assert typed.exit_code == 0, typed.output
    assert '"via": "correction"' not in typed.output
    assert '"did_you_mean": "sciatica"' in typed.output
