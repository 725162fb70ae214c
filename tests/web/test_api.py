"""The public JSON API: pinned response shapes, validated against /openapi.json, and the one
error shape (400 for every bad parameter, 404/405/500 as JSON, never a traceback)."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

SEARCH_KEYS = {
    "query", "searched", "total", "offset", "limit", "hits", "did_you_mean", "corrected",
    "synonyms", "facets", "category", "understood", "notices", "urgent_notice", "links",
    "help", "unmatched", "topics",
}
HIT_KEYS = {
    "id", "question", "title", "categories", "url", "source", "score", "rank",
    "question_parts", "answer_parts", "matches", "flags", "also_in", "html_url",
    "api_url",
}
RECORD_KEYS = {
    "id", "question", "answer", "title", "categories", "url", "source", "item_id", "flags",
    "content_hash", "focus", "synonyms", "qtype", "cuis", "urls", "display_question",
    "html_url", "api_url",
}
NODE_KEYS = {"name", "path", "slug", "count", "html_url", "api_url", "children"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    from search_app.openapi import spec as make_spec

    return make_spec("http://localhost")


def check(spec: dict[str, Any], resp, path: str, status: int | None = None) -> dict[str, Any]:
    """Validate `resp` against the schema the spec declares for `path` and its status."""
    status = status or resp.status_code
    assert resp.status_code == status, resp.get_data(as_text=True)
    media = "application/json" if status < 400 else "application/problem+json"
    assert resp.mimetype == media
    op = spec["paths"][path]["get"]
    declared = op["responses"][str(status)]["content"][media]["schema"]
    schema = {**declared, "components": spec["components"]}
    body = resp.get_json()
    errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return body


def test_the_served_spec_is_valid_openapi_3_1(client) -> None:
    resp = client.get("/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    validate_spec(doc)
    assert doc["servers"] == [{"url": "http://localhost"}]


def test_every_public_api_route_is_documented(app, spec) -> None:
    documented = set(spec["paths"])
    routes = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith("/api/"):
            continue
        if rule.endpoint.startswith(("api.", "editor.")):  # editor: /api/similar, /api/editor
            routes.add(path.replace("<path:record_id>", "{id}").replace("<path:slugs>", "{slugs}"))
    assert routes <= documented, routes - documented
    assert {p for p in documented if p.startswith("/api/")} <= routes | {"/api/"}


def test_search_shape(client, spec) -> None:
    body = check(spec, client.get("/api/search?q=lower+back+pain&limit=3"), "/api/search")
    assert body["ok"] is True
    assert set(body) == {"ok", "data", "meta"}
    assert set(body["meta"]) == {"took_ms", "api_version", "urgent_help"}
    assert body["meta"]["urgent_help"] == []
    data = body["data"]
    assert set(data) == SEARCH_KEYS
    assert data["query"] == "lower back pain"
    assert data["limit"] == 3 and data["offset"] == 0
    assert 0 < len(data["hits"]) <= 3 and data["total"] >= len(data["hits"])
    hit = data["hits"][0]
    assert set(hit) == HIT_KEYS
    assert hit["rank"] == 1
    assert hit["html_url"] == f"http://localhost/records/{hit['id']}"
    assert hit["api_url"] == f"http://localhost/api/records/{hit['id']}"
    assert any(seg["highlight"] for h in data["hits"] for seg in h["answer_parts"] +
               h["question_parts"])
    assert data["urgent_notice"] is None
    assert data["links"]["prev"] is None


def test_zero_results_come_with_help(make_app, spec) -> None:
    client = make_app(ask_url="https://example.org/ask").test_client()
    q = '"my lower back pain started after an epidural for childbirth"'
    data = check(spec, client.get("/api/search", query_string={"q": q}), "/api/search")["data"]
    assert data["total"] == 0 and data["hits"] == []
    help_ = data["help"]
    assert help_["ask_url"] == "https://example.org/ask"
    assert help_["categories_url"] == "http://localhost/categories"
    shorter = help_["shorter"]
    assert shorter and all(s["total"] >= 1 for s in shorter)
    assert any("epidural" in s["q"] for s in shorter), "the informative words are kept"
    for s in shorter:  # each suggestion really finds what it promises
        assert len(s["q"].split()) <= 3
        again = client.get(s["api_url"].replace("http://localhost", "")).get_json()["data"]
        assert again["total"] == s["total"]
    # while typing (partial) no extra searches are run
    typing = client.get("/api/search", query_string={"q": q, "partial": 1}).get_json()["data"]
    assert typing["help"] is None
    found = client.get("/api/search?q=sciatica").get_json()["data"]
    assert found["help"] is None


def test_uncorrected_link_runs_the_query_as_typed(client, spec) -> None:
    data = check(spec, client.get("/api/search?q=acupunture+neddles"), "/api/search")["data"]
    assert data["did_you_mean"] and data["total"] > 0
    link = data["links"]["uncorrected"]
    assert link and "correct=0" in link
    typed = client.get(link.replace("http://localhost", "")).get_json()["data"]
    assert typed["corrected"] is False and typed["links"]["uncorrected"] is None
    assert not any(m["via"] == "correction" for h in typed["hits"] for m in h["matches"])
    assert client.get("/api/search?q=pain&correct=maybe").status_code == 400


def test_search_pages_follow_on(client, spec) -> None:
    first = check(spec, client.get("/api/search?q=pain&limit=2"), "/api/search")["data"]
    assert first["total"] > 4
    nxt = first["links"]["next"]
    assert nxt and "offset=2" in nxt
    second = check(spec, client.get(nxt.replace("http://localhost", "")), "/api/search")["data"]
    assert [h["rank"] for h in second["hits"]] == [3, 4]
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    assert second["links"]["prev"]


def test_search_category_filter(client, spec) -> None:
    url = "/api/search?q=acupuncture&category=sleep&limit=50"
    data = check(spec, client.get(url), "/api/search")["data"]
    assert data["category"] == ["sleep"]
    assert data["hits"]
    assert all(any(p[:1] == ["sleep"] for p in h["categories"]) for h in data["hits"])


def test_search_urgent_notice(client, spec, app_settings) -> None:
    body = check(spec, client.get("/api/search?q=pain+in+my+chest"), "/api/search")
    (heart,) = body["meta"]["urgent_help"]
    assert heart["id"] == "heart" and "tel:999" in [a["href"] for a in heart["actions"]]
    assert body["data"]["urgent_notice"] == heart["message"]


@pytest.mark.parametrize(
    "query",
    ['"', "AND", "OR OR", "*", "((", "-", "back AND (pain", "field:value", "🙂 😷", "<script>",
     "a" * 999, "  spaced   out  ", "ñandú straße", "\\", "%", "?*?", "NOT"],
)
def test_any_query_text_is_answered(client, spec, query: str) -> None:
    resp = client.get("/api/search", query_string={"q": query})
    check(spec, resp, "/api/search", 200)


BAD = [
    ("/api/search", {}, "q", "missing_parameter"),
    ("/api/search", {"q": ""}, "q", "invalid_parameter"),
    ("/api/search", {"q": "   "}, "q", "invalid_parameter"),
    ("/api/search", {"q": "x" * 2001}, "q", "invalid_parameter"),
    ("/api/search", {"q": "pain", "limit": "0"}, "limit", "invalid_parameter"),
    ("/api/search", {"q": "pain", "limit": "51"}, "limit", "invalid_parameter"),
    ("/api/search", {"q": "pain", "limit": "ten"}, "limit", "invalid_parameter"),
    ("/api/search", {"q": "pain", "limit": "2.5"}, "limit", "invalid_parameter"),
    ("/api/search", {"q": "pain", "offset": "-1"}, "offset", "invalid_parameter"),
    ("/api/search", {"q": "pain", "offset": "100000"}, "offset", "invalid_parameter"),
    ("/api/search", {"q": "pain", "category": ["a"] * 7}, "category", "invalid_parameter"),
    ("/api/search", {"q": "pain", "category": "c" * 201}, "category", "invalid_parameter"),
    ("/api/search", {"q": "pain", "partial": "perhaps"}, "partial", "invalid_parameter"),
    ("/api/suggest", {}, "q", "missing_parameter"),
    ("/api/suggest", {"q": "ba", "limit": "0"}, "limit", "invalid_parameter"),
    ("/api/suggest", {"q": "ba", "limit": "x"}, "limit", "invalid_parameter"),
    ("/api/categories/sleep", {"limit": "999"}, "limit", "invalid_parameter"),
]


@pytest.mark.parametrize(("path", "args", "param", "code"), BAD)
def test_bad_parameters_get_400_with_the_error_shape(
    client, spec, path: str, args: dict, param: str, code: str
) -> None:
    resp = client.get(path, query_string=args)
    doc_path = "/api/categories/{slugs}" if path.startswith("/api/categories/") else path
    body = check(spec, resp, doc_path, 400)
    message = body["error"]["message"]
    assert body == {
        "type": f"http://localhost/problems/{code}", "title": body["title"], "status": 400,
        "detail": message, "ok": False,
        "error": {"status": 400, "code": code, "message": message, "param": param},
    }
    assert param in body["error"]["message"]


# The public API's limits (behaviour: these numbers are part of the contract).
LIMITS = [
    ("/api/search", "/api/search", {"q": "pain"}, "limit", 50, 10),
    ("/api/search", "/api/search", {"q": "pain"}, "offset", 1000, 0),
    ("/api/suggest", "/api/suggest", {"q": "ba"}, "limit", 20, 8),
    ("/api/similar", "/api/similar", {"q": "back pain"}, "limit", 50, 10),
    ("/api/categories/sleep", "/api/categories/{slugs}", {}, "limit", 50, 20),
    ("/api/categories/sleep", "/api/categories/{slugs}", {}, "offset", 1000, 0),
]


@pytest.mark.parametrize(("path", "doc_path", "args", "param", "maximum", "default"), LIMITS)
def test_documented_limits_and_defaults_are_the_enforced_ones(
    client, spec, path: str, doc_path: str, args: dict, param: str, maximum: int, default: int
) -> None:
    declared = {p["name"]: p["schema"] for p in spec["paths"][doc_path]["get"]["parameters"]}
    assert (declared[param]["maximum"], declared[param]["default"]) == (maximum, default)
    check(spec, client.get(path, query_string={**args, param: str(maximum)}), doc_path, 200)
    check(spec, client.get(path, query_string={**args, param: str(maximum + 1)}), doc_path, 400)


def test_documented_query_and_category_limits() -> None:
    from search_app.openapi import spec as make_spec

    params = {p["name"]: p["schema"] for p in make_spec()["paths"]["/api/search"]["get"]
              ["parameters"]}
    assert params["q"]["maxLength"] == 2000
    assert params["category"]["maxItems"] == 6


def test_suggest_shape(client, spec) -> None:
    body = check(spec, client.get("/api/suggest?q=acu"), "/api/suggest")
    data = body["data"]
    assert data["query"] == "acu"
    assert data["suggestions"], "a prefix of a common word has completions"
    for s in data["suggestions"]:
        assert set(s) == {"text", "kind", "id", "html_url"}
        if s["kind"] == "question":
            assert s["html_url"].endswith(f"/records/{s['id']}")


def test_similar_shape(client, spec) -> None:
    body = check(spec, client.get("/api/similar", query_string={
        "q": "Is acupuncture safe while I am pregnant?", "limit": 3}), "/api/similar")
    data = body["data"]
    assert data["query"] == "Is acupuncture safe while I am pregnant?"
    assert 0 < len(data["hits"]) <= 3 and body["meta"]["count"] == len(data["hits"])
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert all(h["matches"] for h in data["hits"])
    check(spec, client.get("/api/similar", query_string={"q": "x", "limit": 0}),
          "/api/similar", 400)


def test_record_shape(client, spec, sample_records) -> None:
    rec = next(r for r in sample_records if r.id == "askacupuncture-101")
    body = check(spec, client.get(f"/api/records/{rec.id}"), "/api/records/{id}")
    data = body["data"]
    assert set(data) == RECORD_KEYS
    assert data["answer"] == rec.answer and data["question"] == rec.question
    assert data["categories"] == rec.categories


def test_unknown_record_is_404(client, spec) -> None:
    body = check(spec, client.get("/api/records/no-such-id"), "/api/records/{id}", 404)
    assert body["error"]["code"] == "not_found"


def test_categories_shape(client, spec, sample_records) -> None:
    body = check(spec, client.get("/api/categories"), "/api/categories")
    data = body["data"]
    assert data["total_records"] == len(sample_records)
    names = [n["name"] for n in data["categories"]]
    assert "muscles and bones" in names
    node = data["categories"][names.index("muscles and bones")]
    assert set(node) == NODE_KEYS
    child = next(c for c in node["children"] if c["name"] == "back / spine")
    assert child["slug"] == "muscles-and-bones/back-spine"
    assert child["path"] == ["muscles and bones", "back / spine"]


def test_category_page_shape(client, spec) -> None:
    path = "/api/categories/muscles-and-bones/back-spine/lower-back-pain?limit=3"
    data = check(spec, client.get(path), "/api/categories/{slugs}")["data"]
    assert data["category"]["path"] == ["muscles and bones", "back / spine", "lower back pain"]
    assert data["total"] >= 5 and len(data["records"]) == 3
    assert all(set(r) == RECORD_KEYS for r in data["records"])
    nxt = check(spec, client.get(path + "&offset=3"), "/api/categories/{slugs}")["data"]
    assert not {r["id"] for r in data["records"]} & {r["id"] for r in nxt["records"]}


def test_unknown_category_is_404(client, spec) -> None:
    resp = client.get("/api/categories/no/such/topic")
    assert check(spec, resp, "/api/categories/{slugs}", 404)["error"]["code"] == "not_found"


def test_healthz(client, spec, sample_records) -> None:
    body = check(spec, client.get("/healthz"), "/healthz")
    assert body["data"]["status"] == "ok"
    assert body["data"]["index"]["records"] == len(sample_records)


def test_api_index_links(client, spec) -> None:
    body = check(spec, client.get("/api/"), "/api/")
    assert body["data"]["endpoints"]["openapi"] == "http://localhost/openapi.json"


def test_missing_index_is_503_not_500(make_app, tmp_path, spec) -> None:
    client = make_app(index_dir=tmp_path / "none").test_client()
    for path in ("/api/search?q=pain", "/healthz", "/api/categories"):
        doc = "/api/search" if path.startswith("/api/search") else path
        body = check(spec, client.get(path), doc, 503)
        assert body["error"]["code"] == "index_unavailable"
        assert "qasearch index" in body["error"]["message"]


def test_unknown_route_and_wrong_method_use_the_error_shape(client) -> None:
    resp = client.get("/api/nothing-here")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    resp = client.post("/api/search?q=pain")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_unexpected_errors_are_500_without_a_traceback(app, monkeypatch) -> None:
    import search_app.api as api

    def boom(*_a, **_k):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(api, "get_record", boom)
    resp = app.test_client().get("/api/records/askacupuncture-101")
    assert resp.status_code == 500
    body = resp.get_json()
    assert body["error"]["code"] == "internal_error"
    text = resp.get_data(as_text=True)
    assert "secret internal detail" not in text and "Traceback" not in text


def test_json_never_carries_unsafe_links(client) -> None:
    data = client.get("/api/search?q=needles+hurt&limit=50").get_json()["data"]
    for hit in data["hits"]:
        assert hit["url"] == "" or hit["url"].startswith(("http://", "https://"))


def test_shorter_searches_keep_lay_term_phrases_whole(client) -> None:
    q = "pins and needles in my hands"  # the sample archive has nothing on tingling
    data = client.get("/api/search", query_string={"q": q}).get_json()["data"]
    assert data["total"] == 0
    suggested = [s["q"] for s in data["help"]["shorter"]]
    assert suggested, "a shorter search that finds answers is offered"
    for s in suggested:
        assert "needles" not in s or "pins and needles" in s, s
