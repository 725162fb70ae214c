"""The OpenAPI 3.1 description of the public API, served at `/openapi.json`: its paths and
parameters here, the response schemas in `schemas.py`. Every limit comes from
`indexer.limits` and the defaults from the routes that apply them (except /api/similar's
default of 10, written in `search_app/editor.py`), so the description cannot drift from what
the API accepts.
"""

from __future__ import annotations

from typing import Any

from indexer.limits import (
    API_MAX_LIMIT,
    API_MAX_OFFSET,
    MAX_CATEGORY_DEPTH,
    MAX_QUERY_CHARS,
    MAX_SIMILAR,
    MAX_SUGGEST,
)
from search_app.api import CATEGORY_LIMIT, SEARCH_LIMIT, SUGGEST_LIMIT
from search_app.openapi.editor import SECURITY_SCHEMES, editor_paths
from search_app.openapi.schemas import SCHEMAS, STR, ref
from search_app.responses import API_VERSION, PROBLEM_JSON


def _json(schema_name: str, description: str) -> dict[str, Any]:
    media = PROBLEM_JSON if schema_name == "Error" else "application/json"
    return {
        "description": description,
        "content": {media: {"schema": ref(schema_name)}},
    }


ERRORS: dict[str, Any] = {
    "400": _json("Error", "Invalid or missing parameter (or an unknown category)."),
    "429": {
        **_json("Error", "Too many requests from this client."),
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
    "503": _json("Error", "The index is not available (not built yet)."),
}


def _param(name: str, schema: dict[str, Any], description: str, *, required: bool = False,
           where: str = "query", **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema, **extra}


Q = _param("q", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
           "Keywords or a whole question, misspellings welcome.", required=True)
LIMIT = _param("limit", {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT,
                            "default": SEARCH_LIMIT},
               "Results per page.")
OFFSET = _param("offset", {"type": "integer", "minimum": 0, "maximum": API_MAX_OFFSET,
                           "default": 0}, "Results to skip.")


def spec(base_url: str = "") -> dict[str, Any]:
    """The OpenAPI document; `base_url` becomes the server URL."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "qasearch API",
            "version": API_VERSION,
            "description": "Search archived expert answers. Every response is JSON in one "
            "envelope (`ok`, `data`, `meta`) or the one error shape (`ok: false`, `error`). "
            "Snippets are lists of plain-text segments: never HTML. The API is rate limited "
            "per client (429 with Retry-After); browsers may call it from the origins the "
            "service allows (CORS).",
        },
        "servers": [{"url": base_url or "/"}],
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ranked search with highlighted snippets",
                    "parameters": [
                        Q,
                        _param(
                            "category",
                            {"type": "array", "items": {"type": "string", "minLength": 1},
                             "maxItems": MAX_CATEGORY_DEPTH},
                            "Category filter, one level per repetition, outermost first "
                            "(names as in /api/categories, any case); a path the index does "
                            "not have is a 400 `unknown_category`.",
                            style="form", explode=True,
                        ),
                        LIMIT,
                        OFFSET,
                        _param("partial", {"type": "boolean", "default": False},
                               "The query is still being typed (search-as-you-type): "
                               "it is not counted in the query statistics and, with at most "
                               "10 results and no offset, counts against the as-you-type rate "
                               "limit (else against the ordinary one)."),
                        _param("correct", {"type": "boolean", "default": True},
                               "false: search exactly what was typed, without automatic "
                               "spelling correction."),
                    ],
                    "responses": {"200": _json("SearchResultResponse", "Results."), **ERRORS},
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "As-you-type completions (questions and terms)",
                    "parameters": [
                        {**Q, "description": "What has been typed so far."},
                        _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_SUGGEST,
                                         "default": SUGGEST_LIMIT}, "How many suggestions."),
                    ],
                    "responses": {"200": _json("SuggestionsResponse", "Completions."),
                                  **ERRORS},
                }
            },
            "/api/records/{id}": {
                "get": {
                    "operationId": "getRecord",
                    "summary": "One whole question and answer",
                    "parameters": [_param("id", STR, "Record id.", required=True,
                                          where="path")],
                    "responses": {
                        "200": _json("RecordResponse", "The record."),
                        "404": _json("Error", "No record with this id."),
                        **ERRORS,
                    },
                }
            },
            "/api/categories": {
                "get": {
                    "operationId": "categories",
                    "summary": "The category tree with record counts",
                    "responses": {"200": _json("CategoryTreeResponse", "The tree."), **ERRORS},
                }
            },
            "/api/categories/{slugs}": {
                "get": {
                    "operationId": "category",
                    "summary": "One category: its subcategories and records",
                    "parameters": [
                        _param("slugs", STR, "Slug path, e.g. muscles-and-bones/back-spine.",
                               required=True, where="path"),
                        {**LIMIT, "schema": {**LIMIT["schema"], "default": CATEGORY_LIMIT}},
                        OFFSET,
                    ],
                    "responses": {
                        "200": _json("CategoryPageResponse", "The category."),
                        "404": _json("Error", "No such category."),
                        **ERRORS,
                    },
                }
            },
            "/api/similar": {
                "get": {
                    "operationId": "similar",
                    "summary": "Archived questions that may already answer a draft question",
                    "parameters": [
                        {**Q, "description": "The draft question, as a visitor would ask it."},
                        _param("limit", {"type": "integer", "minimum": 1,
                                         "maximum": MAX_SIMILAR, "default": 10},
                               "How many questions."),
                    ],
                    "responses": {"200": _json("SimilarResponse", "Similar questions, best "
                                               "first."), **ERRORS},
                }
            },
            "/api/": {
                "get": {
                    "operationId": "apiIndex",
                    "summary": "Links to the endpoints",
                    "responses": {"200": _json("ApiIndexResponse", "Endpoints.")},
                }
            },
            "/problems/{code}": {
                "get": {
                    "operationId": "problemType",
                    "summary": "What an error's `type` means",
                    "parameters": [_param("code", STR, "Problem code (error.code).",
                                          required=True, where="path")],
                    "responses": {
                        "200": _json("Problem", "The description."),
                        "404": _json("Error", "No such problem type."),
                    },
                }
            },
            **editor_paths(_json, Q, ERRORS),
            "/healthz": {
                "get": {
                    "operationId": "health",
                    "summary": "Health check: 200 when the index answers",
                    "responses": {
                        "200": _json("HealthResponse", "Healthy."),
                        "503": ERRORS["503"],
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }
