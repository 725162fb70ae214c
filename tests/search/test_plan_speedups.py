"""Shortcuts of query planning give what the longer way gave: the shown conditions in the order
of a full sort, a message's narrowed name entries as if looked up again, the boost's
feedback over the voted keys only as over every key, and the boost of the few rows it can
raise as the boost of every row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index.store import Session
from indexer.records import Record
from indexer.search import plan as plan_module
from indexer.search.distinct import top_rows
from indexer.search.focus import focus_index
from indexer.search.plan import (
    FEEDBACK_BOOST,
    FEEDBACK_DOCS,
    _best_foci,
    _focus_feedback,
    plan_query,
)
from indexer.search.query import parse

CONDITIONS = [
    ("Type 2 diabetes", ["diabetes mellitus type 2"], "sugar in the blood and insulin"),
    ("Diabetes insipidus", [], "thirst and urine, not sugar"),
    ("Ear infection", ["otitis media"], "ear pain and fever in children"),
    ("Earwax blockage", ["ear wax"], "wax in the ear canal, drops soften it"),
    ("Back pain", ["lumbago"], "pain in the lower back after lifting"),
    ("Gout", [], "joint pain from uric acid crystals"),
]
RECORDS = [
    Record(id=f"r{i}{qt}", question=f"What is the {qt} of {focus} ?", focus=focus,
           synonyms=syn, qtype=qt, answer=f"{focus}: {text}. The {qt} depends on the case.")
    for i, (focus, syn, text) in enumerate(CONDITIONS)
    for qt in ("information", "treatment", "causes")
] + [Record(id=f"f{i}", question=f"Filler question {i} about sleep and rest",
            answer=f"Filler answer {i}: sleep, rest and a walk.") for i in range(40)]


def _reference_foci(scores: np.ndarray) -> list[int]:
    return [int(k) for k in np.argsort(-scores)[:3] if scores[k] > 0.3]


@pytest.mark.parametrize("seed", range(20))
def test_best_foci_follow_the_full_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.zeros(500, np.float32)
    keys = rng.choice(500, size=int(rng.integers(0, 12)), replace=False)
    scores[keys] = rng.choice([0.2, 0.3, 0.45, 0.7, 1.0], size=len(keys)) if seed % 2 else (
        rng.random(len(keys)).astype(np.float32))
    assert _best_foci(scores) == _reference_foci(scores)


def test_narrowed_entries_equal_a_new_lookup(s: Session) -> None:
    fi = focus_index(s.data)
    tids = [t for t in (s.data.term_id(w) for w in ("diabet", "type", "ear", "wax", "pain",
                                                     "back", "sleep")) if t is not None]
    assert len(tids) >= 6
    found = fi.entries(tids)
    assert len(found[0]) > 0
    for subset in (tids[::2], tids[1:], tids[-1:], [], list(reversed(tids[:4]))):
        ent, which = fi.narrow(found, tids, subset)
        want_ent, want_which = fi.entries(subset)
        assert ent.tolist() == want_ent.tolist()
        assert which.tolist() == want_which.tolist()


def _feedback_over_every_key(s: Session, total: np.ndarray) -> np.ndarray:
    """The feedback weight of every focus key (and the 0 slot), as a full array."""
    n_keys = len(s.data.focus_keys)
    keys, weights = _focus_feedback(s.data, total)
    out = np.zeros(n_keys + 1, np.float32)
    out[keys] = np.asarray(weights, np.float32)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_feedback_votes_as_a_full_array_would(s: Session, seed: int) -> None:
    """The voted keys' weights equal those of the full per-key vote array it replaced."""
    data = s.data
    n = len(data.ids)
    rng = np.random.default_rng(seed)
    total = np.where(rng.random(n) < 0.3, rng.random(n), 0.0).astype(np.float32)
    scored = np.flatnonzero(total > 0)
    top = top_rows(data, scored, total[scored], FEEDBACK_DOCS)
    votes = np.zeros(len(data.focus_keys) + 1, np.float64)
    np.add.at(votes, data.focus[top], total[top])
    votes[-1] = 0.0
    if votes.max() > 0:
        votes /= votes.max()
    got = _feedback_over_every_key(s, total)
    assert got.tobytes() == votes.astype(np.float32).tobytes()


