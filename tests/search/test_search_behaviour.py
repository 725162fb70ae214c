"""How search behaves for visitors (hand-made index): partial matches after the full ones,
synonyms weighed below the typed words, lay terms searched as phrases, notices only for real
operator attempts, misspellings searched together with their correction, autocorrect=False."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore, Session
from indexer.records import Record
from indexer.search import search
from indexer.search.query import parse

BACK = ["muscles and bones", "back / spine", "lower back pain"]
NEEDLES = ["about acupuncture", "needles"]

RECORDS = [
    Record(id="epidural", question="Lower back pain since my epidural",
           answer="Back pain after an epidural is common; acupuncture may ease it.",
           categories=[BACK]),
    Record(id="lower1", question="My lower back hurts at work",
           answer="Lower back pain from sitting improves with movement and acupuncture.",
           categories=[BACK]),
    Record(id="lower2", question="Lower back pain in the morning",
           answer="Morning stiffness and pain of the lower back often ease by lunchtime.",
           categories=[BACK]),
    Record(id="epi-only", question="Is an epidural safe?",
           answer="An epidural is an injection near the spine used in labour.",
           categories=[["women's health", "pregnancy"]]),
    # found by "back pain" only through the lay term "bad back" (rare words)
    Record(id="badback", question="Needles and a bad back",
           answer="Lying still with a bad back is hard: tell your practitioner.",
           categories=[NEEDLES]),
    Record(id="deep", question="How deep do acupuncture needles go in?",
           answer="On the hands and face a needle goes in a few millimetres.",
           categories=[NEEDLES]),
    Record(id="tingling", question="Tingling in my hands at night",
           answer="Tingling in the hands can come from the wrist or the neck; see your GP.",
           categories=[["nerves"]]),
    Record(id="talk", question="Does talking help?",
           answer="Talking therapies help; talking with your GP before you take sertraline "
                  "matters too, and talking about side effects."),
    Record(id="heart", question="My heart pounds when I panic",
           answer="A panic attack can make the heart pound; breathing slowly helps.",
           categories=[["mental health", "anxiety"]]),
    Record(id="visitor-typo", question="Can acupuncture help sciatia?",  # a visitor's slip
           answer="Yes, sciatica often responds to acupuncture over a few sessions.",
           categories=[BACK]),
] + [
    Record(id=f"sciatica{i}", question=f"Sciatica question {i}",
           answer=f"Sciatica answer {i}: the sciatic nerve and acupuncture sessions.",
           categories=[BACK])
    for i in range(3)
] + [
    Record(id=f"filler{i}", question=f"Filler question {i} about sleep",
           answer=f"Filler answer {i} about sleep hygiene.", categories=[["sleep"]])
    for i in range(12)  # enough records for idf to mean something
]


# --------------------------------------------------------------------------- 1. back-fill
def ids(result: object) -> list[str]:
    return [h.id for h in result.hits]  # type: ignore[attr-defined]


def test_records_with_some_words_follow_the_records_with_all_words(s: Session) -> None:
    result = search(s, "lower back pain after epidural", limit=20)
    got = ids(result)
    assert got[0] == "epidural"  # the only record with every word
    assert result.understood["all_words"] == 1
    # then records with most of the words, by how many they have: lower back pain (3 of 4
    # typed words) before a record with "epidural" only (1 of 4: below half, not listed)
    assert {"lower1", "lower2"} <= set(got[1:])
    assert "epi-only" not in got
    assert result.total == len(got) == 1 + result.understood["some_words"]
    assert any("1 answer with all of your words" in n for n in result.notices)


def test_back_fill_never_changes_the_full_matches(s: Session) -> None:
    full = [h.id for h in search(s, "lower back pain", limit=20).hits
            if h.id in {"epidural", "lower1", "lower2"}]
    assert ids(search(s, "lower back pain", limit=3)) == full[:3]


def test_back_fill_pages_consistently(s: Session) -> None:
    whole = ids(search(s, "lower back pain after epidural", limit=20))
    page2 = ids(search(s, "lower back pain after epidural", limit=2, offset=2))
    assert page2 == whole[2:4]


# --------------------------------------------------------------------------- 2. synonyms
def test_synonym_only_matches_weigh_less_than_the_typed_words(s: Session) -> None:
    result = search(s, "back pain", limit=20)
    got = ids(result)
    assert "badback" in got  # found through "bad back", shown...
    # ...below every record that has the typed words in its question, though "bad" is a
    # rarer word than "pain" (so "bad back" alone would have scored higher)
    typed = [h.id for h in result.hits
             if any(m.via == "query" and "question" in m.fields for m in h.matches)]
    assert set(typed) >= {"epidural", "lower1", "lower2"}
    assert got.index("badback") > max(got.index(i) for i in typed)
    hit = next(h for h in result.hits if h.id == "badback")
    assert {m.via for m in hit.matches} == {"synonym"}


# --------------------------------------------------------------------------- 3. lay-term phrases
def test_lay_term_is_searched_as_the_phrase_and_its_synonyms(s: Session) -> None:
    result = search(s, "pins and needles in my hands", limit=20)
    got = ids(result)
    assert "deep" not in got  # "needles" + "hands", but not "pins and needles"
    assert got[:1] == ["tingling"]  # the synonym "tingling" + "hands"
    use = result.synonyms[0]
    assert use.phrase == "pins and needles" and "tingling" in use.alternatives


def test_lay_term_words_apart_do_not_make_the_lay_term(s: Session) -> None:
    # "heart attack" (a lay term) is not "heart" and "attack" anywhere in a record
    assert "heart" not in ids(search(s, "heart attack", limit=20))


# --------------------------------------------------------------------------- 4. punctuation
@pytest.mark.parametrize("text", [
    "I have had sciatia for two years and my GP says nothing more can be done, would "
    "acupuncture help?",
    "is it safe???", "what is it? (sorry: new here)", "Note: my back hurts", "pain :-(",
    "see https://example.org/page for info", "at 3:30 pm", "back pain ~ 5 years",
    "(back OR neck) pain",
])
def test_sentence_punctuation_gives_no_notice(text: str) -> None:
    assert parse(text).notices == []


@pytest.mark.parametrize("text,shown", [
    ("title:back", "title:back"), ("needl*", "needl*"), ("pain~2", "pain~2"),
    ("back^3 pain", "back^3"), ("te?t", "te?t"), ("[a TO b]", "[a TO b]"),
])
def test_operator_attempts_get_a_notice_naming_them(text: str, shown: str) -> None:
    notices = parse(text).notices
    assert len(notices) == 1 and f"“{shown}”" in notices[0]


def test_did_you_mean_of_a_question_has_no_doubled_question_mark(s: Session) -> None:
    result = search(s, "Can accupuncture help sciatia?")
    assert result.did_you_mean == "Can acupuncture help sciatica"
    assert not any("operator" in n for n in result.notices)


# --------------------------------------------------------------------------- 5. misspellings
def test_misspelling_finds_the_corrected_word_too(s: Session) -> None:
    # "sciatia" is in one visitor's question: the typed word alone would find only that one
    result = search(s, "sciatia", limit=20)
    assert result.did_you_mean == "sciatica"
    assert not result.corrected  # the typed word was searched too, not replaced
    assert set(ids(result)) == {"visitor-typo", "sciatica0", "sciatica1", "sciatica2"}
    assert any("Including results for “sciatica”" in n for n in result.notices)
    assert any(m.via == "correction" for h in result.hits for m in h.matches)


def test_autocorrect_false_runs_the_query_exactly_as_typed(s: Session) -> None:
    result = search(s, "sciatia", autocorrect=False, limit=20)
    assert ids(result) == ["visitor-typo"]
    assert result.did_you_mean == "sciatica" and not result.corrected  # still suggested
    assert not any(m.via == "correction" for h in result.hits for m in h.matches)
    assert not any("Including" in n for n in result.notices)
    # an unknown word is not replaced either
    assert search(s, "sciaticca", autocorrect=False).total == 0
    fixed = search(s, "sciaticca")
    assert fixed.corrected and fixed.total == 4


def test_inflections_of_known_words_are_not_misspellings(s: Session) -> None:
    # the experts wrote "take" and "talking", never "taking": a form of "take", not a slip
    result = search(s, "taking sertraline")
    assert result.did_you_mean is None
    assert search(s, "talkng").did_you_mean == "talking"  # a real slip is still corrected


def test_a_field_prefix_is_dropped_not_searched(s: Session) -> None:
    result = search(s, "title:epidural")
    assert set(ids(result)) == {"epidural", "epi-only"}  # as "epidural", with a notice
    assert len(result.notices) == 1 and "“title:epidural”" in result.notices[0]


def test_an_unknown_word_covered_by_a_lay_term_is_not_corrected(tmp_path: Path) -> None:
    # "hot flashes" is a lay term of "hot flushes": the typed query finds the answers
    recs = [Record(id="hf", question="Hot flushes at night",
                   answer="Hot flushes in the menopause can ease with acupuncture."),
            Record(id="hs", question="Hot stones", answer="Hot stones are not acupuncture.")]
    build_index(recs, tmp_path / "hot")
    with IndexStore(tmp_path / "hot").searcher() as s2:
        result = search(s2, "hot flashes")
        assert ids(result)[:1] == ["hf"] and not result.corrected
        assert result.synonyms and "hot flushes" in result.synonyms[0].alternatives


def test_two_slips_with_the_first_letter_are_another_word() -> None:
    from indexer.text.spelling import SpellIndex

    index = SpellIndex({"pressed": 50, "acupuncture": 80, "sciatica": 30})
    assert index.correct("depressed") is None  # not two letters lost at the start
    assert index.correct("accupunture") == "acupuncture"  # two slips, first letter kept
    assert index.correct("sciatia") == "sciatica"
    assert SpellIndex({"talking": 50}).correct("taking") == "talking"
    known = SpellIndex({"talking": 50}, known_stem=lambda t: t == "take")
    assert known.correct("taking") is None  # its stem is a word of the experts' text


def test_words_run_together_are_split(s: Session) -> None:
    from indexer.text.spelling import SpellIndex

    index = SpellIndex({"back": 40, "pain": 60, "backpack": 30, "the": 99, "rapy": 2})
    assert index.correct("backpain") == "back pain"  # a split beats a word two edits away
    assert index.correct("therapy") is None  # no stop word as a part
    result = search(s, "backpain")
    assert result.corrected and result.did_you_mean == "back pain"
    assert {"epidural", "lower1", "lower2"} <= set(ids(result))
