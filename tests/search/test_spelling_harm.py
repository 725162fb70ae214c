"""Spelling that does no harm (issue F item 2): words that English or the corpus knows are
never corrected, contractions are never condition names, and a correction onto a rare term
is only offered while the typed words still find results."""

from __future__ import annotations

import pytest

from indexer.records import Record
from indexer.search import search
from indexer.text.spelling import SpellIndex, contractions, english_words

RECORDS = [
    Record(id=f"head-{i}", question=f"Why does my headache come back {word}?",
           answer=f"A tension headache often follows {word}, poor sleep and long hours.")
    for i, word in enumerate(["mornings", "weekends", "coffee", "stress", "travel", "rain"])
] + [
    Record(id="hemi-1", question="What is hemicrania?",
           answer="Hemicrania is a rare headache disorder on one side of the head.",
           focus="Paroxysmal hemicrania", qtype="information"),
    Record(id="cvid-1", question="What is CVID?",
           answer="CVID (common variable immunodeficiency) lowers antibodies; a headache "
                  "with fever needs a doctor."),
    Record(id="cant-1", question="What is Cant syndrome?",
           answer="Cant syndrome is a rare genetic condition with excess hair growth.",
           focus="Cant syndrome", qtype="information"),
    Record(id="sleep-1", question="I can't sleep at night",
           answer="Trouble falling asleep (insomnia) often improves with a regular bedtime.",
           focus="Insomnia", qtype="information"),
]


def test_the_english_dictionary_is_the_pinned_symspellpy_one() -> None:
    words = english_words()
    assert len(words) > 80_000
    assert {"covid", "insomnia", "sciatica", "filler"} <= words
    assert "accupuncture" not in words and "cvid" not in words


def test_words_english_or_the_corpus_knows_are_never_corrected() -> None:
    spell = SpellIndex({"cvid": 12, "filer": 3, "acupuncture": 80, "sciatica": 30,
                        "fillet": 1}, english=english_words())
    assert spell.correct("covid") is None  # English, although "cvid" is one edit away
    assert spell.correct("filler") is None
    assert spell.correct("fillet") is None  # the corpus knows it
    assert spell.correct("accupuncture") == "acupuncture"  # neither knows it: corrected
    assert spell.correct("sciatia") == "sciatica"


def test_contractions_are_never_corrected() -> None:
    assert {"cant", "dont", "wont", "im", "ive"} <= contractions()
    assert not {"ill", "well", "were", "its", "shed"} & contractions()
    spell = SpellIndex({"dona": 40, "wonta": 40}, english=english_words())
    assert spell.correct("dont") is None


def test_a_correction_onto_a_rare_term_is_only_offered() -> None:
    spell = SpellIndex({"hemicrania": 2, "headache": 300}, english=english_words())
    assert spell.rare("hemicrania") and not spell.rare("headache")
    assert not SpellIndex({"hemicrania": 2}).rare("hemicrania")  # no dictionary: no rule
    # a long unknown word an edit from a rare term is a slip: corrected as usual
    assert spell.rare("hemicrania", "hemicrana") is False
    assert spell.rare("hemicrania", "hemic") is True


def test_a_typed_word_nothing_has_is_named_not_padded_beside_a_rare_correction(s) -> None:
    # "cvdi" is in no record and no dictionary: the typed search names it and lists no
    # record for "headache" alone (issue F item 5: no padding)...
    typed = search(s, "headache cvdi", autocorrect=False)
    assert typed.did_you_mean == "headache cvid"
    assert typed.total == 0 and typed.unmatched == ["cvdi"]
    assert "No answers mention “cvdi”." in typed.notices
    # ...so the typed words find nothing, and the rare correction is searched (item 2's rule)
    res = search(s, "headache cvdi")
    assert res.corrected and res.did_you_mean == "headache cvid"
    assert [h.id for h in res.hits][:1] == ["cvid-1"]


def test_a_rare_correction_is_searched_when_the_typed_words_find_nothing(s) -> None:
    res = search(s, "cvdi")
    assert res.corrected and [h.id for h in res.hits] == ["cvid-1"]
    long_typo = search(s, "headache hemicrana")  # long words: corrected as before
    assert long_typo.hits[0].id == "hemi-1"


@pytest.mark.parametrize("query", ["cant sleep", "i cant sleep at night"])
def test_a_contraction_is_not_a_condition_name(s, query: str) -> None:
    res = search(s, query)
    assert "Cant syndrome" not in res.understood["focus"]
    assert res.hits and res.hits[0].id == "sleep-1"
    assert "cant-1" not in [h.id for h in res.hits[:1]]
