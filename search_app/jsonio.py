"""Flask's JSON through orjson: the search core's dataclasses (hits, snippet segments,
matches) are serialised in C, without first copying them into dicts.

Output matches Flask's default provider where it matters: UTF-8 (no \\u escapes), keys in
insertion order, compact (indented in debug mode), a trailing newline; dates as HTTP dates,
and anything else orjson does not know (UUID, Decimal, objects with __html__...) as Flask's
default provider would write it, else as its str().
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider, JSONProvider
from flask.wrappers import Response

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(obj: Any) -> Any:
    if isinstance(obj, tuple):  # a named tuple
        return list(obj)
    try:
        return DefaultJSONProvider.default(obj)
    except TypeError:
        return str(obj)


class FastJSONProvider(JSONProvider):
    def _dumps(self, obj: Any) -> bytes:
        option = _OPTIONS | (orjson.OPT_INDENT_2 if self._app.debug else 0)
        return orjson.dumps(obj, default=_default, option=option)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._dumps(obj) + b"\n", mimetype="application/json")

