"""Snippets with a memo of each stem's hits (`snippets.Spans`, kept per text across searches):
the same segments as without one, whatever stems earlier calls looked for, and the memo is
really read (a kept entry is not found again)."""

from __future__ import annotations

import random

from indexer.results import Segment
from indexer.search import snippets
from indexer.text.analysis import analyse


class Memo(dict):
    """The simplest `snippets.Spans`: a dict that keeps what it is given."""

    def keep(self, found: dict, hits: int) -> None:
        assert not found.keys() & self.keys()  # only stems not kept yet
        assert hits == sum(map(len, found.values()))
        self.update(found)


def test_kept_hits_are_those_of_a_fresh_scan(sample_records: list) -> None:
    rng = random.Random(11)
    texts = [r.answer for r in sample_records] + [r.display_question for r in sample_records]
    texts.append("Don’t stop: Café au lait, O'Brien's haemorrhage; lying, dying, ties. " * 5)
    vocab = sorted({t for text in texts for t in analyse(text)})
    for text in texts:
        memo = Memo()
        mine = analyse(text) or ["absent"]
        for _ in range(6):  # overlapping stem sets: some kept, some new, some absent
            stems = frozenset(rng.sample(mine, min(len(mine), rng.randint(1, 5)))
                              + rng.sample(vocab, 2))
            assert snippets._hits_kept(text, stems, memo) == snippets._hits(text, stems)
        for t, hits in memo.items():  # each entry: that stem's hits alone
            assert hits == tuple(snippets._hits(text, {t}))


def test_fragment_and_highlight_are_the_same_with_a_memo(sample_records: list) -> None:
    rng = random.Random(5)
    for rec in sample_records:
        words = analyse(rec.answer + " " + rec.display_question)
        if not words:
            continue
        answer_memo = Memo()
        question_memo = Memo()
        for _ in range(4):
            stems = frozenset(rng.sample(words, min(len(words), rng.randint(1, 6))))
            weights = {t: rng.uniform(0.5, 8) for t in stems}
            present = frozenset(t for t in stems if rng.random() < 0.8)
            for chars in (60, 240):
                assert snippets.fragment(rec.answer, stems, max_chars=chars, weights=weights,
                                         present=present, memo=answer_memo) == \
                    snippets.fragment(rec.answer, stems, max_chars=chars, weights=weights,
                                      present=present)
            assert snippets.highlight(rec.display_question, stems, memo=question_memo) == \
                snippets.highlight(rec.display_question, stems)


def test_a_kept_entry_is_read_not_found_again() -> None:
    text = "Back pain and more pain."
    memo = Memo(pain=(("pain", 5, 9),))  # the second "pain" left out on purpose
    got = snippets.highlight(text, frozenset({"pain", "back"}), memo=memo)
    assert got == [Segment("Back", True), Segment(" "), Segment("pain", True),
                   Segment(" and more pain.")]
    assert memo["back"] == (("back", 0, 4),)  # the missing stem found and kept
    assert snippets.highlight(text, frozenset({"absent"}), memo=memo) == [Segment(text)]
    assert memo["absent"] == ()  # a stem without words is kept too: not looked for again


def test_empty_texts_and_stems_with_a_memo() -> None:
    memo = Memo()
    assert snippets.fragment("", {"pain"}, memo=memo) == []
    assert snippets.highlight("", {"pain"}, memo=memo) == []
    assert snippets.highlight("some pain", frozenset(), memo=memo) == [Segment("some pain")]
    assert memo == {}


def test_highlighted_segments_are_shared_and_bounded(monkeypatch) -> None:
    """A highlighted word's segment is made once and shared (it is frozen); the memo of
    them stays within its budget, and snippets are the same when it was emptied."""
    text = "Pain, pains and painful joints; PAIN at night. " * 3
    stems = frozenset(analyse("pain"))
    first = snippets.highlight(text, stems)
    again = snippets.highlight(text, stems)
    assert again == first
    assert all(a is b for a, b in zip(first, again, strict=True) if a.highlight)
    monkeypatch.setattr(snippets, "MARKED_BYTES", 10 * (snippets.MARKED_ENTRY_BYTES + 8))
    words = [f"pain{i}" for i in range(100)]
    for w in words:
        assert snippets.highlight(f"a {w} b", frozenset(analyse(w))) == [
            Segment("a "), Segment(w, True), Segment(" b")]
        assert snippets._marked_bytes <= snippets.MARKED_BYTES
        assert len(snippets._MARKED) <= 10
    assert snippets.highlight(text, stems) == first
