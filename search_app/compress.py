"""gzip for text answers: HTML, JSON (problems too), CSS, JavaScript and SVG.

An answer is compressed when the client accepts gzip, its type is text-like, it is at least
`MIN_BYTES` long and compressing makes it smaller; every answer that could have been
compressed says `Vary: Accept-Encoding`, so a shared cache keeps the two encodings apart.
Partial (206), empty and already encoded answers pass untouched. A compressed answer's strong
ETag becomes weak (its bytes differ from the identity encoding's; If-None-Match compares
weakly, so a revalidation still gets its 304), and it no longer offers byte ranges.

Answers with a strong ETag (static files, the widget) have the same bytes every time: their
compressed form is kept by content digest (`_gzip_fixed`, at the highest level); the rest
are compressed per request at `LEVEL`, about 0.1 ms for a page of results (level 5 took
half as long again for ~8 % fewer bytes).

Standard-library gzip: brotli would save a few more percent on HTML but needs a compiled
dependency; every browser and HTTP client accepts gzip.
"""

from __future__ import annotations

import gzip
import hashlib

from flask import Flask, request
from flask.wrappers import Response

MIN_BYTES = 1024  # below this, the gzip header and a round of CPU are not worth it
# per-request answers: level 3, the best of zlib's fast levels. Measured on 40 dev queries'
# MedQuAD answers (bodies 17 kB JSON / 26 kB HTML): 90 / 119 us and 18.3 / 17.3 % of the size,
# against level 5's 145 / 203 us and 17.0 / 15.9 % (~230 / 350 bytes more, 40 % less CPU)
LEVEL = 3
MAX_BYTES = 8 * 1024 * 1024  # larger bodies (none today) are sent as they are
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/javascript", "application/javascript", "text/plain",
    "application/json", "application/problem+json", "image/svg+xml", "text/csv",
    "application/xml", "text/xml",
})


def init_app(app: Flask) -> None:
    app.after_request(compress)


def compress(resp: Response) -> Response:
    """gzip `resp` in place when it is worth it and the client accepts it (see the module)."""
    if not _eligible(resp):
        return resp
    if resp.direct_passthrough:  # a file from send_file: its length is in the headers
        length = resp.content_length
    elif resp.is_sequence:
        length = resp.calculate_content_length()
    else:  # a generator: streamed as it comes
        return resp
    if length is None or not MIN_BYTES <= length <= MAX_BYTES:
        return resp
    resp.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return resp
    data = _body(resp)
    etag, weak = resp.get_etag()
    packed = _gzip_fixed(data) if etag and not weak else gzip.compress(data, LEVEL, mtime=0)
    if len(packed) >= len(data):
        resp.set_data(data)
        return resp
    resp.set_data(packed)
    resp.headers["Content-Encoding"] = "gzip"
    resp.headers.pop("Accept-Ranges", None)
    if etag and not weak:
        resp.set_etag(etag, weak=True)
    return resp


def _eligible(resp: Response) -> bool:
    status = resp.status_code
    has_body = (200 <= status < 300 and status not in (204, 206)) or status >= 400
    return (has_body and resp.mimetype in COMPRESSIBLE
            and "Content-Encoding" not in resp.headers
            and "Content-Range" not in resp.headers
            and "no-transform" not in resp.headers.get("Cache-Control", ""))


def _body(resp: Response) -> bytes:
    """The whole body (a file served by send_file is read and its file closed)."""
    if not resp.direct_passthrough:
        return resp.get_data()
    source = resp.response
    try:
        data = b"".join(source)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    resp.direct_passthrough = False
    return data


_FIXED: dict[bytes, bytes] = {}  # digest of the content -> its gzip form
_FIXED_ENTRIES = 64  # the app has a handful of assets; a full table is simply emptied


def _gzip_fixed(data: bytes) -> bytes:
    digest = hashlib.blake2b(data, digest_size=32).digest()
    packed = _FIXED.get(digest)
    if packed is None:
        packed = gzip.compress(data, 9, mtime=0)
        if len(_FIXED) >= _FIXED_ENTRIES:
            _FIXED.clear()
        _FIXED[digest] = packed
    return packed
