"""No padding (issue F, item 5), on the bundled sample archive (45 records, nearly all of them
about acupuncture): a word that most records contain never lists a record by itself, and a
distinctive word that no record has is named instead of listing the records without it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.index.store import IndexStore, Session
from indexer.search import search
from indexer.search.padding import is_common, near_topics


@pytest.fixture
def s(sample_index: Path) -> Iterator[Session]:
    with IndexStore(sample_index).searcher() as session:
        yield session


def test_a_common_word_does_not_list_a_record_by_itself(s: Session) -> None:
    res = search(s, "acupunture for sciatia")  # the example: 43 of 45 before
    assert 1 <= res.total <= 3, [h.question for h in res.hits]
    assert all("sciatica" in {m.stem for m in h.matches} | {m.term for m in h.matches}
               or any(m.via == "correction" for m in h.matches) for h in res.hits)
    question = search(s, "can acupuncture help IVF")
    assert question.hits[0].id == "askacupuncture-126"
    assert question.total <= 3, [h.question for h in question.hits]


def test_common_words_alone_are_still_a_search(s: Session) -> None:
    res = search(s, "acupuncture")
    assert res.total > s.data.n_live // 2 and not res.unmatched


def test_a_distinctive_word_nothing_has_is_named_with_topics(s: Session) -> None:
    res = search(s, "acupuncture for long covid")
    assert res.total == 0 and res.hits == []
    assert res.unmatched == ["covid"] and not res.corrected
    assert "No answers mention “covid”." in res.notices
    # the topics where "long" leads (acupuncture is in most records: it leads nowhere)
    assert res.topics and all(t.count >= 1 for t in res.topics)
    assert res.to_dict()["topics"][0]["path"] == res.topics[0].path


def test_an_everyday_word_nothing_has_does_not_empty_the_list(s: Session) -> None:
    res = search(s, "needles hurt tomorrow")  # "tomorrow": everyday English, not archived
    assert res.total > 0 and res.unmatched == []


def test_common_share() -> None:
    assert is_common(30, 45) and not is_common(20, 45)
    assert is_common(1600, 17_912) and not is_common(1200, 17_912)


def test_near_topics_are_the_most_specific_paths_by_score(s: Session) -> None:
    data = s.data
    rows = [data.row_of("askacupuncture-101"), data.row_of("askacupuncture-126")]
    scores = np.zeros(data.n_rows, np.float32)
    scores[rows[0]], scores[rows[1]] = 1.0, 5.0
    topics = near_topics(data, scores)
    paths = [tuple(t.path) for t in topics]
    assert len(paths) == 2 and all(t.count == 1 for t in topics)
    assert not any(a != b and b[:len(a)] == a for a in paths for b in paths)  # no parents
    assert data.paths[data.cat_ids[data.cat_ptr[rows[1]]]][0] == topics[0].path[0]


def test_clauses_given_by_positions_qualify_as_by_masks() -> None:
    """`qualifying` reads a clause's satisfied rows as a bool mask or as their positions
    (execute passes a one-term clause's positions): the same outcome either way."""
    from indexer.search.padding import qualifying
    from indexer.search.scoring import Alternative, Clause

    rng = np.random.default_rng(5)
    n = 2000  # (a large archive: common is > 8% of the records)
    live = rng.random(n) < 0.95
    shares = (0.01, 0.5, 0.0, 0.03, 0.2)
    clauses = [Clause(alternatives=[Alternative(terms=(f"t{i}",), text=f"zqx{i}")],
                      label=f"zqx{i}")
               for i in range(len(shares))]
    masks = [rng.random(n) < share for share in shares]
    for mixed in ([np.flatnonzero(m) for m in masks],
                  [np.flatnonzero(m) if i % 2 else m for i, m in enumerate(masks)]):
        by_mask = qualifying(clauses, masks, live, int(live.sum()))
        given = qualifying(clauses, mixed, live, int(live.sum()))
        assert given.unmatched == by_mask.unmatched == ["zqx2"]
        assert given.distinct is not None and by_mask.distinct is not None
        assert given.distinct.tolist() == by_mask.distinct.tolist()
