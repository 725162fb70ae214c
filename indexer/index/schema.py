"""The Whoosh side of a generation: its schema, and a record's Whoosh document.

Whoosh answers two questions here: "which records have these terms as a phrase in one
field" (positions, in one Whoosh field `PHRASE_FIELD` that holds every text field's terms, a
gap apart: `phrase_positions`) and "what exactly was indexed under this id" (the whole record,
kept as JSON in the stored field `record`, deflated: `indexer.index.stored`). Which records
have which term,
how often and in which field — everything scoring, filtering and facets need — is answered by
the ranking arrays (`indexer.index.ranking`). Both are written from the same
`indexer.index.terms.RecordTerms`.

The segments are written with `indexer.index.codec.PhraseCodec` (larger posting blocks,
packed tighter; records stored as their compressed bytes; a compacter term table).

Positions are kept as `CompactPositions`: a posting's value is its one position (an int) or a
string whose characters are the gaps between its positions (`chr(gap)`), not Whoosh's
`Positions` value (a pickled list of gaps behind a length, which the block pickle then wraps
as a `bytes` object: ~16 bytes a posting before compression). Whoosh reads either through
the format's `decode_positions`.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any

from whoosh import columns, fields, formats
from whoosh import index as windex

from indexer.index.stored import ZLIB, ZSTD_PACKED, deflate, register
from indexer.index.terms import FIELDS, RecordTerms
from indexer.records import Record
from indexer.text.analysis import analyzer

SCHEMA_VERSION = 13  # bump when what is indexed changes: the next build is then a full one
# (9: one phrase field instead of one Whoosh field per text field; 10: stored records packed
# (`stored.ZSTD_PACKED`), compacter arrays in rank.npz, segments written with
# `indexer.index.codec.PhraseCodec`; 11: a record without focus or type takes the type its
# title asks, `terms._title_qtype`; 12: a record with a focus, no type and its focus name as
# title is an overview; 13: nouns in -sis stem as their -se form, `analysis.stem`)
PHRASE_FIELD = "phrase"  # the one field with positions (every text field's terms)
FIELD_GAP = 2  # positions skipped between two fields in PHRASE_FIELD: a phrase (consecutive
# positions) never spans two fields


def encode_gaps(poslist: Sequence[int]) -> int | str:
    """Ascending positions as a string of their gaps (the first from 0); a single position
    as itself (most postings have one: an int pickles in 2-3 bytes, a string in 8)."""
    if len(poslist) == 1:
        return poslist[0]
    return "".join(map(chr, [poslist[0], *map(operator.sub, poslist[1:], poslist)]))


class CompactPositions(formats.Positions):
    """Whoosh's `Positions` with a posting's value kept as a string of position gaps
    (`encode_gaps`); frequency = the string's length. Values written by Whoosh's own
    `Positions` (bytes) are read as such."""

    def encode(self, poslist: Sequence[int]) -> int | str:  # type: ignore[override]
        return encode_gaps(poslist)

    def decode_positions(self, valuestring: Any) -> list[int]:
        if isinstance(valuestring, int):
            return [valuestring]
        if isinstance(valuestring, str):
            return list(accumulate(map(ord, valuestring)))
        return super().decode_positions(valuestring)

    def decode_frequency(self, valuestring: Any) -> int:
        if isinstance(valuestring, int):
            return 1
        if isinstance(valuestring, str):
            return len(valuestring)
        return super().decode_frequency(valuestring)

    def decode_weight(self, valuestring: Any) -> float:
        return self.decode_frequency(valuestring) * self.field_boost


def _grouped(pairs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    poses: dict[str, list[int]] = {}
    for text, pos in pairs:
        p = poses.get(text)
        if p is None:
            poses[text] = [pos]
        else:
            p.append(pos)
    return poses


# Whoosh's posting weights are never read (scoring reads the ranking arrays; phrase checks,
# `docs_for_query`, read positions): a field boost of 0 makes every weight 0, which a block
# of postings keeps as one number instead of one per posting (-0.7 MB on MedQuAD)
NO_WEIGHT = 0.0


class AnalysedText(fields.TEXT):
    """A text field fed the already-analysed terms of `RecordTerms` as term -> positions (or
    (term, position) pairs), so Whoosh posts exactly the terms the ranking arrays count, at
    their positions in the text (a term left out leaves a gap: no phrase is made across it).
    A string value is analysed with the field's analyzer as usual."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.format = CompactPositions(field_boost=NO_WEIGHT)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, Any]]:
        if isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        poses = value if isinstance(value, dict) else _grouped(value)
        boost = self.format.field_boost
        for text, poslist in poses.items():
            n = len(poslist)
            yield text.encode("utf-8"), n, n * boost, encode_gaps(poslist)


class RecordField(fields.STORED):
    """The stored `record` field, with the generation's dictionary for compressing the
    records' JSON (`indexer.index.stored`: zstd; a field pickled before schema 8 has no
    `codec` and is zlib's); registered wherever the schema is unpickled."""

    def __init__(self, zdict: bytes = b"", codec: str = ZSTD_PACKED) -> None:
        super().__init__()
        self.zdict = zdict
        self.codec = codec
        self.key = register(zdict, codec)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.codec = state.get("codec", ZLIB)
        self.key = register(self.zdict, self.codec)


