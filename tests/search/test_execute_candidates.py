"""Executing a plan over its candidate rows only gives what scoring every row gives: clause
scores and matches at the candidates, the plain-term shortcut, the term scores kept in front
of the byte-bounded cache, the k best rows with ties, distinct counts and the near-duplicate
bound (speed work that must not change a result)."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.index.store import IndexStore
from indexer.search.distinct import (
    NEAR_JACCARD,
    _answer_set,
    collapse,
    distinct_count,
    distinct_counts,
    groups,
    order_rows,
    top_rows,
)
from indexer.search.execute import execute
from indexer.search.plan import plan_query
from indexer.search.query import parse
from indexer.search.scoring import Alternative, Clause, Scorer, candidates, get_scorer

QUERIES = ["back pain", "lower back pain", "acupuncture needles", "pins and needles in my hands",
           '"lower back" -epidural', "neck OR shoulder",
           "My back has hurt for weeks after lifting boxes. What should I do about it?"]


@pytest.fixture(scope="module")
def session(sample_index):
    with IndexStore(sample_index).searcher() as s:
        yield s


def _clauses(data) -> list[Clause]:
    words = [w for w in data.vocab if w.isalpha()][:40]
    a, b, c = words[3], words[7], words[11]
    return [
        Clause([Alternative((a,))]),
        Clause([Alternative((a,), weight=0.7)], weight=1.5),
        Clause([Alternative((a, b)), Alternative((c,), weight=0.9)]),
        Clause([Alternative((a, b), exact=True)]),
        Clause([Alternative((a, b, a))], weight=2.0),
        Clause([Alternative(("no-such-term",))]),
    ]


def test_clauses_at_the_candidates_score_as_over_every_row(session):
    data = session.data
    scorer = get_scorer(data)
    for clause in _clauses(data):
        dense_score, dense_ok = scorer.clause_match(clause)
        cand = candidates(scorer, [t for a in clause.alternatives for t in a.terms])
        score, ok = scorer.clause_match_at(clause, cand)
        assert np.array_equal(score, dense_score[cand.rows])
        assert np.array_equal(ok, dense_ok[cand.rows])
        # no row outside the candidates scores or matches
        outside = np.ones(data.n_rows, dtype=bool)
        outside[cand.rows] = False
        assert not dense_score[outside].any() and not dense_ok[outside].any()
        one = scorer.single_term_at(clause, cand)
        if one is None:
            continue
        where, values = one
        spread = np.zeros(len(cand.rows), np.float32)
        spread[where] = values
        assert np.array_equal(spread, score)
        assert np.array_equal(np.isin(np.arange(len(cand.rows)), where), ok)


def test_single_term_only_for_one_plain_term(session):
    data = session.data
    scorer = get_scorer(data)
    kinds = [scorer.single_term_at(c, candidates(scorer, [t for a in c.alternatives
                                                            for t in a.terms]))
             is not None for c in _clauses(data)]
    assert kinds == [True, True, False, False, False, True]


def test_execute_scores_every_row_the_dense_way(session):
    """The ranking's scores are the clause sums (and boost) over every row: zero wherever no
    term of the query is; matched rows are a subset of the scored ones."""
    data = session.data
    scorer = get_scorer(data)
    for q in QUERIES:
        plan = plan_query(data, parse(q))
        ranked = execute(session, plan, None, 10)
        total = np.zeros(data.n_rows, np.float32)
        for clause in plan.clauses:
            total += scorer.clause_match(clause, ranked.phrases)[0]
        if plan.boost is not None:
            total += plan.boost(data, total)
        assert np.array_equal(ranked.scores, total), q
        assert ranked.scores.shape == ranked.matched.shape == (data.n_rows,)
        assert not (ranked.matched & (ranked.scores <= 0)).any(), q
        assert all(ranked.matched[r] for r in ranked.rows.tolist()), q
        if ranked.distinct is not None:
            assert ranked.distinct.shape == (data.n_rows,)
        # read from the candidates' arrays as from the spread ones
        every = np.arange(data.n_rows)
        assert np.array_equal(ranked.score_of(every), ranked.scores), q
        assert np.array_equal(ranked.score_of(every[::-7]), ranked.scores[::-7]), q
        assert np.array_equal(ranked.matched_rows(), np.flatnonzero(ranked.matched)), q


def test_term_scores_in_front_of_the_cache_stay_bounded(session, monkeypatch):
    data = session.data
    words = [w for w in data.vocab if w.isalpha()][:300]
    monkeypatch.setattr(Scorer, "HOT_BYTES", 2048)
    scorer = Scorer(data)
    fresh = Scorer(data)
    for t in words + words[::-1]:
        got = scorer.term(t)
        want = fresh._score(t)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        assert got[2] == want[2]
        assert scorer._hot_bytes <= 2048
        assert sum(a.nbytes + b.nbytes for a, b, _ in scorer._hot.values()) <= 2048


def _top_reference(data, rows, key, k):
    """top_rows as first written: argpartition of the negated keys."""
    if len(rows) > k:
        part = np.argpartition(-key, k - 1)[:k]
        keep = key >= key[part].min()
        rows, key = rows[keep], key[keep]
    return order_rows(data, rows, key)[:k]


def test_top_rows_with_ties(session):
    data = session.data
    rng = np.random.default_rng(7)
    n = data.n_rows
    for trial in range(50):
        m = int(rng.integers(1, n + 1))
        rows = np.sort(rng.choice(n, size=m, replace=False))
        key = rng.integers(0, 4, size=m).astype(np.float64)  # many ties
        if trial % 2:
            key = key.astype(np.float32) / 3
        for k in (1, 3, 10, m, m + 5):
            assert np.array_equal(top_rows(data, rows, key, k),
                                  _top_reference(data, rows, key, k))


def test_distinct_count_as_counting_keys(session):
    data = session.data
    g = groups(data)
    rng = np.random.default_rng(3)
    for _ in range(30):
        rows = np.sort(rng.choice(data.n_rows, size=int(rng.integers(0, data.n_rows + 1)),
                                  replace=False))
        keys = g.primary[rows]
        want = len(rows) - int((keys >= 0).sum()) + len(set(keys[keys >= 0].tolist()))
        assert distinct_count(data, rows) == want
        subs = [rng.random(len(rows)) < 0.5, np.ones(len(rows), dtype=bool),
                np.zeros(len(rows), dtype=bool)]
        assert distinct_counts(data, rows, subs) == [want] + [
            distinct_count(data, rows[sub]) for sub in subs]


def test_answer_terms_are_the_answer_sets_sizes(session):
    data = session.data
    g = groups(data)
    for row in range(data.n_rows):
        assert g.answer_terms[row] == len(_answer_set(data, g, row))


def test_near_duplicate_bound_is_exact():
    """Answers whose distinct words differ in number by more than the Jaccard threshold
    allows can never be near-identical (the check collapse skips)."""
    from indexer.search.distinct import _near_sets

    rng = np.random.default_rng(11)
    for _ in range(300):
        a = np.unique(rng.integers(0, 80, size=int(rng.integers(5, 60))))
        b = np.unique(np.concatenate([a[: int(rng.integers(0, len(a) + 1))],
                                      rng.integers(0, 80, size=int(rng.integers(0, 8)))]))
        few, many = sorted((len(a), len(b)))
        if few < NEAR_JACCARD * many:
            assert not _near_sets(a, b)


def test_collapse_keeps_what_a_walk_without_the_bound_keeps(session, monkeypatch):
    data = session.data
    g = groups(data)
    order = order_rows(data, np.arange(data.n_rows), np.zeros(data.n_rows))
    kept, also = collapse(data, order, 15)
    monkeypatch.setattr(g, "answer_terms", np.zeros_like(g.answer_terms))  # bound never rules
    assert collapse(data, order, 15) == (kept, also)


def test_a_walk_fed_in_steps_keeps_what_one_walk_keeps(session):
    from indexer.search.distinct import Walk

    data = session.data
    rng = np.random.default_rng(5)
    for _ in range(20):
        order = order_rows(data, np.arange(data.n_rows), rng.integers(0, 3, data.n_rows))
        need = int(rng.integers(1, 20))
        walk = Walk(data, need)
        cuts = sorted(rng.integers(0, data.n_rows, 3).tolist())
        for a, b in zip([0, *cuts], [*cuts, data.n_rows], strict=True):
            walk.feed(order[a:b])
        assert (walk.kept, walk.also) == collapse(data, order, need)


def _duplicates_reference(data, row, matched, near, limit):
    """duplicates_of as first written (every key member listed, then the near ones)."""
    g = groups(data)
    out: list[int] = []
    if g.grouped and (g.section[row] >= 0 or g.text[row] >= 0):
        parts = []
        for kind, keys in (("section", g.section), ("text", g.text)):
            k = int(keys[row])
            if k >= 0:
                order, starts = g.members[kind]
                parts.append(order[starts[k]:starts[k + 1]])
        rows = parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts))
        if len(parts) > 1:
            rows = rows[np.argsort(g.id_rank[rows], kind="stable")]
        out = rows[matched[rows] & (rows != row)].tolist()
    out += [r for r in near if r not in out]
    return out[:limit]


def test_duplicates_of_as_listing_every_member(session):
    from indexer.search.distinct import duplicates_of

    data = session.data
    rng = np.random.default_rng(9)
    for row in range(data.n_rows):
        for limit in (1, 2, 10):
            matched = rng.random(data.n_rows) < 0.8
            near = rng.choice(data.n_rows, size=int(rng.integers(0, 4)), replace=False).tolist()
            assert duplicates_of(data, row, matched, near, limit) == _duplicates_reference(
                data, row, matched, near, limit)
