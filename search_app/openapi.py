"""The OpenAPI 3.1 description of the public API, served at `/openapi.json`.

Schemas are strict (`additionalProperties: false`): tests validate real responses against
them, so a change to a response shape must change this file too.
"""

from __future__ import annotations

from typing import Any

from search_app.editor import SIMILAR_MAX
from search_app.params import MAX_CATEGORY_DEPTH, MAX_OFFSET, MAX_QUERY_CHARS
from search_app.responses import API_VERSION

STR: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
STRINGS: dict[str, Any] = {"type": "array", "items": STR}
PATHS: dict[str, Any] = {"type": "array", "items": STRINGS}
NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


def envelope(data: dict[str, Any], description: str) -> dict[str, Any]:
    return obj(
        {"ok": {"const": True}, "data": data, "meta": ref("Meta")}, description=description
    )


SCHEMAS: dict[str, Any] = {
    "Meta": obj(
        {
            "took_ms": {"type": "number", "minimum": 0, "description": "Server time spent."},
            "api_version": {"const": API_VERSION},
            "count": {"type": "integer", "minimum": 0,
                      "description": "Number of items in `data` (lists without a total)."},
        },
        required=["took_ms", "api_version"],
    ),
    "Error": obj(
        {
            "ok": {"const": False},
            "error": obj(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {
                        **STR,
                        "description": "Machine-readable: invalid_parameter, missing_parameter, "
                        "not_found, method_not_allowed, too_many_requests, "
                        "index_unavailable, internal_error...",
                    },
                    "message": {**STR, "description": "Human-readable, safe to show."},
                    "param": {**NULLABLE_STR, "description": "The offending parameter."},
                }
            ),
        },
        description="The one error shape of every API route.",
    ),
    "Segment": obj(
        {"text": STR, "highlight": {"type": "boolean"}},
        description="A run of snippet text; `highlight` marks a matched term. Plain text: "
        "escape it (or insert it as a text node) when you display it.",
    ),
    "Match": obj(
        {"term": STR, "stem": STR, "fields": STRINGS, "via": STR},
        description="Why a hit matched: a query term and the record fields it met.",
    ),
    "Hit": obj(
        {
            "id": STR,
            "question": STR,
            "title": STR,
            "categories": PATHS,
            "url": {**STR, "description": "Original page (http/https) or empty."},
            "source": STR,
            "score": {"type": "number"},
            "rank": {"type": "integer", "minimum": 1},
            "question_parts": {"type": "array", "items": ref("Segment")},
            "answer_parts": {"type": "array", "items": ref("Segment")},
            "matches": {"type": "array", "items": ref("Match")},
            "flags": STRINGS,
            "html_url": {**STR, "format": "uri"},
            "api_url": {**STR, "format": "uri"},
        }
    ),
    "Facet": obj({"path": STRINGS, "count": {"type": "integer", "minimum": 0}}),
    "SynonymUse": obj({"phrase": STR, "alternatives": STRINGS, "source": STR}),
    "SearchResult": obj(
        {
            "query": {**STR, "description": "What was typed."},
            "searched": {**STR, "description": "What was searched (after correction)."},
            "total": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "hits": {"type": "array", "items": ref("Hit")},
            "did_you_mean": NULLABLE_STR,
            "corrected": {
                "type": "boolean",
                "description": "True when the hits are for `did_you_mean`, not the typed query.",
            },
            "synonyms": {"type": "array", "items": ref("SynonymUse")},
            "facets": {"type": "array", "items": ref("Facet")},
            "category": {"type": ["array", "null"], "items": STR},
            "understood": {"type": "object"},
            "notices": STRINGS,
            "urgent_notice": {
                **NULLABLE_STR,
                "description": "Emergency advice to show above the results when the query "
                "mentions an urgent symptom.",
            },
            "links": obj(
                {
                    "html": {**STR, "format": "uri"},
                    "next": {"type": ["string", "null"], "format": "uri"},
                    "prev": {"type": ["string", "null"], "format": "uri"},
                    "uncorrected": {
                        "type": ["string", "null"], "format": "uri",
                        "description": "When the hits came through a spelling correction: "
                        "the search for exactly what was typed (\"Search instead for\").",
                    },
                }
            ),
            "help": {
                "oneOf": [{"type": "null"}, ref("ZeroHelp")],
                "description": "When nothing was found (and the query is not `partial`): "
                "what the results page offers instead.",
            },
        }
    ),
    "ZeroHelp": obj(
        {
            "did_you_mean": NULLABLE_STR,
            "shorter": {
                "type": "array",
                "description": "Shorter searches that do find answers (words left out, or "
                "the query's most informative words; or all categories).",
                "items": obj({
                    "q": STR,
                    "total": {"type": "integer", "minimum": 1},
                    "all_categories": {"type": "boolean"},
                    "html_url": {**STR, "format": "uri"},
                    "api_url": {**STR, "format": "uri"},
                }),
            },
            "categories_url": {**STR, "format": "uri"},
            "ask_url": {"type": ["string", "null"], "format": "uri",
                        "description": "Where a visitor can ask an expert a new question."},
        }
    ),
    "Suggestion": obj(
        {
            "text": STR,
            "kind": {"enum": ["question", "term"]},
            "id": NULLABLE_STR,
            "html_url": {**STR, "format": "uri"},
        }
    ),
    "Suggestions": obj({"query": STR, "suggestions": {"type": "array",
                                                      "items": ref("Suggestion")}}),
    "Record": obj(
        {
            "id": STR,
            "question": STR,
            "answer": STR,
            "title": STR,
            "categories": PATHS,
            "url": STR,
            "source": STR,
            "item_id": STR,
            "flags": STRINGS,
            "content_hash": STR,
            "focus": STR,
            "synonyms": STRINGS,
            "qtype": STR,
            "cuis": STRINGS,
            "urls": STRINGS,
            "display_question": STR,
            "html_url": {**STR, "format": "uri"},
            "api_url": {**STR, "format": "uri"},
        }
    ),
    "CategoryNode": obj(
        {
            "name": STR,
            "path": STRINGS,
            "slug": {**STR, "description": "Path of slugs used in category URLs."},
            "count": {"type": "integer", "minimum": 0},
            "html_url": {**STR, "format": "uri"},
            "api_url": {**STR, "format": "uri"},
            "children": {"type": "array", "items": ref("CategoryNode")},
        }
    ),
    "CategoryTree": obj(
        {
            "categories": {"type": "array", "items": ref("CategoryNode")},
            "total_records": {"type": "integer", "minimum": 0},
        }
    ),
    "CategoryPage": obj(
        {
            "category": ref("CategoryNode"),
            "total": {"type": "integer", "minimum": 0},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "records": {"type": "array", "items": ref("Record")},
        }
    ),
    "SimilarHit": obj(
        {
            "id": STR,
            "question": STR,
            "categories": PATHS,
            "url": STR,
            "score": {"type": "number", "minimum": 0, "maximum": 1,
                      "description": "Calibrated similarity (0..1)."},
            "likely_answered": {"type": "boolean",
                                "description": "The archive likely answers this already."},
            "matches": {"type": "array", "items": ref("Match")},
        }
    ),
    "Similar": obj({"query": STR, "hits": {"type": "array", "items": ref("SimilarHit")}}),
    "Health": obj({"status": {"const": "ok"}, "index": {"type": "object"}}),
    "ApiIndex": obj({"endpoints": {"type": "object", "additionalProperties": STR}}),
}

