"""The "likely already answered" flag as one coherent rule: every hit says why it is or is
not flagged, and the page can explain a high score that is not flagged."""

from __future__ import annotations

from indexer.editors.similar import VERDICTS, model


def test_verdict_checks_the_three_conditions_in_order():
    t = 0.5
    good = {"focus": 1.0}
    assert model.verdict(0.49, good, t) == model.BELOW_THRESHOLD
    assert model.verdict(0.999, {"focus": 0.4}, t) == model.CONDITION_NOT_NAMED
    assert model.verdict(0.999, good, t, asked=0.0) == model.NOT_WHAT_IS_ASKED
    assert model.verdict(0.777, good, t, asked=0.5) == model.FLAGGED
    for p, feats, asked in [(0.999, {"focus": 0.4}, 1.0), (0.777, good, 0.5), (0.3, good, 1)]:
        assert model.flag(p, feats, t, asked) == (model.verdict(p, feats, t, asked)
                                                  == model.FLAGGED)
    assert set(VERDICTS) == {model.FLAGGED, model.BELOW_THRESHOLD, model.CONDITION_NOT_NAMED,
                             model.NOT_WHAT_IS_ASKED}


def test_every_hit_says_why_and_the_flag_follows_it(sample_qi, sample_expected):
    threshold = model.scoring(False).threshold
    seen = set()
    for rec in sample_expected:
        for h in sample_qi.search(rec.question, limit=10, exclude_id=rec.id):
            assert h.verdict in VERDICTS and h.threshold == threshold
            assert h.likely_answered == (h.verdict == model.FLAGGED)
            assert (h.score < threshold) == (h.verdict == model.BELOW_THRESHOLD)
            assert h.to_dict()["verdict"] == h.verdict
            seen.add(h.verdict)
    # the sample has hits above the threshold that are not flagged, each with its reason
    assert model.FLAGGED in seen and seen & {model.CONDITION_NOT_NAMED, model.NOT_WHAT_IS_ASKED}
