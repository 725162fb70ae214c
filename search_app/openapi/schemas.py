"""The OpenAPI component schemas of the public API's responses (and the small builders
they are written with). Strict (`additionalProperties: false`): tests validate real responses
against them, so a change to a response shape must change this file too."""

from __future__ import annotations

from typing import Any

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
            "urgent_help": {"type": "array", "items": ref("UrgentHelp"),
                            "description": "Searches only: the emergencies the query describes "
                            "(at most two), each with its own message and actions; show them "
                            "above the results."},
        },
        required=["took_ms", "api_version"],
    ),
    "UrgentHelp": obj(
        {
            "id": {**STR, "description": "suicide, self-harm, heart, stroke, pregnancy..."},
            "kind": {"enum": ["crisis", "emergency", "urgent"]},
            "title": STR,
            "message": STR,
            "actions": {"type": "array", "items": obj(
                {"label": STR, "href": {**STR, "description": "A tel:, sms: or https: link."}})},
            "elsewhere": {**STR, "description": "What to do outside the numbers' country."},
        }
    ),
    "Error": obj(
        {
            "type": {**STR, "format": "uri",
                     "description": "RFC 9457: a URL describing the problem (GET it), or "
                     "about:blank."},
            "title": {**STR, "description": "RFC 9457: short summary of the problem type."},
            "status": {"type": "integer", "minimum": 400, "maximum": 599,
                       "description": "RFC 9457: the HTTP status."},
            "detail": {**STR, "description": "RFC 9457: this occurrence, safe to show."},
            "ok": {"const": False},
            "error": obj(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {
                        **STR,
                        "description": "Machine-readable: invalid_parameter, missing_parameter, "
                        "unknown_category, not_found, method_not_allowed, too_many_requests, "
                        "unauthorized, index_unavailable, internal_error...",
                    },
                    "message": {**STR, "description": "Human-readable, safe to show (the "
                                "same as `detail`)."},
                    "param": {**NULLABLE_STR, "description": "The offending parameter."},
                }
            ),
        },
        description="The one error shape of every API route: RFC 9457 problem details "
        "(application/problem+json) whose `ok` and `error` members repeat its facts for "
        "clients of the envelope.",
    ),
    "Problem": obj(
        {"type": {**STR, "format": "uri"}, "code": STR, "title": STR, "description": STR},
        description="What a problem type means.",
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
            "also_in": {"type": "array", "items": ref("Elsewhere"),
                        "description": "Other records with the same answer (same condition "
                        "and section, or nearly the same text), listed with this hit."},
            "html_url": {**STR, "format": "uri"},
            "api_url": {**STR, "format": "uri"},
        }
    ),
    "Elsewhere": obj({"id": STR, "question": STR, "url": STR, "source": STR}),
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
            "unmatched": {**STRINGS, "description": "Distinctive words of the search that no "
                          "answer mentions; answers are not listed for the other words alone."},
            "topics": {"type": "array", "items": ref("Facet"), "description": "When "
                       "`unmatched` left no answers: the topics the other words lead to."},
            "urgent_notice": {
                **NULLABLE_STR,
                "description": "The message of the first emergency the query describes "
                "(`meta.urgent_help` has all of them with their actions).",
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
    "Health": obj({
        "status": {"const": "ok"},
        "index": obj({
            "records": {"type": "integer", "minimum": 0},
            "generation": STR,
            "built_at": {"type": ["string", "number", "null"]},
            "categories": {"type": "integer", "minimum": 0},
            "terms": {"type": "integer", "minimum": 0},
        }, required=["records", "generation"],
            description="The live generation (never where it is on disk)."),
    }),
    "EditorData": {"type": "object", "description": "Editors' data (see the route)."},
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
    ("EditorData", ref("EditorData")),
]:
    SCHEMAS[_name + "Response"] = envelope(_data, f"Envelope around {_name}.")
