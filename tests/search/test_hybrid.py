"""Hybrid search (indexer.search.fuse): fusion order, and the search hook: re-ranked with the
query's embedding when the generation has embeddings, lexical with a notice when it has none
or the extra is missing. A stand-in model (letter counts): no network, no hub."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import rank_ids, search
from indexer.search.fuse import NO_VECTORS, Fusion, fuse, load_fusion
from indexer.text import embed
from indexer.text.embed import EmbeddingUnavailable


class TopicModel:
    """Embeds by topic words: back/lumbar/spine, sleep/insomnia, ivf/fertility."""

    model_id = "topics"
    dims = 3
    TOPICS = ({"back", "lumbar", "spine"}, {"sleep", "insomnia"}, {"ivf", "fertility"})

    def encode(self, texts, progress=None):
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for i, t in enumerate(texts):
            words = set(t.lower().replace("?", " ").replace(".", " ").split())
            for j, topic in enumerate(self.TOPICS):
                out[i, j] = len(words & topic)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def test_score_fusion_moves_a_close_record_up() -> None:
    lex_rows = np.array([0, 1, 2])
    lex_scores = np.array([3.0, 2.9, 1.0, 0.0])
    cos = np.array([0.1, 0.9, 0.2, 0.95])
    rows, scores = fuse(lex_rows, lex_scores, cos, Fusion("score", 0.5, depth=10))
    assert list(rows) == [1, 0, 3, 2] and np.all(np.diff(scores) <= 0)  # 3: embedding side
    rows, _ = fuse(lex_rows, lex_scores, cos, Fusion("score", 0.0, depth=10))
    assert list(rows[:3]) == [0, 1, 2]  # weight 0: the lexical order


def test_rrf_and_ties_break_on_row() -> None:
    rows, _ = fuse(np.array([2, 1]), np.array([0.0, 1.0, 2.0]), np.array([0.5, 0.5, 0.5]),
                   Fusion("rrf", 1.0, depth=10))
    assert list(rows) == [0, 1, 2]  # all cosines equal: row order
    rows, _ = fuse(np.array([2, 1]), np.array([0.0, 1.0, 2.0]), np.array([0.1, 0.2, 0.9]),
                   Fusion("rrf", 0.5, depth=10))
    assert rows[0] == 2


def test_embedding_side_respects_allowed_rows() -> None:
    rows, _ = fuse(np.array([0]), np.array([1.0, 0, 0]), np.array([0.1, 0.9, 0.8]),
                   Fusion("score", 0.5, depth=10), allowed=np.array([True, False, True]))
    assert 1 not in rows and set(rows) == {0, 2}


def test_lexical_side_extends_the_ordered_page_by_score() -> None:
    from types import SimpleNamespace

    from indexer.search.fuse import lexical_rows

    ranked = SimpleNamespace(rows=np.array([2]), scores=np.array([0.5, 0.9, 3.0, 0.7, 5.0]),
                             matched=np.array([True, True, True, True, False]))
    allowed = np.array([True, True, True, False, True])
    assert list(lexical_rows(ranked, allowed, 10)) == [2, 1, 0]  # 3 not allowed, 4 unmatched
    assert list(lexical_rows(ranked, allowed, 2)) == [2, 1]


def test_bad_fusion_and_the_fitted_file() -> None:
    with pytest.raises(ValueError):
        Fusion("max", 0.5)
    with pytest.raises(ValueError):
        Fusion("score", 1.5)
    fitted = load_fusion()
    assert 0.0 <= fitted.weight <= 1.0


RECORDS = [
    Record(id="r1", question="Can acupuncture help with lumbar spine pain?",
           answer="Acupuncture for pain in the lumbar spine and the back."),
    Record(id="r2", question="Does acupuncture help pain after surgery?",
           answer="Acupuncture may ease pain after an operation."),
    Record(id="r3", question="Acupuncture for insomnia?",
           answer="Acupuncture can help sleep; pain of any kind keeps people awake."),
    # about nothing the queries ask, so that their words are not in most records (a word in
    # most records never lists a record by itself: indexer/search/padding.py)
    Record(id="f1", question="How much does a session cost?", answer="Sessions cost 40 euros."),
    Record(id="f2", question="Do the needles hurt?", answer="Most people feel a dull ache."),
    Record(id="f3", question="Can I eat before treatment?", answer="Eat a light meal first."),
]


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path / "cache"))

    def make(hybrid_at_build: bool) -> IndexStore:
        model = TopicModel()
        monkeypatch.setattr(embed, "embedder", lambda: model)
        monkeypatch.setenv("QASEARCH_HYBRID", "1" if hybrid_at_build else "0")
        build_index(RECORDS, tmp_path / "index")
        return IndexStore(tmp_path / "index")
    return make


def test_hybrid_reranks_with_the_query_embedding(built, monkeypatch: pytest.MonkeyPatch) -> None:
    store = built(True)
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = [rid for rid, _ in rank_ids(s, "pain in my back", limit=3)]
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        hybrid = [rid for rid, _ in rank_ids(s, "pain in my back", limit=3)]
        page = search(s, "pain in my back")
    assert hybrid[0] == "r1" and sorted(hybrid) == sorted(lexical)
    assert page.hits[0].id == "r1"
    assert NO_VECTORS not in page.notices


def test_no_vectors_falls_back_to_lexical_with_a_notice(built, monkeypatch) -> None:
    store = built(False)
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = [h.id for h in search(s, "pain in my back").hits]
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        page = search(s, "pain in my back")
    assert [h.id for h in page.hits] == lexical and NO_VECTORS in page.notices


def test_missing_extra_at_query_time_falls_back_with_the_install_command(
        built, monkeypatch: pytest.MonkeyPatch) -> None:
    store = built(True)

    def missing():
        raise EmbeddingUnavailable("embeddings need onnxruntime: pip install -e .")
    monkeypatch.setattr(embed, "embedder", missing)
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        page = search(s, "pain in my back")
    assert page.hits and any("pip install -e ." in n for n in page.notices)


def test_words_that_match_nothing_stay_empty(built, monkeypatch) -> None:
    store = built(True)
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        assert search(s, "zzyzx").hits == []
