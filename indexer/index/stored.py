"""A record's stored copy in Whoosh: its JSON, compressed with a dictionary of the generation,
that reads back as the JSON text.

Whoosh keeps each document's stored fields as one pickle, deflated on its own. A record is
~1.9 kB of JSON whose keys and much of whose wording (MedQuAD's section headings, the
boilerplate of an archive) recur in every record, but a lone record is too short for a
compressor to find those repeats: zlib alone makes it ~45% of its size. Compressed against
a dictionary of the generation it comes to:

- zstd, dictionary trained on ~1,000 of the generation's records (`sample_dictionary`,
  `zstandard`'s trainer; 256 kB, kept in the schema): ~20% on MedQuAD (32.8 MB of JSON ->
  7.5 MB + the dictionary at level 5); ~10 us to decode a record. Schema 10 on (codec `ZSTD_PACKED`):
  level 5 (`ZSTD_LEVEL`: 9 saves 0.57 MB for ~0.8 s more of the build's CPU), frames without
  zstd's 4-byte magic number, and the dictionary's key inside the stored number rather than
  beside it as a string (-17 bytes a record). Schemas 8 and 9 (codec `ZSTD`): level 9,
  frames with the magic number, the key as a string; they read as before.
- zlib with a 32 kB preset dictionary (its window) of sampled records: ~32%. Generations
  written before schema 8 hold these; they read as before.

Schema 10 on, a segment keeps each record's key and frame as they are (`pack_fields`, in the
records column of `indexer.index.codec`); elsewhere (a segment written with Whoosh's codec,
records sent between processes):
the stored value is a `Deflated` object that pickles as a call to `unpack_record(number)`
(schema 10 on: the number holds the dictionary's key and the compressed bytes), or
`unzstd(key, number)` / `inflate(key, number)` (older generations), so unpickling the stored
fields (Whoosh's `stored_fields`, `iter_docs`, `document`) gives the JSON text back, exactly
as a plain stored string did: readers need no change. `unpack_record` and `unzstd` are
registered with `copyreg` under private extension codes, so each record's pickle names them
in 2 bytes, not 30. The dictionary is part of the schema (`schema.RecordField`), which
Whoosh unpickles when it opens an index (importing this module), before any stored field can
be read; the field registers it here under `key` (a hash of its bytes).
"""

from __future__ import annotations

import copyreg
import hashlib
import pickle
import threading
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import zstandard

ZDICT_BYTES = 32 * 1024  # zlib's window: a longer preset dictionary is not used
LEVEL = 6  # zlib (generations before schema 8, and fields made with codec="zlib")
ZSTD_DICT_BYTES = 256 * 1024  # measured on MedQuAD: 64 kB 7.76 MB, 112 kB 7.58, 256 kB 7.32
ZSTD_LEVEL = 5  # (`ZSTD_PACKED`) MedQuAD's 17,912 records, compressing CPU / stored bytes:
# level 3 0.20 s / 8.26 MB, 4 0.24 / 8.17, 5 0.33-0.45 / 7.62, 6 0.93 / 7.35, 9 1.1-1.35 / 7.06
# (until Dec 2026), 12: -0.08 MB more for ~0.8 s more; decoding ~3 us a record at 5 as at 9
OLD_ZSTD_LEVEL = 9  # `ZSTD` (schemas 8 and 9)
SAMPLE_RECORDS = 1_000  # records a build samples to train the dictionary: on MedQuAD 0.09 s
# (4,000: 0.27-0.54 s), stored records + dictionary at level 5 7.67 MB (700: 7.99, 1,500: 7.89,
# 2,000: 7.92, 4,000: 7.90; the trainer's result is not monotonic in the sample)
MIN_TRAINING_SAMPLES = 64  # fewer: the sampled text itself is the dictionary
EXTENSION_CODE = 0xF5  # copyreg's private range (240-255): `unzstd` pickles as 2 bytes
PACKED_EXTENSION_CODE = 0xF6  # `unpack_record`
ZSTD_PACKED, ZSTD, ZLIB = "zstd-packed", "zstd", "zlib"
CODECS = (ZSTD_PACKED, ZSTD, ZLIB)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame's first 4 bytes (`ZSTD_PACKED` drops them)
PACKED_TAG = 1  # first byte of one packed record in a records column (a pickle's is 0x80)
KEY_BYTES = 6  # a dictionary's key: 6 bytes of its hash (12 hex digits as a string)

