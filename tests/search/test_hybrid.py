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

    def query(self, text):
        return self.encode([text])[0]


def test_score_fusion_reorders_the_lexical_candidates() -> None:
    lex_rows = np.array([0, 1, 2])
    lex_scores = np.array([3.0, 2.9, 1.0])
    lex_cos = np.array([0.1, 0.9, 0.2])
    none = np.zeros(0, np.int64)
    rows, scores = fuse(lex_rows, lex_scores, lex_cos, none, none, Fusion("score"), 0.5)
    assert list(rows) == [1, 0, 2] and np.all(np.diff(scores) <= 0)
    rows, _ = fuse(lex_rows, lex_scores, lex_cos, none, none, Fusion("score"), 0.0)
    assert list(rows) == [0, 1, 2]  # weight 0: the lexical order


def test_score_fusion_keeps_a_partial_match_below_a_full_one() -> None:
    # the lexical score is made monotone in the lexical order: row 2 (a lower-ranked match
    # with a higher raw score, as a relaxed plan gives) counts as row 1's score
    rows, scores = fuse(np.array([0, 1, 2]), np.array([2.0, 1.0, 1.8]),
                        np.array([0.5, 0.5, 0.5]), np.zeros(0, np.int64), np.zeros(0),
                        Fusion("score"), 0.3)
    assert list(rows) == [0, 1, 2] and scores[1] == scores[2]


def test_added_rows_come_after_in_score_fusion_unless_their_cosine_wins() -> None:
    rows, _ = fuse(np.array([0, 1]), np.array([2.0, 1.0]), np.array([0.2, 0.1]),
                   np.array([5]), np.array([0.9]), Fusion("score"), 0.2)
    assert list(rows) == [0, 1, 5]
    rows, _ = fuse(np.array([0, 1]), np.array([2.0, 1.0]), np.array([0.2, 0.1]),
                   np.array([5]), np.array([0.9]), Fusion("score"), 0.8)
    assert list(rows) == [5, 0, 1]


def test_rrf_and_ties() -> None:
    none = np.zeros(0, np.int64)
    rows, _ = fuse(np.array([2, 1]), np.array([2.0, 1.0]), np.array([0.5, 0.5]), none, none,
                   Fusion("rrf"), 1.0)
    assert list(rows) == [1, 2]  # all cosines equal: cosine ranks by row number
    rows, _ = fuse(np.array([2, 1]), np.array([2.0, 1.0]), np.array([0.5, 0.5]), none, none,
                   Fusion("rrf"), 1.0, tie=np.array([0, 9, 1]))
    assert list(rows) == [2, 1]  # ...or by the given tie-break rank
    rows, _ = fuse(np.array([1, 2]), np.array([2.0, 1.0]), np.array([0.1, 0.9]), none, none,
                   Fusion("rrf"), 0.7)
    assert rows[0] == 2


def test_score_fusion_by_cosine_rank() -> None:
    # the cosine side is k / (k + rank among the candidates): a spread of 0.01 between two
    # cosines moves a row as far as a spread of 0.5 (the ranks are the same)
    none = np.zeros(0, np.int64)
    near = Fusion("score", cos_norm="rank", k=1.0)
    for cos in ([0.50, 0.51], [0.2, 0.7]):
        rows, scores = fuse(np.array([0, 1]), np.array([2.0, 1.9]), np.array(cos), none,
                            none, near, 0.5)
        # row 1: 0.5 * 0.95 + 0.5 * 1/2; row 0: 0.5 * 1 + 0.5 * 1/3
        assert list(rows) == [1, 0]
        assert scores == pytest.approx([0.725, 0.5 + 1 / 6])
    raw = Fusion("score", cos_norm="raw")
    rows, _ = fuse(np.array([0, 1]), np.array([2.0, 1.9]), np.array([0.50, 0.51]), none, none,
                   raw, 0.5)
    assert list(rows) == [0, 1]  # by the cosine itself, 0.01 moves nothing here
    rows, scores = fuse(np.array([0, 1]), np.array([2.0, 1.6]), np.array([0.5, 0.5]), none,
                        none, near, 0.5, tie=np.array([1, 0]))
    assert list(rows) == [0, 1] and scores[0] > scores[1]  # equal cosines ranked by the tie
    # ...and weight 0 is still the lexical ranking
    rows, _ = fuse(np.array([0, 1]), np.array([2.0, 1.6]), np.array([0.2, 0.7]), none, none,
                   near, 0.0)
    assert list(rows) == [0, 1]


