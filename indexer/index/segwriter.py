"""A Whoosh segment writer that keeps postings in memory and writes them in one sorted pass.

(~450 lines: one Whoosh writer subclass and the posting encoders it must keep byte-identical
with the codec, `codec.py`.)

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
import operator
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3TermInfo, _lenfield
from whoosh.filedb.structfile import StructFile
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.index.codec import index_codec
from indexer.index.schema import FIELD_GAP, encode_gaps
from indexer.index.terms import FIELDS, RecordTerms

_AT_EXIT: list[Any] = []  # postings of writer processes' last segments (MemoryPool.cleanup)
INLINE_MAX = 2  # a term with at most this many postings keeps them in the term table
_LENGTH_OF_BYTE: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]


class MemoryPool:
    """Postings by field and term (the `pool` of a writer): Whoosh's (docnum, weight, value)
    tuples for what comes through `add` (merged segments) and weighted fields, and for the
    unweighted position fields (`post_unweighted`: ours) each term's document numbers and
    values in two lists, appended in C (no tuple a posting to make and free again)."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        # per field, a term's text -> its list in `fields` (the same list: no encoding of
        # the text again for every document that has the term)
        self.by_text: dict[str, dict[str, list[tuple[int, float, bytes]]]] = {}
        # per field, a term's text -> its docnums, and -> its values (weights all 0.0)
        self.columns: dict[str, tuple[dict[str, list[int]], dict[str, list[Any]]]] = {}
        self.fieldnames: set[str] = set()
        self.count = 0
        self.keep_at_exit = False  # cleanup() leaves the postings to the process's end

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's pool interface: one (field, term, docnum, weight, value) posting."""
        fieldname, btext, docnum, weight, value = item
        self.fieldnames.add(fieldname)
        terms = self.fields.setdefault(fieldname, {})
        terms.setdefault(btext, []).append((docnum, weight, b"" if value is None else value))
        self.count += 1

    def post_unweighted(self, fieldname: str, docnum: int, texts: Iterable[str],
                        values: Iterable[Any]) -> None:
        """One document's postings of an unweighted field: each of `texts` (distinct) with
        its value, weight 0.0."""
        columns = self.columns.get(fieldname)
        if columns is None:
            columns = self.columns[fieldname] = ({}, {})
            self.fieldnames.add(fieldname)
        ids, vals = columns
        texts = list(texts)
        id_lists = list(map(ids.get, texts))
        if None in id_lists:  # terms not seen yet in this segment
            for text in texts:
                if text not in ids:
                    ids[text] = []
                    vals[text] = []
            id_lists = list(map(ids.get, texts))
        deque(map(list.append, id_lists, repeat(docnum)), 0)
        deque(map(list.append, map(vals.__getitem__, texts), values), 0)
        self.count += len(texts)

    def term_postings(self, fieldname: str) -> Iterator[tuple[bytes, tuple, tuple, tuple]]:
        """(term, docnums, weights, values) of every term of a field, terms and postings in
        order."""
        terms = self.fields.get(fieldname, {})
        ids, vals = self.columns.get(fieldname, ({}, {}))
        texts: dict[bytes, str | None] = {text.encode("utf-8"): text for text in ids}
        for btext in terms:
            texts.setdefault(btext, None)
        for btext in sorted(texts):
            text = texts[btext]
            plist = terms.get(btext)
            if text is None:
                plist.sort()  # in order already unless merged segments came in
                yield (btext, *zip(*plist, strict=True))
                continue
            docnums, values = ids[text], vals[text]
            if plist:  # both kinds: one list in docnum order
                merged = sorted([*zip(docnums, repeat(0.0), values), *plist])
                yield (btext, *zip(*merged, strict=True))
            else:
                yield btext, tuple(docnums), (0.0,) * len(docnums), tuple(values)

    def iter_postings(self) -> Any:
        for fieldname in sorted(set(self.fields) | set(self.columns)):
            for btext, docnums, weights, values in self.term_postings(fieldname):
                for docnum, weight, value in zip(docnums, weights, values, strict=True):
                    yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        if self.keep_at_exit:  # a writer process ends with os._exit: nothing is freed
            _AT_EXIT.append((self.fields, self.by_text, self.columns))
            self.fields, self.by_text, self.columns = {}, {}, {}
        else:
            self.fields.clear()
            self.by_text.clear()
            self.columns.clear()
        self.count = 0


