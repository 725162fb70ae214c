"""A record's stored copy in Whoosh: its JSON, deflated with a preset dictionary of the
generation, that reads back as the JSON text.

Whoosh keeps each document's stored fields as one pickle, deflated on its own. A record is
~1.9 kB of JSON whose keys and much of whose wording (MedQuAD's section headings, the
boilerplate of an archive) recur in every record, but a lone record is too short for zlib to
find those repeats: it deflates to ~46%. Deflated against a preset dictionary (`zdict`: 32 kB
of the generation's own records, sampled when the index is created) it comes to ~33%.

The stored value is a `Deflated` object that pickles as a call to `inflate(key, data)`, so
unpickling the stored fields (Whoosh's `stored_fields`, `iter_docs`, `document`) gives the
JSON text back, exactly as a plain stored string did: readers need no change, and
generations written before this keep reading as they were. The dictionary is part of the
schema (`schema.RecordField`), which Whoosh unpickles when it opens an index, before any
stored field can be read; the field registers it here under `key` (a hash of its bytes).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from typing import Any

ZDICT_BYTES = 32 * 1024  # zlib's window: a longer preset dictionary is not used
LEVEL = 6
_ZDICTS: dict[str, bytes] = {}  # key -> preset dictionary (one per generation's schema)
_PRIMED: dict[str, Any] = {}  # key -> a compressor that has read the dictionary (not used)


class UnknownDictionary(LookupError):
    """A stored record names a preset dictionary no open schema registered."""


def register(zdict: bytes) -> str:
    """Make `zdict` available to `inflate`; returns its key."""
    key = hashlib.blake2b(zdict, digest_size=6).hexdigest()
    _ZDICTS.setdefault(key, zdict)
    return key


def sample_dictionary(texts: Sequence[str], size: int = ZDICT_BYTES) -> bytes:
    """A preset dictionary from `texts` (the JSON of records spread over a corpus): joined
    and cut to its last `size` bytes."""
    return "".join(texts).encode("utf-8")[-size:]


class Deflated:
    """A record's JSON deflated with the preset dictionary registered under `key`."""

    __slots__ = ("data", "key")

    def __init__(self, key: str, data: bytes) -> None:
        self.key = key
        self.data = data

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        # pickle protocol 2 (Whoosh's) writes bytes as a latin-1 string re-encoded as UTF-8
        # (~1.5 bytes a byte); an int is written as its bytes, so the data goes as an int
        # (with a 1 byte above it, so that its high zero bytes survive)
        return inflate, (self.key, int.from_bytes(self.data + b"\x01", "little"))


def deflate(text: str, key: str) -> Deflated:
    """`text` deflated with the dictionary registered under `key`."""
    primed = _PRIMED.get(key)
    if primed is None:  # copying a primed compressor is ~30% quicker than priming one
        zdict = _ZDICTS[key]
        primed = zlib.compressobj(LEVEL, zdict=zdict) if zdict else zlib.compressobj(LEVEL)
        _PRIMED[key] = primed
    comp = primed.copy()
    return Deflated(key, comp.compress(text.encode("utf-8")) + comp.flush())


def inflate(key: str, number: int) -> str:
    """The text of a `Deflated` value (called by pickle when stored fields are read, with the
    number `Deflated.__reduce__` made of its data)."""
    data = number.to_bytes((number.bit_length() + 7) // 8, "little")[:-1]
    try:
        zdict = _ZDICTS[key]
    except KeyError:
        raise UnknownDictionary(f"stored record written with preset dictionary {key}, "
                                "which no open index schema holds") from None
    dec = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    return (dec.decompress(data) + dec.flush()).decode("utf-8")