def test_added_rows_need_the_cut_off_and_an_allowed_row() -> None:
    from indexer.index.vectors import Vectors
    from indexer.search.fuse import added_rows

    vectors = Vectors(np.eye(4, dtype=np.float32), "eye")
    q = np.array([0.6, 0.8, 0.0, 0.0], np.float32)  # cosines 0.6, 0.8, 0, 0
    allowed = np.array([True, True, True, True])
    listed = np.array([3])
    rows, cos = added_rows(vectors, q, Fusion(cutoff=0.7), allowed, listed)
    assert list(rows) == [1] and cos[0] == pytest.approx(0.8)
    rows, _ = added_rows(vectors, q, Fusion(cutoff=0.5), allowed, listed)
    assert list(rows) == [1, 0]
    rows, _ = added_rows(vectors, q, Fusion(cutoff=0.5, extra=1), allowed, listed)
    assert list(rows) == [1]
    some = np.array([True, False, True, True])
    rows, _ = added_rows(vectors, q, Fusion(cutoff=0.5), some, listed)
    assert list(rows) == [0]  # row 1 is outside the category (or deleted)
    rows, _ = added_rows(vectors, q, Fusion(), allowed, listed)
    assert len(rows) == 0  # the default adds none


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
    with pytest.raises(ValueError):
        Fusion("score", 0.5, cos_norm="z")
    fitted = load_fusion()
    assert 0.0 <= fitted.weight <= 1.0
    assert Fusion.from_dict(fitted.to_dict()) == fitted
    assert Fusion.from_dict({"weight": 0.2}).cos_norm == "raw"  # files written before it


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
        monkeypatch.setattr(embed, "embedder", lambda: model)  # records, at build
        monkeypatch.setattr(embed, "query_embedder", lambda: model)  # queries
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
    monkeypatch.setattr("indexer.search.fuse._fusion", lambda: Fusion("score", 0.5, 0.5))
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        page = search(s, "pain in my back")
    assert [h.id for h in page.hits] == lexical and NO_VECTORS in page.notices


def test_missing_extra_at_query_time_falls_back_with_the_install_command(
        built, monkeypatch: pytest.MonkeyPatch) -> None:
    store = built(True)

    def missing():
        raise EmbeddingUnavailable("embeddings need onnxruntime: pip install -e .")
    monkeypatch.setattr(embed, "query_embedder", missing)
    monkeypatch.setattr("indexer.search.fuse._fusion", lambda: Fusion("score", 0.5, 0.5))
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        page = search(s, "pain in my back")
    assert page.hits and any("pip install -e ." in n for n in page.notices)


def test_words_that_match_nothing_stay_empty(built, monkeypatch) -> None:
    store = built(True)
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        assert search(s, "zzyzx").hits == []


class SleepQueries:
    """Every query means sleep (a stand-in for a query whose meaning the words miss)."""

    model_id, dims = "topics", 3

    def encode(self, texts, progress=None):
        return np.tile(np.array([0.0, 1.0, 0.0], np.float32), (len(texts), 1))

    def query(self, text):
        return self.encode([text])[0]


def test_hybrid_reorders_the_full_matches_by_meaning(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)
    monkeypatch.setattr(embed, "query_embedder", lambda: SleepQueries())
    monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 0.9, 0.9))
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = search(s, "acupuncture pain")
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        hybrid = search(s, "acupuncture pain")
    assert lexical.hits[0].id != "r3" and hybrid.hits[0].id == "r3"
    assert sorted(h.id for h in hybrid.hits) == sorted(h.id for h in lexical.hits)
    assert hybrid.total == lexical.total


def test_all_words_stay_before_some_words_and_nothing_pads(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)
    monkeypatch.setattr(embed, "query_embedder", lambda: SleepQueries())
    monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 1.0, 1.0))
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = search(s, "pain in my back")
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        hybrid = search(s, "pain in my back")
    # r1 has all the words: it stays first although r3 (sleep) is nearer in meaning
    assert [h.id for h in hybrid.hits][:2] == ["r1", "r3"]
    assert hybrid.total == lexical.total and hybrid.notices == lexical.notices
    assert hybrid.understood.get("all_words") == lexical.understood.get("all_words")


def test_rows_added_by_meaning_need_the_cut_off(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)
    monkeypatch.setattr(embed, "query_embedder", lambda: SleepQueries())
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 0.5, 0.5))
        plain = search(s, "ache")  # f2 alone has the word; no cut-off: nothing added
        monkeypatch.setattr(fuse_module, "_fusion",
                            lambda: Fusion("score", 0.5, 0.5, cutoff=0.9, extra=5))
        added = search(s, "ache")
    assert [h.id for h in plain.hits] == ["f2"] and plain.total == 1
    assert [h.id for h in added.hits] == ["f2", "r3"] and added.total == 2  # r3: sleep