class FastSegmentWriter(SegmentWriter):
    """`whoosh.writing.SegmentWriter` with in-memory postings (see the module doc)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", index_codec())  # the codec segments are written with
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
                    kind = type(value)
                    if ((kind is dict or kind is EncodedPositions) and not scorable
                            and field.format.field_boost * boost == 0.0):
                        # unweighted positions (ours): no weights, no length to count
                        pool.post_unweighted(name, docnum, value, value.values()
                                             if kind is EncodedPositions
                                             else map(encode_gaps, value.values()))
                        value = None
                    elif kind is dict or kind is EncodedPositions:  # term -> positions
                        by_text = pool.by_text.get(name)
                        if by_text is None:
                            by_text = pool.by_text[name] = {}
                        n_terms = _post_positions(terms, by_text, docnum, value,
                                                  field.format.field_boost * boost,
                                                  kind is EncodedPositions)
                        if scorable:  # (an unscored field keeps no length column)
                            length += n_terms
                        pool.count += len(value)
                        value = None
                    n = 0
                    for btext, freq, weight, vbytes in field.index(value) if value else ():
                        if scorable:
                            length += freq
                        posting = (docnum, weight * boost, b"" if vbytes is None else vbytes)
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
        # Whoosh's _flush_segment + FieldWriter.add_postings, one sorted pass per field, each
        # term's blocks made here (`_write_term`).
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            fw = self.fieldwriter
            codec = self.codec
            limit = getattr(codec, "_blocklimit", 128)
            level = getattr(codec, "_compression", 3)
            pack = getattr(codec, "block_bytes", _pickle2)
            pool = self.pool
            for fieldname in sorted(set(pool.fields) | set(pool.columns)):
                if not pool.fields.get(fieldname) and not pool.columns.get(fieldname, ({},))[0]:
                    continue
                lengths = _lengths(pdr, fieldname)
                fw.start_field(fieldname, self.schema[fieldname])
                prefix = pack_ushort(fw._fieldid)
                add_term = fw._tindex.add
                postfile = fw._postfile
                for btext, ids, weights, values in pool.term_postings(fieldname):
                    info = _write_term(postfile, ids, weights, values, lengths, limit, level,
                                       pack)
                    add_term(prefix + btext, info.to_bytes())
                fw.finish_field()
            fw.close()
        finally:
            if pdr is not None:
                pdr.close()


class EncodedPositions(dict):
    """A field's terms -> their posting values (`schema.encode_gaps` of the positions), made
    where the record was analysed (a writer process) and posted as they are."""


def encoded_positions(value: dict[str, list[int]]) -> EncodedPositions:
    """term -> positions as `EncodedPositions` (smaller to send between processes)."""
    return EncodedPositions((t, p[0] if len(p) == 1 else encode_gaps(p)) for t, p in value.items())


def encoded_phrase_positions(terms: RecordTerms) -> EncodedPositions:
    """`encoded_positions(schema.phrase_positions(terms))` in one pass: a term's first
    position is kept as an int (what most terms have: one), a list made only at its second;
    only those terms are encoded as gaps after (~0.2 s less of the writer processes' CPU on
    MedQuAD's 2.4 M positions)."""
    out: dict[str, Any] = {}
    get = out.get
    repeated = []
    offset = 0
    for name in FIELDS:
        ft = terms.fields[name]
        texts = ft.terms
        if not texts:
            continue
        given = ft.positions
        positions: Iterable[int] = (range(offset, offset + len(texts)) if given is None
                                    else [p + offset for p in given] if offset else given)
        p = offset
        for t, p in zip(texts, positions):  # noqa: B905 (equal lengths by construction)
            have = get(t)
            if have is None:
                out[t] = p
            elif type(have) is int:
                out[t] = [have, p]
                repeated.append(t)
            else:
                have.append(p)
        offset = p + FIELD_GAP  # (positions ascend in text order)
    for t in repeated:
        out[t] = encode_gaps(out[t])
    return EncodedPositions(out)


def _post_positions(terms: dict[bytes, list], by_text: dict[str, list], docnum: int,
                    value: dict[str, Any], boost: float, encoded: bool = False) -> int:
    """Add one document's postings of a field given as term -> positions (what
    `schema.AnalysedText.index` would yield, without a generator step per posting), or as
    term -> posting value when `encoded` (`EncodedPositions`), to the field's `terms`
    (reached through `by_text`, the same lists by the term's text); returns the field's
    length (the sum of the frequencies)."""
    length = 0
    get = by_text.get
    for text, plist in value.items():
        if encoded:
            n = 1 if type(plist) is int else len(plist)
            posting = (docnum, n * boost, plist)
        else:
            n = len(plist)
            posting = (docnum, n * boost, plist[0] if n == 1 else encode_gaps(plist))
        length += n
        have = get(text)
        if have is None:
            btext = text.encode("utf-8")
            have = terms.get(btext)  # merged segments' postings come in by their bytes
            if have is None:
                have = terms[btext] = []
            by_text[text] = have
        have.append(posting)
    return length


def _pickle2(block: Any) -> bytes:
    return dumps(block, 2)


def _write_term(postfile: Any, ids: tuple[int, ...], weights: tuple[float, ...],
                values: tuple[Any, ...], lengths: list[int | None] | None, limit: int,
                level: int, pack: Callable[[Any], bytes] = _pickle2) -> W3TermInfo:
    """Write one term's postings (docnums ascending, their weights and values) as Whoosh 3
    reads them:
    inlined in the term table when there are at most INLINE_MAX of them, else blocks of
    `limit` in the postings file (each: its length, negative for the last; a pickled info
    tuple; the pickled (docnum gaps, weights, values), deflated when that is shorter).
    Returns the term's info (statistics, and where its postings are)."""
    info = W3TermInfo()
    n = len(ids)
    lens = list(map(lengths.__getitem__, ids)) if lengths is not None else [None] * n
    if n <= INLINE_MAX:
        _add_stats(info, ids, weights, lens)
        info.set_inlined(ids, [float(w) for w in weights], values)
        return info
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    for a in range(0, n, limit):
        b = min(a + limit, n)
        bids, bweights, blens = ids[a:b], weights[a:b], lens[a:b]
        minlen, maxlen, maxweight = _add_stats(info, bids, bweights, blens)
        gaps = (bids[0], *map(operator.sub, bids[1:], bids))
        data = pack((gaps, _mini_weights(bweights), values[a:b]))
        comp = level
        if comp:
            packed = zlib.compress(data, comp)
            if len(packed) < len(data):
                data = packed
            else:
                comp = 0
        head = dumps((b - a, bids[-1], maxweight, comp, length_to_byte(minlen),
                      length_to_byte(maxlen)), 2)
        size = len(head) + len(data)
        postfile.write_int(-size if b == n else size)
        postfile.write(head)
        postfile.write(data)
    info.set_extent(start, postfile.tell() - start)
    return info


def _add_stats(info: W3TermInfo, ids: Sequence[int], weights: Sequence[float],
               lens: Sequence[int | None]) -> tuple[int | None, int, float]:
    """Whoosh's `W3TermInfo.add_block` for one block; returns the block's shortest and
    longest field length (None/0 when unknown) and its highest weight."""
    known = list(filter(None, lens))
    minlen = min(known) if known else None
    maxlen = max(known) if known else 0
    maxweight = max(weights)
    info._weight += sum(weights)
    info._df += len(ids)
    if minlen is not None:
        info._minlength = minlen if info._minlength is None else min(info._minlength, minlen)
    info._maxlength = max(info._maxlength, maxlen)
    info._maxweight = max(info._maxweight, maxweight)
    if info._minid is None:
        info._minid = ids[0]
    info._maxid = ids[-1]
    return minlen, maxlen, maxweight


def _mini_weights(weights: Sequence[float]) -> Any:
    """A block's weights as Whoosh 3 keeps them: None when all are 1, the one float when all
    are equal, else each (whole numbers as ints: they pickle in 2 bytes instead of 9)."""
    first = weights[0]
    if weights.count(first) == len(weights):
        return None if first == 1.0 else float(first)
    ints = tuple(map(int, weights))
    if ints == tuple(weights):  # all whole (the usual case: a frequency times a whole boost)
        return ints
    return tuple(int(w) if w == int(w) else w for w in weights)


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
