"""Writing a build's new and changed records into a generation's Whoosh index.

One analysis per record (`terms.analyse_record`) feeds both indexes: its Whoosh document goes
into a segment, its `RecordTerms` back to the build for the ranking arrays. With more than
one process the records are analysed (and their documents made) in forked worker processes
(mpwriter.py), and a side job the build started (the duplicate groups) runs beside them;
otherwise all of it happens here. Every document is added here, to one segment (a new one past
`mpwriter.SEGMENT_POSTINGS` postings); deletions and merges of small segments are done by
the same writer, which commits every segment in one table of contents.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.index import mpwriter
from indexer.index.schema import docnums_of, to_document
from indexer.index.segwriter import FastSegmentWriter
from indexer.index.terms import RecordTerms, analyse_record
from indexer.progress import progress_bar
from indexer.records import Record


@dataclass
class Written:
    """What the build needs after the records were written."""

    # record id -> (content hash, its terms: a `RecordTerms`, or as a writer process sent
    # them, `RecordTerms.packed`; `RankData.assemble` reads both)
    new_terms: dict[str, tuple[str, RecordTerms | tuple]] = field(default_factory=dict)
    raw_words: Counter[str] = field(default_factory=Counter)
    side: mpwriter.SideJob | None = None  # the side job, when it runs in its own process
    # the record id of every Whoosh document number, known before the commit when the index
    # was empty and took one segment (documents are numbered as added); else None
    order: list[str] | None = None


def write_records(
    ix: Any,
    to_index: Sequence[Record],
    delete_ids: Sequence[str],
    procs: int,
    *,
    side: mpwriter.SideJob | None = None,
    progress: bool = False,
    after_add: Callable[[int], None] | None = None,
    before_commit: Callable[[Written], None] | None = None,
) -> Written:
    """Delete `delete_ids`, add `to_index` and commit; with `procs` > 1 in writer processes.
    `side`: a side job the caller started (`mpwriter.side_job`), returned as `Written.side`
    for the caller to wait for and close. `before_commit(written)`: called once every record
    is analysed and added, before the segment is written (the build starts its ranking
    arrays then, beside the commit). Raises what the writers raised (mpwriter.WriterDied,
    OSError), with nothing left running (`side` closed too)."""
    out = Written(side=side)
    added: list[str] | None = [] if ix.doc_count_all() == 0 else None  # (`Written.order`)
    writer = FastSegmentWriter(ix)  # deletions, merges of small segments, new documents
    bar = progress_bar(len(to_index), unit="rec", desc="indexing", enabled=progress, leave=True)
    done = 0
    adding = writer  # the writer new documents go to (another past SEGMENT_POSTINGS)
    segments: list[Any] = []  # full segments of those other writers

    def add(docs: list[dict[str, Any]]) -> None:
        nonlocal adding
        for doc in docs:
            adding.add_document(**doc)
        if adding.postings >= mpwriter.SEGMENT_POSTINGS:
            if adding is not writer:
                segments.append(adding._finalize_segment())
            adding = FastSegmentWriter(ix, _lk=False)

    def analysed(start: int, terms: list[RecordTerms | tuple],
                 docs: list[dict[str, Any]]) -> None:
        nonlocal done
        add(docs)
        for k, t in enumerate(terms):  # (a tuple: `RecordTerms.packed`, from a writer process)
            rec = to_index[start + k]
            out.new_terms[rec.id] = (rec.content_hash, t)
            if added is not None:
                added.append(rec.id)
            done += 1
            bar.update(1)
            if after_add is not None:
                after_add(done)

    try:
        if delete_ids:
            with ix.reader() as reader:
                gone = docnums_of(reader, delete_ids)
            for docnum in gone.values():
                writer.delete_document(docnum)
        if procs > 1:
            mpwriter.index_in_workers(ix, to_index, procs, analysed, out.raw_words.update)
        else:
            for i, rec in enumerate(to_index):
                terms = analyse_record(rec, out.raw_words)
                analysed(i, [terms], [to_document(rec, terms, writer.schema)])
        bar.set_description("committing")
        if added is not None and adding is writer and not delete_ids:
            out.order = added
        if before_commit is not None:
            before_commit(out)
        if adding is not writer:
            if adding._added:
                segments.append(adding._finalize_segment())
            else:
                adding._close_segment()
        writer.commit(segments=segments)
    except BaseException:
        for w in {id(writer): writer, id(adding): adding}.values():
            with contextlib.suppress(Exception):
                w.cancel()
        if out.side is not None:
            out.side.close()
        raise
    finally:
        bar.close()
    return out


def row_ids(ix: Any) -> list[str | None]:
    """The record id of every Whoosh document number (None: a deleted document)."""
    with ix.reader() as reader:
        ids: list[str | None] = []
        n_docs = reader.doc_count_all()
        col = reader.column_reader("id") if n_docs else None  # an empty index has no columns
        deleted = reader.has_deletions()
        for docnum in range(n_docs):
            if deleted and reader.is_deleted(docnum):
                ids.append(None)
            else:
                value = col[docnum]
                ids.append(value.decode("utf-8") if isinstance(value, bytes) else value)
    return ids


def wait_side(job: mpwriter.SideJob, total: int, progress: bool,
              tick: Callable[[int, int], None] | None = None) -> None:
    """Wait for the side job, with a "duplicates" progress bar (and `tick(done, total)`)."""
    bar = progress_bar(total, unit="rec", desc="duplicates", enabled=progress, leave=True)

    def update(done: int, of: int) -> None:
        bar.update(done - bar.n)
        if tick is not None:
            tick(done, of or total)

    with bar:
        job.wait(update)
