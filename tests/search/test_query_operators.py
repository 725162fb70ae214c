"""The operator notice's shortcut (texts without any operator character skip the regex)
finds exactly what the regex finds."""

from __future__ import annotations

import random

from indexer.search.query import _OPERATOR_RE, _operator_attempts, parse


def test_operator_characters_cover_every_match():
    rnd = random.Random(3)
    alphabet = list('ab XY"-:*?~^[]{}()TO title 3 https//.\u00e9')
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        for m in _OPERATOR_RE.finditer(text):
            assert set(m.group(0)) & set(":*?~^[{"), text


def test_notices_name_operators_only_when_typed():
    assert _operator_attempts("lower back pain after lifting") == []
    assert _operator_attempts("title:back pain*") == ["title:back", "pain*"]
    assert parse("back pain").notices == []
    assert parse("title:back").notices and parse("title:back").items[0].text == "back"
