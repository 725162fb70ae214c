"""The answers' word sketches (`indexer.search.distinct`): a sketch only ever rules out a
pair that is not near-identical, and it rules out answers with different words."""

from __future__ import annotations

import numpy as np

from indexer.search.distinct import (
    NEAR_JACCARD,
    _near_sets,
    _sketch_rejects,
    _sketches,
)


def _sketch_ints(sets: list[np.ndarray]) -> list[int]:
    """Each sorted term-id set's sketch as an int, built as a generation builds them."""
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    tids = np.concatenate(sets).astype(np.int32)
    sk = _sketches(ptr, tids, len(sets))
    return [int.from_bytes(row.tobytes(), "little") for row in sk]


def _pair(rng: np.random.Generator, size: int, swapped: int, extra: int) -> list[np.ndarray]:
    """A random answer and another that swaps `swapped` of its terms and adds `extra`."""
    pool = rng.choice(200_000, size=size + swapped + extra, replace=False)
    a = np.sort(pool[:size])
    b = np.sort(np.concatenate([pool[swapped:size], pool[size:]]))
    return [a, b]


def test_no_near_identical_pair_is_ruled_out() -> None:
    rng = np.random.default_rng(7)
    near = 0
    for _ in range(400):
        size = int(rng.integers(5, 400))
        swapped = int(rng.integers(0, max(1, size // 8)))
        extra = int(rng.integers(0, max(1, size // 10)))
        a, b = _pair(rng, size, swapped, extra)
        sa, sb = _sketch_ints([a, b])
        inter = len(np.intersect1d(a, b))
        assert (sa ^ sb).bit_count() <= len(a) + len(b) - 2 * inter  # a lower bound
        if _near_sets(a, b):
            near += 1
            assert not _sketch_rejects(sa, sb, len(a) + len(b))
    assert near > 50  # the pairs drawn do cover near-identical ones


def test_the_threshold_itself_is_never_ruled_out() -> None:
    rng = np.random.default_rng(11)
    for size in (20, 100, 380):
        # the most swapped terms that still reach NEAR_JACCARD: (size - d) / (size + d)
        d = max(int(size * (1 - NEAR_JACCARD) / (1 + NEAR_JACCARD)), 0)
        a, b = _pair(rng, size, d, 0)
        assert _near_sets(a, b)
        sa, sb = _sketch_ints([a, b])
        assert not _sketch_rejects(sa, sb, len(a) + len(b))


def test_answers_with_different_words_are_ruled_out() -> None:
    rng = np.random.default_rng(3)
    ruled_out = 0
    for _ in range(100):
        size = int(rng.integers(40, 300))
        a, b = _pair(rng, size, size // 3, 0)  # a third of the words differ
        sa, sb = _sketch_ints([a, b])
        ruled_out += _sketch_rejects(sa, sb, len(a) + len(b))
    assert ruled_out >= 95


def test_an_empty_answer_has_an_empty_sketch() -> None:
    ptr = np.array([0, 0, 3], np.int64)
    sk = _sketches(ptr, np.array([4, 9, 12], np.int32), 2)
    assert not sk[0].any() and sk[1].any()
