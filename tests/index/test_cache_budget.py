"""The one per-process cache budget (`caches.budget`, `caches.entries`) and its shares."""

from __future__ import annotations

import pytest

from indexer.index import caches
from indexer.index.caches import MEMO_ENTRY_BYTES, SHARES, budget, entries, scaled_budget
from indexer.settings import Settings


def test_the_shares_split_at_most_the_whole_budget() -> None:
    assert all(0 < share < 1 for share in SHARES.values())
    assert sum(SHARES.values()) <= 1.0 + 1e-9
    assert set(MEMO_ENTRY_BYTES) <= set(SHARES)


def test_every_share_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QASEARCH_CACHE_MB", "10")
    small = {name: budget(name) for name in SHARES}
    monkeypatch.setenv("QASEARCH_CACHE_MB", "40")
    large = {name: budget(name) for name in SHARES}
    for name in SHARES:
        assert large[name] == pytest.approx(4 * small[name], abs=4)
    assert sum(large.values()) <= 40 << 20


def test_default_budget_is_the_settings_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QASEARCH_CACHE_MB", raising=False)
    total = Settings().cache_mb << 20
    assert budget("records") == int(total * SHARES["records"])


def test_a_large_generation_scales_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QASEARCH_CACHE_MB", "20")
    n = 4 * caches.SCALE_ROWS
    assert budget("term_scores", n) == scaled_budget(budget("term_scores"), n)
    assert budget("term_scores", n) == 4 * budget("term_scores")  # in proportion to the rows
    n = 100 * caches.SCALE_ROWS
    assert budget("term_scores", n) == int(caches.SCALE_MOST * budget("term_scores"))


def test_memo_entries_are_the_share_over_an_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QASEARCH_CACHE_MB", "20")
    for name, size in MEMO_ENTRY_BYTES.items():
        assert entries(name) == budget(name) // size
    monkeypatch.setenv("QASEARCH_CACHE_MB", "1")
    assert all(entries(name) >= caches.MIN_ENTRIES for name in MEMO_ENTRY_BYTES)


@pytest.mark.parametrize("bad", ["0", "-5"])
def test_a_budget_that_is_not_positive_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                  bad: str) -> None:
    monkeypatch.setenv("QASEARCH_CACHE_MB", bad)
    with pytest.raises(ValueError, match="cache_mb"):
        budget("records")


def test_an_unreadable_budget_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QASEARCH_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="cache_mb"):
        budget("records")
