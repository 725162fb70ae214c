"""The app's index access: a session per request and the result cache both follow the
generation the builder swapped in."""

from __future__ import annotations

from pathlib import Path

from indexer.records import Record


def _rec(i: int, word: str) -> Record:
    return Record(id=f"r{i}", question=f"Question {i} about {word}?", answer=f"{word} answer.",
                  categories=[["tests"]])


def test_each_request_sees_the_live_generation_and_cache_follows_it(build_records,
                                                                    make_app) -> None:
    client = make_app(index_dir=build_records([_rec(1, "ginger")])).test_client()
    for _ in range(2):  # the second answer comes from the cache
        assert client.get("/api/search?q=ginger").get_json()["data"]["total"] == 1
    build_records([_rec(2, "ginger"), _rec(3, "turmeric")])
    data = client.get("/api/search?q=ginger").get_json()["data"]
    assert [h["id"] for h in data["hits"]] == ["r2"], "no stale cached result after a swap"
    assert client.get("/api/search?q=turmeric").get_json()["data"]["total"] == 1


def test_cache_serves_repeats_and_can_be_disabled(build_records, make_app, monkeypatch) -> None:
    import search_app.searching as searching

    index_dir = build_records([_rec(1, "ginger")])
    calls = []
    real = searching.search

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(searching, "search", counting)
    for size, expected in ((2048, 1), (0, 3)):
        calls.clear()
        client = make_app(index_dir=index_dir, search_cache=size).test_client()
        for _ in range(3):
            assert client.get("/api/search?q=ginger").get_json()["data"]["total"] == 1
        assert len(calls) == expected, size


def test_warm_up_builds_the_caches_before_the_first_request(tmp_path: Path, build_records,
                                                            make_app) -> None:
    from search_app.index import STORE_KEY, warm_up

    app = make_app(index_dir=tmp_path / "index")
    assert warm_up(app) is False  # nothing built yet: no error, pages answer 503 meanwhile
    assert build_records([_rec(1, "ginger"), _rec(2, "turmeric")]) == tmp_path / "index"
    assert warm_up(app) is True
    store = app.extensions[STORE_KEY]
    with store.searcher() as session:
        assert {"spell", "suggest_words", "display_keys", "similar.question_index"} <= set(
            session.gen.cache)
    assert app.test_client().get("/api/search?q=gingr").get_json()["data"]["total"] == 1


def test_result_cache_forgets_the_least_recently_used() -> None:
    from indexer.results import SearchResult
    from search_app.searching import ResultCache

    cache = ResultCache(2)
    a, b, c = (SearchResult(q, q, 0, 0, 10, []) for q in "abc")
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # "a" is now the most recently used
    cache.put("c", c)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (a, None, c)
