"""The OpenAPI paths of the editor API (`/api/editor/*`, search_app/editor.py) and its bearer
authentication. Their data shapes belong to the editors' tools and may grow, so they are
described as open objects (the envelope and the error shape are the strict ones)."""

from __future__ import annotations

from typing import Any

from indexer.limits import MAX_SIMILAR

SCHEME = "editorToken"
SECURITY_SCHEMES: dict[str, Any] = {
    SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "The editor token (QASEARCH_EDITOR_TOKEN; `qasearch editor-token` "
        "makes one), sent as `Authorization: Bearer <token>`. With no token configured every "
        "editor route answers 401.",
    }
}


def _int(name: str, description: str, minimum: int, maximum: int,
         default: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if default is not None:
        schema["default"] = default
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def editor_paths(json: Any, q: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
    """The editor routes; `json(schema, text)` builds a response, `q` is the query parameter
    and `errors` the shared error responses."""
    unauthorized = {
        **json("Error", "No or wrong editor token."),
        "headers": {"WWW-Authenticate": {"description": 'Bearer realm="qasearch-editor"',
                                         "schema": {"type": "string"}}},
    }
    answers = {"400": errors["400"], "401": unauthorized, "503": errors["503"]}

    def op(op_id: str, summary: str, data: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        return {"get": {"operationId": op_id, "summary": summary, "tags": ["editor"],
                        "security": [{SCHEME: []}], "parameters": params,
                        "responses": {"200": json(data, summary + "."), **answers}}}

    return {
        "/api/editor/similar": op(
            "editorSimilar", "Archived questions similar to a draft (as /api/similar)",
            "SimilarResponse",
            [{**q, "description": "The draft question."},
             _int("limit", "How many questions.", 1, MAX_SIMILAR, 10)]),
        "/api/editor/duplicates": op(
            "editorDuplicates", "Groups of archived records that ask the same thing",
            "EditorDataResponse",
            [_int("limit", "Groups per page.", 1, 5000, 100),
             _int("offset", "Groups to skip.", 0, 10**6, 0)]),
        "/api/editor/queries": op(
            "editorQueries", "What visitors searched for and did not find (k-anonymous counts)",
            "EditorDataResponse",
            [_int("days", "Days to report (default: the retention period).", 1, 3650),
             _int("limit", "Queries per list.", 1, 1000, 50)]),
    }