def test_boost_of_candidate_rows_equals_boost_of_every_row(s: Session) -> None:
    plan = plan_query(s.data, parse("what is the treatment of type 2 diabetes and ear wax?"))
    assert plan.boost is not None and FEEDBACK_BOOST > 0
    n = len(s.data.ids)
    rng = np.random.default_rng(7)
    rows = np.sort(rng.choice(n, size=n // 2, replace=False))
    total = np.zeros(n, np.float32)
    total[rows] = rng.random(len(rows)).astype(np.float32)
    every = plan.boost(s.data, total)
    some = plan.boost(s.data, total[rows], rows)
    assert every[rows].tobytes() == some.tobytes()
    assert every.max() > 0



def test_rows_of_keys_are_the_rows_of_each_focus(s: Session) -> None:
    fi = focus_index(s.data)
    focus = s.data.focus
    keys = np.asarray([3, 0, 5], dtype=np.int64)
    want = np.concatenate([np.flatnonzero(focus == k) for k in keys])
    assert len(want) and fi.rows_of_keys(keys).tolist() == want.tolist()
    assert fi.rows_of_keys(np.zeros(0, np.int64)).tolist() == []


@pytest.mark.parametrize("text", ["ear wax", "what is the treatment of type 2 diabetes?",
                                  "back pain", "gout crystals treatment", "sleep rest"])
@pytest.mark.parametrize("seed", range(4))
def test_boost_of_the_rows_it_raises_equals_boost_of_every_row(
        s: Session, monkeypatch: pytest.MonkeyPatch, text: str, seed: int) -> None:
    plan = plan_query(s.data, parse(text))
    assert plan.boost is not None
    n = len(s.data.ids)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(n, size=n - seed * 5, replace=False))
    total = rng.random(len(rows)).astype(np.float32)
    total[rng.random(len(rows)) < 0.1 * seed] = 0.0  # (some candidates without a score)
    taken = []
    boosted = plan_module._boosted
    monkeypatch.setattr(plan_module, "_boosted", lambda *a: taken.append(boosted(*a))
                        or taken[-1])
    few = plan.boost(s.data, total, rows)
    monkeypatch.setattr(plan_module, "BOOST_SPARSE_SHARE", 10**9)  # every row computed
    dense = plan.boost(s.data, total, rows)
    assert few.dtype == dense.dtype and few.tobytes() == dense.tobytes()
    assert taken[1] is None or not len(taken[1])  # (every row, unless none can be raised)
    if seed == 0 and text != "sleep rest":  # (no condition named: nothing raised)
        assert taken[0] is not None and len(taken[0]) and few.max() > 0


def test_title_named_terms_are_those_of_titles_without_focus(tmp_path: Path) -> None:
    """`TitleNames.named` (asked before any postings) holds exactly the terms whose title
    postings reach a record without a focus."""
    from indexer.index.build import build_index
    from indexer.index.store import IndexStore
    from indexer.search.titles import title_names

    records = [
        *RECORDS,
        Record(id="p1", question="", title="Quilt fever (Diagnosis)", answer="A rash."),
        Record(id="p2", title="Sewing cramps", question="Why do my hands cramp?",
               answer="Rest them."),
        Record(id="p3", question="", title="Diabetes and quilts", focus="Type 2 diabetes",
               answer="Sugar."),
    ]
    build_index(records, tmp_path / "index")
    with IndexStore(tmp_path / "index").searcher() as session:
        data = session.data
        tn = title_names(data)
        want = [bool(tn.nameless[data.postings("title", data.vocab[t])[0]].any())
                for t in range(len(data.vocab))]
        assert any(want) and not all(want)
        assert tn.named.tolist() == want


@pytest.mark.parametrize("seed", range(30))
def test_top_conditions_are_those_of_a_stable_sort(seed: int) -> None:
    """`conditions.top_keys` keeps the keys a stable sort by score would put first (ties to
    the lower key), without sorting them all."""
    from indexer.search.conditions import top_keys

    rng = np.random.default_rng(seed)
    keys = np.sort(rng.choice(5000, size=int(rng.integers(1, 400)), replace=False))
    values = (rng.choice([0.5, 0.75, 1.0], size=len(keys)) if seed % 2
              else rng.random(len(keys)))
    for top in (1, 3, 10, len(keys)):
        want = np.sort(keys[np.argsort(-values, kind="stable")[:top]])
        assert top_keys(keys, values, top).tolist() == want.tolist()
