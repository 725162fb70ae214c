"""The one analyzer: word variants meet, medical terms stay apart, Whoosh and `analyse` agree."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text.analysis import (
    STOP_WORDS,
    WORD_RE,
    analyse,
    analyse_with_offsets,
    analyzer,
    find_words,
    stem,
    words,
)


def terms(text: str) -> list[str]:
    return analyse(text)


def whoosh_terms(text: str) -> list[str]:
    return [t.text for t in analyzer()(text)]


@pytest.mark.parametrize(
    "variants",
    [
        ("pain", "painful", "pains"),
        ("needle", "needles", "needling"),
        ("session", "sessions"),
        ("treat", "treating", "treated"),
        ("infection", "infections", "infected"),
        ("migraine", "migraines"),
        ("acupuncturist", "acupuncturists"),
        ("tumor", "tumour", "tumours"),
        ("anemia", "anaemia"),
        ("diarrhea", "diarrhoea"),
        ("hemorrhage", "haemorrhage"),
        ("esophagus", "oesophagus"),
        ("Crohn's", "crohn"),
        ("café", "cafe"),
        ("leg", "legs"),  # short plurals still meet their word
        ("eye", "eyes"),
        ("UTI", "UTIs"),
    ],
)
def test_word_variants_meet(variants: tuple[str, ...]) -> None:
    stems = {tuple(terms(v)) for v in variants}
    assert len(stems) == 1, stems


@pytest.mark.parametrize(
    "a,b",
    [
        ("hepatitis", "hepatic"),
        ("organism", "organ"),
        ("organic", "organ"),
        ("thyroiditis", "thyroid"),
        ("colitis", "colon"),
        ("gastritis", "gastric"),
        ("arthritis", "artery"),
        ("physician", "physical"),
        ("generic", "general"),
        ("internal", "international"),
        ("cystic", "cyst"),
        ("neuritis", "neural"),
        ("men", "menses"),
        ("cellulitis", "cell"),
        ("sciatica", "sciatic"),
        ("insomnia", "insomniac"),
        ("EDS", "ED"),  # Ehlers-Danlos syndrome is not erectile dysfunction
        ("IBS", "ib"),
        ("ALS", "al"),
        ("SIDS", "sid"),
        ("SARS", "sar"),
    ],
)
def test_medical_terms_not_mangled_into_collisions(a: str, b: str) -> None:
    assert terms(a) != terms(b), (a, b, terms(a))


def test_stop_words_removed_but_medical_letters_kept() -> None:
    assert terms("What is the treatment of hepatitis B?") == ["treatment", "hepatitis", "b"]
    assert terms("vitamin D and the elderly") == ["vitamin", "d", "elder"]
    assert all(w not in terms("the a of and my") for w in STOP_WORDS)


def test_positions_skip_stop_words_so_phrases_ignore_them() -> None:
    toks = [(t.text, t.pos) for t in analyzer()("pins and needles", positions=True)]
    assert toks == [("pin", 0), ("needl", 1)]


def test_offsets_point_at_the_original_words() -> None:
    text = "Painful NEEDLING, sessions"
    got = [(t, text[a:b]) for t, a, b in analyse_with_offsets(text)]
    assert got == [("pain", "Painful"), ("needl", "NEEDLING"), ("session", "sessions")]


def test_words_keeps_stop_words_and_folds() -> None:
    assert words("Is Acupuncture SAFE?") == ["is", "acupuncture", "safe"]


def test_stem_cache_is_consistent() -> None:
    assert stem("running") == stem("running") == "run"


def test_term_memo_stays_within_its_bytes_and_gives_the_same_terms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.text import analysis

    text = "Painful NEEDLING sessions of the Acupuncturist's needles, weekly " * 3
    expected = analyse(text)
    monkeypatch.setattr(analysis, "_TERMS", {})
    monkeypatch.setattr(analysis, "_terms_bytes", 0)
    monkeypatch.setattr(analysis, "TERM_MEMO_BYTES", 3 * (analysis._TERM_ENTRY_BYTES + 8))
    for _ in range(3):  # the memo is emptied several times on the way
        assert analyse(text) == expected
        assert [t for t, _, _ in analyse_with_offsets(text)] == expected
        assert 0 < analysis.memo_bytes() <= analysis.TERM_MEMO_BYTES
        assert len(analysis._TERMS) <= 3
    assert analysis.memo_bytes() == sum(len(k) + analysis._TERM_ENTRY_BYTES
                                        for k in analysis._TERMS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_whoosh_analyzer_and_analyse_agree(text: str) -> None:
    assert whoosh_terms(text) == terms(text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=100))
@settings(max_examples=100, deadline=None)
def test_analyse_never_fails_and_gives_clean_terms(text: str) -> None:
    for t in terms(text):
        assert t and not any(ch.isspace() for ch in t)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab_'’ 1é\u0301-\n.Ωß٣"), max_size=60)
       | st.text(max_size=120))
def test_find_words_finds_what_word_re_finds(text: str) -> None:
    # the quick pattern is used only on texts without an underscore; both kinds are drawn
    assert find_words(text) == WORD_RE.findall(text)
    assert find_words(text.replace("_", "")) == WORD_RE.findall(text.replace("_", ""))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80)
       | st.text(alphabet=st.sampled_from("aZ9_' -\n.,;:!?\"()/&\t\x00\x7f"), max_size=60))
def test_find_words_in_ascii_text_finds_what_word_re_finds(text: str) -> None:
    # ASCII text goes through the translate-and-split path (apostrophes, underscores, controls)
    assert find_words(text) == WORD_RE.findall(text)


def test_find_words_splits_ascii_runs_at_apostrophes_as_word_re_does() -> None:
    assert find_words("'quoted' don't o''clock it's' x'y'z -'a") == [
        "quoted", "don't", "o", "clock", "it's", "x'y'z", "a"]


def test_find_words_splits_at_underscores_as_word_re_does() -> None:
    assert find_words("snake_case don't crohn’s x__y") == ["snake", "case", "don't", "crohn’s",
                                                          "x", "y"]


def test_greek_sis_nouns_share_a_stem_with_their_plural_and_verb() -> None:
    from indexer.text.analysis import analyse

    # invented words of the same shape as diagnosis / diagnoses / diagnose
    assert analyse("quiltonosis") == analyse("quiltonoses") == analyse("quiltonose")
    assert analyse("quiltonosis") == analyse("quiltonosed")
    # short words in -sis keep their own stem (basis is not base, thesis not these)
    assert analyse("basis") != analyse("base")
    assert analyse("thesis") != analyse("these")