def test_lexical_candidates_are_the_same_whatever_the_page() -> None:
    from types import SimpleNamespace

    from indexer.search.fuse import ORDERED, lexical_rows

    n = 40
    scores = np.linspace(1.0, 2.0, n)  # raw scores rise with the row number...
    matched = np.ones(n, dtype=bool)
    order = np.arange(n)  # ...but the search orders by row (its levels: full matches first)
    allowed = np.ones(n, dtype=bool)
    one_page = SimpleNamespace(rows=order[:ORDERED], scores=scores, matched=matched)
    two_pages = SimpleNamespace(rows=order[:2 * ORDERED], scores=scores, matched=matched)
    first = lexical_rows(one_page, allowed, 30)
    assert list(first) == list(lexical_rows(two_pages, allowed, 30))
    assert list(first[:ORDERED]) == list(range(ORDERED))  # the search's own order first
    assert list(first[ORDERED:ORDERED + 3]) == [39, 38, 37]  # then by score


def test_a_zero_weight_query_kind_is_not_embedded(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)

    def unused():
        raise AssertionError("the query was embedded")
    monkeypatch.setattr(embed, "query_embedder", unused)
    monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 0.0, 0.5))
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = search(s, "acupuncture pain")
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        hybrid = search(s, "acupuncture pain")  # a keyword search: weight 0
    assert [h.id for h in hybrid.hits] == [h.id for h in lexical.hits]


def test_gates_by_the_query_form_and_its_full_matches() -> None:
    gated = Fusion("score", 0.3, 0.5, few=10, long_words=40)
    assert gated.weight_of(False, full=10, words=3) == 0.3
    assert gated.weight_of(False, full=11, words=3) == 0.0  # many records have all the words
    assert gated.weight_of(True, full=500, words=40) == 0.5
    assert gated.weight_of(True, full=500, words=39) == 0.0  # a short question
    assert not gated.fuses(False, full=11, words=3) and gated.fuses(True, full=0, words=41)
    assert Fusion.from_dict(gated.to_dict()) == gated
    assert Fusion.from_dict({"weight": 0.2}).few >= 10**9  # files written before the gates
    assert Fusion.from_dict({"weight": 0.2}).long_words == 0
    with pytest.raises(ValueError):
        Fusion(few=-1)


def test_a_query_its_gate_keeps_lexical_is_not_embedded(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)

    def unused():
        raise AssertionError("the query was embedded")
    monkeypatch.setenv("QASEARCH_HYBRID", "0")
    with store.searcher() as s:
        lexical = search(s, "acupuncture pain")
        message = search(s, "can acupuncture help with the pain in my back after surgery")
    monkeypatch.setattr(embed, "query_embedder", unused)
    # "acupuncture pain": three records have both words; fused only with at most two
    monkeypatch.setattr(fuse_module, "_fusion",
                        lambda: Fusion("score", 0.9, 0.9, few=2, long_words=50))
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        assert [h.id for h in search(s, "acupuncture pain").hits] == [h.id for h in
                                                                     lexical.hits]
        again = search(s, "can acupuncture help with the pain in my back after surgery")
    assert [h.id for h in again.hits] == [h.id for h in message.hits]  # 11 words < 50


def test_a_keyword_search_with_few_full_matches_is_fused(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    store = built(True)
    monkeypatch.setattr(embed, "query_embedder", lambda: SleepQueries())
    monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 0.9, 0.9, few=3))
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        hybrid = search(s, "acupuncture pain")
    assert hybrid.hits[0].id == "r3"  # three full matches: fused, by meaning (sleep) first


def test_a_fused_keyword_search_shows_distinct_conditions_first(built, monkeypatch) -> None:
    from indexer.search import diversify
    from indexer.search import fuse as fuse_module

    store = built(True)
    monkeypatch.setattr(embed, "query_embedder", lambda: SleepQueries())
    monkeypatch.setattr(fuse_module, "_fusion", lambda: Fusion("score", 0.9, 0.9, few=3))
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    seen: list[list[int]] = []
    real = diversify.first_places

    def spy(s, plan, rows):
        seen.append([int(r) for r in rows])
        return real(s, plan, rows)

    monkeypatch.setattr(diversify, "first_places", spy)
    with store.searcher() as s:
        search(s, "acupuncture pain")  # fused (few full matches): diversified after fusion
        assert len(seen) == 2 and seen[1][0] == s.data.row_of("r3")
        search(s, "can acupuncture help with the pain in my back after surgery")
    assert len(seen) == 2  # a message: neither the words' ranking nor the fusion diversify


