"""The cleaner removes only boilerplate it can name: every line pattern has a name and an
example it drops, and answer sentences that open with the same words are kept."""

from __future__ import annotations

import re

import pytest

from indexer.ingest.parse.clean import (
    BOILERPLATE_LINES,
    CLICK_HERE_SENTENCES,
    boilerplate_name,
    clean_text,
    is_boilerplate,
)


def test_every_pattern_is_named_with_an_example_no_other_pattern_claims():
    names = [name for name, _, _ in BOILERPLATE_LINES]
    assert len(names) == len(set(names)), "two patterns share a name"
    for name, pattern, example in BOILERPLATE_LINES:
        assert name.strip() and example.strip(), f"pattern {pattern!r} needs a name and example"
        assert re.fullmatch(rf"(?:{pattern})[\s.:!]*", example, re.I), (name, example)


@pytest.mark.parametrize("name,example", [(n, e) for n, _, e in BOILERPLATE_LINES])
def test_each_example_is_dropped_and_named(name, example):
    assert is_boilerplate(example)
    assert boilerplate_name(example) is not None
    assert clean_text(f"Real answer.\n{example}\nMore answer.") == "Real answer.\n\nMore answer."


@pytest.mark.parametrize("pattern,example", CLICK_HERE_SENTENCES)
def test_each_click_here_sentence_is_dropped(pattern, example):
    assert clean_text(f"It may help. {example}") == "It may help."


# Answer sentences that open with the words of a furniture line: all must survive whole.
KEPT = [
    "Find a practitioner who has treated fertility problems before, as it matters a lot.",
    "Enter your postcode on the register's search page and ask the practitioners nearest "
    "you. Most offer a short free chat.",
    "Post a question to your GP as well, since they know your history.",
    "If you have any questions about acupuncture and pregnancy, talk to your midwife first.",
    "Published in 2012, a large review found acupuncture helped chronic pain.",
    "Written by a colleague of mine in 2015, our factsheet covers this. It is still accurate.",
    "Last modified on the 5th of March, the guidance now says up to eight sessions. Please "
    "check with your practitioner.",
    "You are here because your back has not improved, and that is worth checking.",
    "Tags on the needles show they are single-use. Every needle is thrown away after use.",
    "Home remedies such as heat packs help too.",
    "Share your worries with your practitioner before the first session.",
    "Factsheets are not a substitute for advice from your practitioner.",
    "Ask an expert physiotherapist as well.",
    "Back pain is the commonest reason people come to us.",
    "Go to your GP first if the pain is new.",
    "Comments from patients suggest it helps.",
    "Our fact sheet on the website - please click here is not overly encouraging, but many "
    "practitioners see good results.",
]


@pytest.mark.parametrize("sentence", KEPT)
def test_answer_sentences_that_open_like_furniture_are_kept(sentence):
    assert not is_boilerplate(sentence), boilerplate_name(sentence)
    assert clean_text(sentence) == sentence
