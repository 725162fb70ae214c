"""A Whoosh segment writer that keeps postings in memory and writes them in one sorted pass.

Whoosh's `SegmentWriter` sends every posting through a sorting pool (a size estimate and a
tuple per posting, runs pickled to disk past its memory limit, a merge of the runs), then
through `FieldWriter.add_postings`, which checks the order of every posting and reads the
document's field length back from the just-written length column, one seek and read per
posting. On MedQuAD that is ~1.5 million postings and about two thirds of the build's Whoosh
time. `FastSegmentWriter` writes the same files (same codec, same bytes for the same
documents) but:

- postings go into a dict per field (term -> [(docnum, weight, value)]), in document order;
- at commit each field's terms are sorted once and fed to the codec's field writer, with the
  field lengths read once per field from the length column (not once per posting).

Deletions, merges of small segments (their postings come through `pool.add`), stored fields
and columns are Whoosh's own code. Schemas with term vectors or separate spelling fields are
not supported (ours have none; the constructor refuses them). Postings are held in memory:
callers bound a writer's size (`postings`) and start a new segment when it is large.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

_LENGTH_OF_BYTE: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]


class MemoryPool:
    """Postings by field and term, in the order they were added (the `pool` of a writer)."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        self.fieldnames: set[str] = set()
        self.count = 0

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface: one (field, term, docnum, weight, value) posting."""
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        terms = self.fields.setdefault(fieldname, {})
        terms.setdefault(btext, []).append((docnum, weight, value or b""))
        self.count += 1

    def iter_postings(self) -> Any:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                for docnum, weight, value in sorted(terms[btext]):
                    yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        self.fields.clear()
        self.count = 0


class FastSegmentWriter(SegmentWriter):
    """`whoosh.writing.SegmentWriter` with in-memory postings (see the module doc)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                self.cancel()
                raise ValueError(f"FastSegmentWriter: field {name!r} has vectors or "
                                 "separate spelling")
        self.pool.cleanup()  # Whoosh's pool made a temporary folder; ours lives in memory
        self.pool = MemoryPool()

    @property
    def postings(self) -> int:
        """Postings held so far (to bound the writer's memory)."""
        return self.pool.count

    def add_document(self, **fields: Any) -> None:
        # Whoosh's SegmentWriter.add_document for schemas without vectors or spelling fields,
        # with the postings appended to the pool's lists directly.
        self._check_state()
        perdoc = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    scorable = field.scorable
                    terms = pool.fields.get(name)
                    if terms is None:
                        terms = pool.fields[name] = {}
                        pool.fieldnames.add(name)
                    n = 0
                    for btext, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        posting = (docnum, weight * boost, vbytes or b"")
                        plist = terms.get(btext)
                        if plist is None:
                            terms[btext] = [posting]
                        else:
                            plist.append(posting)
                        n += 1
                    pool.count += n
                custom = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, custom if field.stored else None, length)
                column = field.column_type
                if column and custom is not None:
                    perdoc.add_column_value(name, column, field.to_column_value(custom))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def commit(self, mergetype: Any = None, optimize: Any = None, merge: Any = None,
               segments: Sequence[Any] = ()) -> None:
        """Whoosh's commit; `segments` written by other writers of this index (the build's
        worker processes) join the new table of contents."""
        self._check_state()
        final = self._merge_segments(mergetype, optimize, merge) + list(segments)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final)
        self._finish()

    def cancel(self) -> None:
        """Whoosh's cancel, then every file the writer still holds closed: after a failed
        write (a full disk) Whoosh leaves them open, and the space of the deleted generation
        would not come back while anything (a traceback) keeps the writer alive."""
        try:
            with contextlib.suppress(Exception):
                super().cancel()
        finally:
            self.pool.cleanup()
            for name, value in vars(self).items():
                if name != "pool":
                    _close_files(value, 0, set())

    def _flush_segment(self) -> None:
        # Whoosh's _flush_segment + FieldWriter.add_postings, one sorted pass per field.
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            fw = self.fieldwriter
            for fieldname in sorted(self.pool.fields):
                terms = self.pool.fields[fieldname]
                if not terms:
                    continue
                lengths = _lengths(pdr, fieldname)
                fw.start_field(fieldname, self.schema[fieldname])
                add = fw.add
                for btext in sorted(terms):
                    plist = terms[btext]
                    plist.sort()  # in order already unless merged segments came in
                    fw.start_term(btext)
                    if lengths is None:
                        for docnum, weight, value in plist:
                            add(docnum, weight, value, 0)
                    else:
                        for docnum, weight, value in plist:
                            add(docnum, weight, value, lengths[docnum])
                    fw.finish_term()
                fw.finish_field()
            fw.close()
        finally:
            if pdr is not None:
                pdr.close()


def _close_files(obj: Any, depth: int, seen: set[int]) -> None:
    """Close the files reachable from `obj` through Whoosh's writer objects (a few levels)."""
    if depth > 5 or id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, io.IOBase | StructFile):
        with contextlib.suppress(Exception):
            obj.close()
        if isinstance(obj, StructFile):  # its close() may fail flushing: close the file under it
            _close_files(getattr(obj, "file", None), depth + 1, seen)
        return
    if isinstance(obj, list | tuple | set):
        items: Any = obj
    elif isinstance(obj, dict):
        items = obj.values()
    elif type(obj).__module__.startswith("whoosh.") and hasattr(obj, "__dict__"):
        items = vars(obj).values()
    else:
        return
    for item in list(items):
        _close_files(item, depth + 1, seen)


def _lengths(pdr: Any, fieldname: str) -> list[int | None] | None:
    """Each document's field length as the codec reads it back (`doc_field_length`)."""
    if pdr is None or not pdr.has_column(_lenfield(fieldname)):
        return None
    reader = pdr.column_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    table = _LENGTH_OF_BYTE
    return [table[b] for b in reader]