def test_a_keyword_search_phrased_as_a_question_can_be_left_lexical(built, monkeypatch) -> None:
    from indexer.search import fuse as fuse_module

    bare = Fusion("score", 0.3, 0.5, questions=False)  # messages are fused: not gated
    assert bare.weight_of(False, full=1, words=3, question=True) == 0.0
    assert bare.weight_of(False, full=1, words=3, question=False) == 0.3
    assert Fusion.from_dict(bare.to_dict()) == bare
    assert Fusion.from_dict({"weight": 0.2}).questions  # files written before the gate
    store = built(True)
    calls = []

    class Counting(TopicModel):
        def query(self, text):
            calls.append(text)
            return super().query(text)
    monkeypatch.setattr(embed, "query_embedder", lambda: Counting())
    monkeypatch.setattr(fuse_module, "_fusion", lambda: bare)
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    with store.searcher() as s:
        asked = search(s, "what is insomnia?")  # one word to search: a keyword search
        listed = search(s, "insomnia")
    assert [h.id for h in asked.hits] == ["r3"] and [h.id for h in listed.hits] == ["r3"]
    assert calls == ["insomnia"]  # only the bare keyword search was embedded
    assert bare.weight_of(True, full=1, words=3, question=True) == 0.5


def test_messages_naming_a_condition_can_be_left_lexical() -> None:
    unknown = Fusion("score", 0.3, 0.5, known_messages=False)
    assert unknown.weight_of(True, full=0, words=30, known=False) == 0.5
    assert unknown.weight_of(True, full=0, words=30, known=True) == 0.0
    assert not unknown.fuses(True, full=0, words=30, known=True)
    assert unknown.weight_of(False, full=1, words=3, known=True) == 0.3  # keyword searches
    assert Fusion.from_dict(unknown.to_dict()) == unknown
    old = Fusion.from_dict({"weight": 0.2})  # files written before the gate
    assert old.known_messages and old.message_question == 0.0
    with pytest.raises(ValueError):
        Fusion(message_question=1.5)


def test_a_message_can_be_compared_with_the_records_questions_alone() -> None:
    from types import SimpleNamespace

    from indexer.index.vectors import Vectors
    from indexer.search.fuse import fuse_ranked

    # row 0's whole text is far from the query, its question near; row 1 the other way
    vectors = Vectors(np.array([[0, 1], [1, 0]], np.float32), "two",
                      questions=np.array([[1, 0], [0, 1]], np.float32))
    q = np.array([1.0, 0.0], np.float32)
    ranked = SimpleNamespace(rows=np.array([0, 1]), scores=np.array([1.0, 1.0]),
                             matched=np.array([True, True]), complete=2, about=0)
    allowed = np.array([True, True])

    def order(fusion: Fusion, message: bool) -> list[int]:
        rows, _ = fuse_ranked(ranked, vectors, q, fusion, allowed, message, words=30)
        return [int(r) for r in rows]
    asked = Fusion("score", 1.0, 1.0, message_question=1.0)
    assert order(asked, message=True) == [0, 1]  # by the questions
    assert order(Fusion("score", 1.0, 1.0), message=True) == [1, 0]  # by the whole records
    assert order(asked, message=False) == [1, 0]  # keyword searches: the whole records
    mixed = Fusion("score", 1.0, 1.0, message_question=0.5)
    assert np.allclose(vectors.cosines(q, question_share=0.5), [0.5, 0.5])
    assert order(mixed, message=True) == [0, 1]  # equal: the lexical order


def test_hybrid_reads_the_generations_question_embeddings(monkeypatch, tmp_path) -> None:
    from indexer.search import fuse as fuse_module

    # each record's question and answer are about different topics
    records = [Record(id="q1", question="Back?", answer="Sleep and insomnia care."),
               Record(id="q2", question="Sleep?", answer="Back, lumbar and spine care.")]
    records += [Record(id=f"o{i}", question=f"Session {i}?", answer="Fees.") for i in range(4)]
    model = TopicModel()
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embed, "embedder", lambda: model)
    monkeypatch.setattr(embed, "query_embedder", lambda: model)
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    build_index(records, tmp_path / "index")
    message = "my sleep has been bad for weeks now with insomnia every single night care"
    found = {}
    for share in (0.0, 1.0):
        monkeypatch.setattr(fuse_module, "_fusion",
                            lambda share=share: Fusion("score", 0.0, 1.0,
                                                       message_question=share))
        with IndexStore(tmp_path / "index").searcher() as s:
            found[share] = [h.id for h in search(s, message).hits[:2]]
    assert found[0.0] == ["q1", "q2"]  # the whole record: q1's answer is about sleep
    assert found[1.0] == ["q2", "q1"]  # the question alone: q2 asks about sleep