class IdColumn(fields.COLUMN):
    """The record id as a column only (row -> id): not indexed (no term per record in the
    term table: 2.4 MB on MedQuAD) and not stored (the stored record holds it). Rows of
    an id are found through the column (`docnums_of`)."""

    def __init__(self) -> None:
        super().__init__(columns.VarBytesColumn())

    def to_column_value(self, value: Any) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else value


def docnums_of(reader: Any, ids: Iterable[str]) -> dict[str, int]:
    """The document number of each of `ids` that a live document of `reader` has (read
    from the id column; a deleted document is left out)."""
    wanted = {i.encode("utf-8") for i in ids}
    if not wanted or not reader.doc_count_all():
        return {}
    col = reader.column_reader("id", translate=False)
    deleted = reader.has_deletions()
    out = {}
    for docnum in range(reader.doc_count_all()):
        value = col[docnum]
        value = value.encode("utf-8") if isinstance(value, str) else value
        if value in wanted and not (deleted and reader.is_deleted(docnum)):
            out[value.decode("utf-8")] = docnum
    return out


def build_schema(zdict: bytes = b"") -> fields.Schema:
    """The schema of a new index; `zdict`: the zstd dictionary of its stored records
    (`stored.sample_dictionary`). The record id is a column only (`IdColumn`); the text
    fields' terms are all in one field with positions (`PHRASE_FIELD`), without field
    lengths (nothing scores on Whoosh)."""
    phrase = AnalysedText(analyzer=analyzer(), phrase=True)
    phrase.scorable = False  # no length column per document
    return fields.Schema(id=IdColumn(), record=RecordField(zdict), **{PHRASE_FIELD: phrase})


def phrase_fields(schema: fields.Schema) -> tuple[str, ...]:
    """The fields of `schema` to look for a phrase in: `PHRASE_FIELD`, or in a generation
    written before schema 9, each text field of `FIELDS`."""
    return (PHRASE_FIELD,) if PHRASE_FIELD in schema else tuple(f for f in FIELDS if f in schema)


def phrase_positions(terms: RecordTerms) -> dict[str, list[int]]:
    """Each term's positions in `PHRASE_FIELD`: the fields of `FIELDS` one after the other,
    each starting FIELD_GAP positions after the last position of the one before (terms in
    order of first occurrence)."""
    out: dict[str, list[int]] = {}
    get = out.get
    offset = 0
    for name in FIELDS:
        ft = terms.fields[name]
        if not ft.terms:
            continue
        positions = ft.positions if ft.positions is not None else range(len(ft.terms))
        p = offset
        for t, p0 in zip(ft.terms, positions):  # noqa: B905 (equal lengths by construction)
            p = p0 + offset
            have = get(t)
            if have is None:
                out[t] = [p]
            else:
                have.append(p)
        offset = p + FIELD_GAP  # (positions ascend in text order)
    return out


def stored_json(rec: Record) -> str:
    """The JSON a record is stored as: `Record.to_dict` without `content_hash` (a record
    read back computes it from its content)."""
    data = rec.to_dict()
    data.pop("content_hash", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def record_value(schema: fields.Schema, rec: Record) -> Any:
    """What `schema` stores for `rec`: `stored_json`, deflated when the schema can."""
    field = schema["record"]
    text = stored_json(rec)
    return deflate(text, field.key) if isinstance(field, RecordField) else text


def to_document(rec: Record, terms: RecordTerms, schema: fields.Schema) -> dict[str, Any]:
    """The keyword arguments for `writer.add_document` for one record."""
    doc: dict[str, Any] = {"id": rec.id, "record": record_value(schema, rec)}
    if PHRASE_FIELD in schema:
        positions = phrase_positions(terms)
        if positions:  # an empty field is left out (Whoosh would post an empty term)
            doc[PHRASE_FIELD] = positions
        return doc
    for name in FIELDS:  # a generation written before schema 9 (its incremental builds)
        ft = terms.fields[name]
        if ft.terms:
            doc[name] = ft.grouped()
    return doc


_PART_KINDS = {"_stored.col": "stored records", ".pst": "postings", ".trm": "term table"}


def segment_parts(gen_dir: Path) -> dict[str, int]:
    """Bytes of a generation's Whoosh segments by kind of part, summed over its segments:
    stored records, postings (with positions), term table, columns (ids, field lengths) and
    the table of contents (the schema, with the records' preset dictionary)."""
    ix = windex.open_dir(str(gen_dir))
    out: dict[str, int] = {}
    try:
        for seg in ix._segments():
            storage = seg.open_compound_file(ix.storage) if seg.is_compound() else ix.storage
            for name in storage.list():
                if not name.startswith(seg.make_filename("")):
                    continue
                kind = next((k for suffix, k in _PART_KINDS.items() if name.endswith(suffix)),
                            "columns" if name.endswith(".col") else "other")
                out[kind] = out.get(kind, 0) + storage.file_length(name)
    finally:
        ix.close()
    out["table of contents"] = sum(p.stat().st_size for p in Path(gen_dir).glob("*.toc"))
    return out
