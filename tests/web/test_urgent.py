"""Urgent help (search_app/urgent.py and data/urgent_help.toml): which situation a query
describes, and which everyday queries must not raise an alarm. The phrasings are the ways
people commonly describe these emergencies, written for these tests."""

from __future__ import annotations

import pytest

from search_app import urgent

TABLE = urgent.load()

SHOULD_TRIGGER = [
    # the six the issue names
    ("don't want to live anymore", "suicide"),
    ("baby moving less", "pregnancy"),
    ("bleeding in pregnancy", "pregnancy"),
    ("sudden severe headache", "headache"),
    ("my child swallowed bleach", "poisoning"),
    ("cut wrist", "self-harm"),
    # thoughts of suicide
    ("I don’t want to be alive", "suicide"),
    ("I want to die", "suicide"),
    ("thinking about killing myself", "suicide"),
    ("feeling suicidal at night", "suicide"),
    ("I have nothing to live for", "suicide"),
    ("everyone would be better off if I was dead... better off dead", "suicide"),
    ("how to end my life", "suicide"),
    ("I can't go on anymore", "suicide"),
    ("i wish i was dead", "suicide"),
    # self-harm
    ("I cut my wrists last night", "self-harm"),
    ("cutting myself again", "self-harm"),
    ("urges to self harm", "self-harm"),
    ("I want to hurt myself", "self-harm"),
    # heart
    ("chest pain spreading to my left arm", "heart"),
    ("crushing pain in my chest", "heart"),
    ("tight pain in my chest and sweating", "heart"),
    ("am I having a heart attack", "heart"),
    ("Chest pains!", "heart"),
    # stroke
    ("dad's face is drooping on one side", "stroke"),
    ("sudden slurred speech", "stroke"),
    ("signs of a stroke", "stroke"),
    ("she suddenly can't speak", "stroke"),
    ("sudden numbness in my arm and leg", "stroke"),
    # headache
    ("worst headache of my life", "headache"),
    ("thunderclap headache", "headache"),
    ("severe headache that came on suddenly", "headache"),
    ("headache and stiff neck", "headache"),
    # meningitis, sepsis
    ("rash that doesn't fade with glass test", "meningitis-sepsis"),
    ("could it be sepsis", "meningitis-sepsis"),
    # breathing
    ("I can't breathe", "breathing"),
    ("my son is struggling to breathe", "breathing"),
    ("toddler choking on a grape", "breathing"),
    ("throat swelling after a bee sting", "breathing"),
    ("lips turning blue", "breathing"),
    # pregnancy
    ("my baby isn't moving as much today, 34 weeks", "pregnancy"),
    ("baby stopped kicking", "pregnancy"),
    ("reduced foetal movements", "pregnancy"),
    ("I'm 8 weeks pregnant and bleeding", "pregnancy"),
    ("bleeding during pregnancy", "pregnancy"),
    ("spotting in early pregnancy", "pregnancy"),
    ("haven't felt the baby move today", "pregnancy"),
    # poisoning
    ("toddler drank some bleach", "poisoning"),
    ("my daughter swallowed a button battery", "poisoning"),
    ("dog ate... no, my son ate my pills", "poisoning"),
    ("took too many paracetamol", "poisoning"),
    ("overdose", "poisoning"),
    ("swallowed a washing tablet", "poisoning"),
    # bleeding
    ("cut that won't stop bleeding", "bleeding"),
    ("coughing up blood", "bleeding"),
    ("vomiting blood", "bleeding"),
    ("deep cut on my hand", "bleeding"),
    # collapse, fits
    ("my husband collapsed and is unconscious", "collapse"),
    ("he is not breathing", "collapse"),
    ("child having a seizure for the first time", "collapse"),
    ("grandma is unresponsive", "collapse"),
]

MUST_NOT_TRIGGER = [
    "chest pain after a cold",
    "history of stroke",
    "acupuncture after a stroke",
    "stroke rehabilitation",
    "reduce the risk of heart attack",
    "recovering from a heart attack",
    "food poisoning remedies",
    "heavy bleeding during periods",
    "bleeding gums",
    "nose bleeding",
    "back pain in pregnancy",
    "pregnancy nausea",
    "acupuncture for headaches",
    "headache after acupuncture",
    "migraine with aura",
    "breathing exercises for anxiety",
    "wrist pain from typing",
    "cutting down on caffeine, wrist pain",
    "I cut myself shaving",
    "I can't go to work with my back",
    "no chest pain but palpitations",
    "can I keep fit while pregnant",
    "collapsed disc in my lower back",
    "sore throat when swallowing",
    "is acupuncture safe for babies",
    "hot flushes menopause",
    "cold hands and feet",
    "lower back pain",
    "insomnia",
    "I want to know if I will die of old age",
]


def ids(query: str) -> list[str]:
    return [s.id for s in TABLE.match(query)]


def test_at_least_sixty_phrasings_are_checked() -> None:
    assert len(SHOULD_TRIGGER) + len(MUST_NOT_TRIGGER) >= 60
    assert len(SHOULD_TRIGGER) >= 60


@pytest.mark.parametrize(("query", "situation"), SHOULD_TRIGGER)
def test_emergency_wordings_get_their_own_help(query: str, situation: str) -> None:
    found = ids(query)
    assert found and found[0] == situation, (query, found)


@pytest.mark.parametrize("query", MUST_NOT_TRIGGER)
def test_everyday_queries_raise_no_alarm(query: str) -> None:
    assert ids(query) == [], query


def test_every_situation_has_its_own_message_and_tappable_actions() -> None:
    messages = [s.message for s in TABLE.situations]
    assert len(set(messages)) == len(messages)
    for sit in TABLE.situations:
        assert sit.actions, sit.id
        assert all(a.href.startswith(("tel:", "sms:", "https:")) for a in sit.actions)
        assert any(a.href.startswith("tel:") for a in sit.actions)
    crisis = {s.id: s for s in TABLE.situations}["suicide"]
    assert crisis.kind == "crisis"
    assert "tel:116123" in [a.href for a in crisis.actions]  # Samaritans
    assert "116 123" in " ".join(a.label for a in crisis.actions)


def test_every_situation_is_reachable() -> None:
    hit = {sid for q, sid in SHOULD_TRIGGER}
    assert hit == {s.id for s in TABLE.situations}


def test_two_situations_at_most_in_table_order() -> None:
    both = TABLE.match("chest pain and I can't breathe and my face is drooping, slurred speech")
    assert [s.id for s in both] == ["heart", "stroke"]


def test_the_searched_form_of_the_query_counts_too() -> None:
    assert [s.id for s in TABLE.match("xyzzy", "chest pain")] == ["heart"]


def test_a_table_with_a_javascript_link_is_refused() -> None:
    bad = """[[situation]]
id = "x"
kind = "emergency"
title = "t"
message = "m"
triggers = ["x"]
actions = [{ label = "Call", href = "javascript:alert(1)" }]
"""
    with pytest.raises(ValueError, match="tel:, sms: or https:"):
        urgent.parse(bad)


def test_an_old_phrase_list_uses_the_sites_notice() -> None:
    table = urgent.parse("# ours\nbruise\n", legacy_message="Call now.")
    found = table.to_dicts(table.match("bruised arm"))
    assert found and found[0]["message"] == "Call now."
    assert table.match("chest pain") == []