for _name, _data in [
    ("SearchResult", ref("SearchResult")),
    ("Suggestions", ref("Suggestions")),
    ("Record", ref("Record")),
    ("CategoryTree", ref("CategoryTree")),
    ("CategoryPage", ref("CategoryPage")),
    ("Similar", ref("Similar")),
    ("Health", ref("Health")),
    ("ApiIndex", ref("ApiIndex")),
]:
    SCHEMAS[_name + "Response"] = envelope(_data, f"Envelope around {_name}.")


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
    }


ERRORS: dict[str, Any] = {
    "400": _json("Error", "Invalid or missing parameter."),
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
LIMIT = _param("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
               "Results per page.")
OFFSET = _param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET,
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
                            "Category filter, one level per repetition, outermost first.",
                            style="form", explode=True,
                        ),
                        LIMIT,
                        OFFSET,
                        _param("partial", {"type": "boolean", "default": False},
                               "The query is still being typed (search-as-you-type): "
                               "it is not counted in the query statistics, and counts "
                               "against the as-you-type rate limit."),
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
                        _param("limit", {"type": "integer", "minimum": 1, "maximum": 20,
                                         "default": 8}, "How many suggestions."),
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
                        {**LIMIT, "schema": {**LIMIT["schema"], "default": 20}},
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
                                         "maximum": SIMILAR_MAX, "default": 10},
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
        "components": {"schemas": SCHEMAS},
    }
