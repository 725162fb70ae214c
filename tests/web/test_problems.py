"""The HTTP API's conventions (issue I): RFC 9457 problem details that keep the fields the
widget reads, a 400 for an unknown category, the editor API and its bearer auth in the
OpenAPI document, and a health check that does not say where the index lives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ERRORS = [
    ("/api/search?q=pain&limit=500", 400, "invalid_parameter"),
    ("/api/search", 400, "missing_parameter"),
    ("/api/records/no-such-record", 404, "not_found"),
    ("/api/nothing-here", 404, "not_found"),
    ("/api/editor/duplicates", 401, "unauthorized"),
    ("/api/search?q=pain&category=no+such+topic", 400, "unknown_category"),
]


@pytest.mark.parametrize(("url", "status", "code"), ERRORS)
def test_errors_are_problem_details_with_the_widgets_fields(client, url, status, code) -> None:
    resp = client.get(url)
    assert resp.status_code == status
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    # RFC 9457 members
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"] == f"http://localhost/problems/{code}"
    # what search_app/static/widget/widget.js reads: body.ok, body.error.message
    assert body["ok"] is False and body["error"]["message"] == body["detail"]
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]


def test_every_problem_type_is_described_at_its_url(client) -> None:
    from search_app.responses import PROBLEMS

    for code in PROBLEMS:
        resp = client.get(f"/problems/{code}")
        assert resp.status_code == 200, code
        doc = resp.get_json()
        assert doc["type"] == f"http://localhost/problems/{code}" and doc["description"]
    assert client.get("/problems/nonsense").status_code == 404


def test_the_widget_reads_error_message_from_the_body() -> None:
    """The widget's error path, as written: keep these fields while it reads them."""
    js = (Path(__file__).parents[2] / "search_app/static/widget/widget.js").read_text()
    assert re.search(r"body\.error\.message", js) and re.search(r"!body\.ok", js)


def test_an_unknown_category_is_a_400_naming_the_parameter(client) -> None:
    resp = client.get("/api/search?q=acupuncture&category=sleep&category=no+such+child")
    body = resp.get_json()
    assert resp.status_code == 400 and body["error"]["param"] == "category"
    assert "sleep > no such child" in body["detail"] and "/api/categories" in body["detail"]
    # known categories, in any case, still filter
    for name in ("sleep", "SLEEP", " Sleep "):
        resp = client.get("/api/search", query_string={"q": "acupuncture", "category": name})
        assert resp.status_code == 200 and resp.get_json()["data"]["hits"], name


def test_openapi_documents_the_editor_api_and_its_bearer_auth(client) -> None:
    doc = client.get("/openapi.json").get_json()
    scheme = doc["components"]["securitySchemes"]["editorToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    editor_routes = {rule.rule for rule in client.application.url_map.iter_rules()
                     if rule.rule.startswith("/api/editor/")}
    assert editor_routes and editor_routes <= set(doc["paths"])
    for route in editor_routes:
        op = doc["paths"][route]["get"]
        assert op["security"] == [{"editorToken": []}]
        assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
    error = doc["paths"]["/api/search"]["get"]["responses"]["400"]["content"]
    assert list(error) == ["application/problem+json"]


def test_healthz_does_not_say_where_the_index_is(client, app_settings) -> None:
    resp = client.get("/healthz")
    text = resp.get_data(as_text=True)
    index = resp.get_json()["data"]["index"]
    assert index["records"] > 0 and index["generation"]
    assert "index_dir" not in index
    for part in (str(Path(app_settings.index_dir).resolve()), str(app_settings.index_dir)):
        assert json.dumps(part)[1:-1] not in text and part not in text