_ZDICTS: dict[str, bytes] = {}  # key -> dictionary (one per generation's schema)
_CODECS: dict[str, str] = {}  # key -> ZSTD or ZLIB
_PRIMED: dict[str, Any] = {}  # key -> a zlib compressor that has read the dictionary
_ZSTD_DICTS: dict[str, zstandard.ZstdCompressionDict | None] = {}  # key -> digested dict
_LOCAL = threading.local()  # zstd (de)compressors by key: not safe to share across threads


class UnknownDictionary(LookupError):
    """A stored record names a preset dictionary no open schema registered."""


def register(zdict: bytes, codec: str = ZLIB) -> str:
    """Make `zdict` available to `unzstd`/`inflate` (as a `codec` dictionary); returns its
    key."""
    if codec not in CODECS:
        raise ValueError(f"unknown stored-record codec {codec!r}")
    tag = {ZSTD_PACKED: b"zstd-packed:", ZSTD: b"zstd:"}.get(codec, b"")
    key = hashlib.blake2b(tag + zdict, digest_size=KEY_BYTES).hexdigest()
    _ZDICTS.setdefault(key, zdict)
    _CODECS.setdefault(key, codec)
    return key


def sample_dictionary(texts: Sequence[str], size: int = ZSTD_DICT_BYTES) -> bytes:
    """A zstd dictionary for records like `texts` (the JSON of records spread over a
    corpus): trained by zstd on them when there are enough, else their joined text (its
    last `size` bytes), which zstd uses as raw content."""
    samples = [t.encode("utf-8") for t in texts if t]
    total = sum(map(len, samples))
    if len(samples) >= MIN_TRAINING_SAMPLES:
        try:
            trained = zstandard.train_dictionary(
                min(size, max(total // 8, 1024)), samples, level=OLD_ZSTD_LEVEL,
                k=200, d=8, f=20, steps=0, accel=1, threads=1)
            return trained.as_bytes()
        except zstandard.ZstdError:  # too little or too uniform text: use it as it is
            pass
    return b"".join(samples)[-size:]


def zlib_dictionary(texts: Sequence[str], size: int = ZDICT_BYTES) -> bytes:
    """A zlib preset dictionary from `texts`: joined and cut to its last `size` bytes."""
    return "".join(texts).encode("utf-8")[-size:]


class Deflated:
    """A record's JSON compressed with the dictionary registered under `key`."""

    __slots__ = ("data", "key")

    def __init__(self, key: str, data: bytes) -> None:
        self.key = key
        self.data = data

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # pickle protocol 2 (Whoosh's) writes bytes as a latin-1 string re-encoded as UTF-8
        # (~1.5 bytes a byte); an int is written as its bytes, so the data goes as an int
        # (with a 1 byte above it, so that its high zero bytes survive)
        codec = _CODECS.get(self.key)
        if codec == ZSTD_PACKED:  # the key's bytes first, in the same number
            whole = bytes.fromhex(self.key) + self.data + b"\x01"
            return unpack_record, (int.from_bytes(whole, "little"),)
        fn = unzstd if codec == ZSTD else inflate
        return fn, (self.key, int.from_bytes(self.data + b"\x01", "little"))


def deflate(text: str, key: str) -> Deflated:
    """`text` compressed with the dictionary registered under `key` (by its codec)."""
    codec = _CODECS.get(key)
    if codec in (ZSTD, ZSTD_PACKED):
        frame = _zstd(key, compress=True).compress(text.encode("utf-8"))
        if codec == ZSTD_PACKED:
            assert frame[:4] == ZSTD_MAGIC
            frame = frame[4:]  # read back as FORMAT_ZSTD1_MAGICLESS
        return Deflated(key, frame)
    primed = _PRIMED.get(key)
    if primed is None:  # copying a primed compressor is ~30% quicker than priming one
        zdict = _ZDICTS[key]
        primed = zlib.compressobj(LEVEL, zdict=zdict) if zdict else zlib.compressobj(LEVEL)
        _PRIMED[key] = primed
    comp = primed.copy()
    return Deflated(key, comp.compress(text.encode("utf-8")) + comp.flush())


def _dictionary(key: str) -> bytes:
    try:
        return _ZDICTS[key]
    except KeyError:
        raise UnknownDictionary(f"stored record written with preset dictionary {key}, "
                                "which no open index schema holds") from None


def _zstd(key: str, compress: bool) -> Any:
    """This thread's zstd compressor (or decompressor) of the dictionary `key`."""
    cache = _LOCAL.__dict__.setdefault("comp" if compress else "dec", {})
    obj = cache.get(key)
    if obj is None:
        zdict = _dictionary(key)
        if key not in _ZSTD_DICTS:
            _ZSTD_DICTS[key] = zstandard.ZstdCompressionDict(
                zdict, dict_type=zstandard.DICT_TYPE_AUTO) if len(zdict) >= 8 else None
        digested = _ZSTD_DICTS[key]
        packed = _CODECS.get(key) == ZSTD_PACKED  # (its frames lose their magic number in
        # `deflate`: zstandard's compressor takes a format only with explicit parameters)
        form = zstandard.FORMAT_ZSTD1_MAGICLESS if packed else zstandard.FORMAT_ZSTD1
        obj = (zstandard.ZstdCompressor(level=ZSTD_LEVEL if packed else OLD_ZSTD_LEVEL,
                                        dict_data=digested, write_checksum=False,
                                        write_content_size=True, write_dict_id=False)
               if compress else zstandard.ZstdDecompressor(dict_data=digested, format=form))
        cache[key] = obj
    return obj


def _data(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "little")[:-1]


def unzstd(key: str, number: int) -> str:
    """The text of a zstd `Deflated` value (called by pickle when stored fields are read)."""
    _dictionary(key)  # UnknownDictionary before anything else
    return _zstd(key, compress=False).decompress(_data(number)).decode("utf-8")


def unpack_record(number: int) -> str:
    """The text of a `ZSTD_PACKED` `Deflated` value: its number holds the dictionary's key
    (KEY_BYTES) then the compressed frame (called by pickle when stored fields are read)."""
    data = _data(number)
    key = data[:KEY_BYTES].hex()
    _dictionary(key)  # UnknownDictionary before anything else
    return _zstd(key, compress=False).decompress(data[KEY_BYTES:]).decode("utf-8")


def inflate(key: str, number: int) -> str:
    """The text of a zlib `Deflated` value (called by pickle when stored fields are read,
    with the number `Deflated.__reduce__` made of its data)."""
    zdict = _dictionary(key)
    dec = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    return (dec.decompress(_data(number)) + dec.flush()).decode("utf-8")


def pack_fields(fields: Mapping[str, Any]) -> bytes:
    """A document's stored fields as a records column keeps them (`codec.PhraseCodec`, schema
    10 on): the one record of a `ZSTD_PACKED` schema as PACKED_TAG, the dictionary's key and
    the zstd frame (no pickle around it: -45 bytes a record); any other fields pickled."""
    value = fields.get("record")
    if (len(fields) == 1 and type(value) is Deflated
            and _CODECS.get(value.key) == ZSTD_PACKED):
        return bytes((PACKED_TAG,)) + bytes.fromhex(value.key) + value.data
    return pickle.dumps(dict(fields), 2)


def unpack_fields(data: bytes) -> dict[str, Any]:
    """The stored fields `pack_fields` made `data` of (the record as its JSON text)."""
    if not data:
        return {}
    if data[0] != PACKED_TAG:
        return pickle.loads(data)  # noqa: S301 (the generation's own segment, as Whoosh reads it)
    key = bytes(data[1:1 + KEY_BYTES]).hex()
    _dictionary(key)  # UnknownDictionary before anything else
    frame = data[1 + KEY_BYTES:]
    return {"record": _zstd(key, compress=False).decompress(frame).decode("utf-8")}


def _register_extension() -> None:
    for fn, code in ((unzstd, EXTENSION_CODE), (unpack_record, PACKED_EXTENSION_CODE)):
        key = (fn.__module__, fn.__name__)
        if copyreg._extension_registry.get(key) != code:  # type: ignore[attr-defined]
            copyreg.add_extension(*key, code)


_register_extension()
