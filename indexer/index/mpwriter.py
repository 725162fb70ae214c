"""The build's subprocesses: records analysed into Whoosh documents on every core, and side
jobs (the duplicate groups) run beside them, all made safe to kill.

`index_in_workers` forks worker processes that share the records by copy-on-write (nothing
is pickled on the way in). The build hands out batches of record positions, at most two per
worker at a time; each worker analyses its batch once (`terms.analyse_record`), makes each
record's Whoosh document (the stored record compressed, its postings encoded:
`segwriter.encoded_positions`) and sends back the documents, the analysed terms counted (for
the ranking arrays, as `RecordTerms.packed` tuples), and at its end its raw word counts (for
spelling). The build adds the documents to its own writer as they come, in record order
(writing.py), so a build on several cores writes one Whoosh segment, as a single-process build
does (a segment per worker repeated every term table: +1.5 MB on MedQuAD with two).

`side_job` runs one function in a forked process beside the build (the duplicate groups, which
need only the records, from before the workers start to the end of the ranking stage; the
condition table, while the build writes the ranking arrays) and reports its progress through
shared memory.

Every subprocess asks the kernel for SIGKILL when its parent dies (Linux
`prctl(PR_SET_PDEATHSIG)`; elsewhere it is a daemon), is named for `ps` (WRITER_NAME,
SIDE_NAME: Linux `prctl(PR_SET_NAME)`), closes the inherited build-lock
descriptor, and reports a failure (a full disk...) before exiting non-zero. The build waits
on them only in bounded polls that check they are alive, so a subprocess that dies fails the
build with `WriterDied` (an `OSError` it reported is raised as such) after the others are
killed; none outlives the build.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import multiprocessing as mp
import os
import queue
import signal
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from indexer.index import lock
from indexer.index.stored import Deflated

_POLL = 0.5  # seconds between liveness checks while waiting on a subprocess
PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
WRITER_NAME, SIDE_NAME = "qasearch-writer", "qasearch-side"  # process names (`ps`)
_FAILED, _BATCH, _DONE = "failed", "batch", "done"
SEGMENT_POSTINGS = 4_000_000  # the build starts a new segment past this (bounds its memory)
IN_FLIGHT = 2  # batches handed to a worker ahead of its results


class WriterDied(RuntimeError):
    """An index writer subprocess died before it finished its part of the build."""


def die_with_parent(parent_pid: int, name: str = "") -> None:
    """In a forked child: be killed when `parent_pid` dies (Linux), and exit now if it did;
    `name` (at most 15 bytes) becomes the process's name in `ps` and /proc/<pid>/comm."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if name:
                libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _context() -> Any:
    return mp.get_context("fork")


def _report_failure(results: Any, exc: BaseException) -> None:
    err = exc.errno if isinstance(exc, OSError) else None
    with contextlib.suppress(Exception):
        results.put((_FAILED, err, f"{type(exc).__name__}: {exc}"), timeout=5)
        results.close()
        results.join_thread()


def _failure(item: tuple, what: str) -> BaseException:
    if item[1] is not None:  # ENOSPC, EROFS...: the build says it in words
        return OSError(item[1], f"in {what}: {item[2]}")
    return WriterDied(f"{what} died: {item[2]}")


# --------------------------------------------------------------------------- workers
def _writer_main(ix: Any, records: Sequence[Any], jobs: Any, results: Any,
                 parent_pid: int) -> None:
    die_with_parent(parent_pid, WRITER_NAME)
    lock.close_inherited()
    # Analysing makes no reference cycles (measured: a collection after 3,000 MedQuAD
    # records finds none), so the cyclic collector would only walk the batch's objects
    # again and again.
    gc.disable()
    try:
        _write(ix, records, jobs, results)
    except BaseException as exc:  # tell the parent why, then fail
        _report_failure(results, exc)
        os._exit(1)
    results.close()
    results.join_thread()
    os._exit(0)  # no atexit handlers or inherited finalizers of the parent's objects


def _write(ix: Any, records: Sequence[Any], jobs: Any, results: Any) -> None:
    from indexer.index.terms import analyse_record

    schema = ix.schema
    raw: Counter[str] = Counter()  # every batch's raw words: sent once, at the end
    while (job := jobs.get()) is not None:
        start, end = job
        out, docs = [], []
        known = len(raw)
        for rec in records[start:end]:
            terms = analyse_record(rec, raw)
            docs.append(sent_document(rec, terms, schema))
            out.append(terms.packed())  # counted here, on every core: less to send
        # the raw words this worker met first in this batch, in order (a worker's batches
        # come in record order): the parent orders its word counts as one process would
        new = list(itertools.islice(raw, known, None))
        results.put((_BATCH, start, out, docs, new))
    results.put((_DONE, raw))


def sent_document(rec: Any, terms: Any, schema: Any) -> dict[str, Any]:
    """`schema.to_document` as a writer process sends it: positions encoded
    (`segwriter.EncodedPositions`: in one pass with the phrase field's positions, which
    `to_document` would group first), the stored record as `_AsDeflated`."""
    from indexer.index.schema import PHRASE_FIELD, record_value, to_document
    from indexer.index.segwriter import encoded_phrase_positions, encoded_positions

    if PHRASE_FIELD in schema:
        doc = {"id": rec.id, "record": record_value(schema, rec)}
        positions = encoded_phrase_positions(terms)
        if positions:  # (as `to_document`: an empty field is left out)
            doc[PHRASE_FIELD] = positions
    else:  # a generation written before schema 9 (its incremental builds)
        doc = to_document(rec, terms, schema)
    for name, value in doc.items():
        if type(value) is dict:
            doc[name] = encoded_positions(value)
        elif type(value) is Deflated:
            doc[name] = _AsDeflated(value)
    return doc


class _AsDeflated:
    """A compressed stored record on its way to the build process, unpickled there as the
    same `stored.Deflated` (which itself pickles as a call that inflates it: what Whoosh
    stores, to be inflated when read)."""

    __slots__ = ("value",)

    def __init__(self, value: Deflated) -> None:
        self.value = value

    def __reduce__(self) -> tuple[Any, tuple[str, bytes]]:
        return Deflated, (self.value.key, self.value.data)


def _batches(n: int, procs: int) -> list[tuple[int, int]]:
    size = max(10, min(250, n // (procs * 8) or 1))
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def index_in_workers(
    ix: Any,
    records: Sequence[Any],
    procs: int,
    on_batch: Callable[[int, list, list], None],
    on_words: Callable[[Counter], None],
    started: Callable[[], None] | None = None,
) -> None:
    """Analyse `records` in `procs` forked workers; `on_batch(start, terms, docs)` receives
    each batch's analysis (`RecordTerms.packed` tuples) and Whoosh documents
    (records[start:...]) in the parent, which writes them, in the order of `records`
    whichever worker finished first (so documents are numbered as a single process numbers
    them, and a build's files do not depend on how the workers raced); `on_words(raw_words)`
    each worker's raw word counts (spelling) once, when it is done (one Counter of ~35k words
    a worker instead of one a batch: adding up the batches' counters in the parent, in Python, was
    ~0.5 s of its CPU on MedQuAD), and before each batch the words it meets first, with count
    0 (so the counts are in the order one process would meet the words); `started()` is
    called once the workers run. Raises WriterDied (or the OSError a worker reported)."""
    ctx = _context()
    jobs, results = ctx.Queue(), ctx.Queue()
    workers = [ctx.Process(target=_writer_main, daemon=True, name=f"qasearch-writer-{i}",
                           args=(ix, records, jobs, results, os.getpid()))
               for i in range(procs)]
    try:
        for w in workers:
            w.start()
        if started is not None:
            started()
        _run(workers, jobs, results, _batches(len(records), procs), on_batch, on_words)
    except BaseException:
        _kill(workers)
        raise
    finally:
        for q in (jobs, results):
            q.cancel_join_thread()  # never block our exit flushing into a dead pipe
            q.close()


def _run(workers: list[Any], jobs: Any, results: Any, batches: list[tuple[int, int]],
         on_batch: Callable[[int, list, list], None],
         on_words: Callable[[Counter], None]) -> None:
    pending = list(reversed(batches))
    in_flight = 0
    stopped = False
    done = 0
    starts = [start for start, _end in batches]  # the order batches are passed on
    passed = 0
    arrived: dict[int, tuple] = {}  # batches that came before an earlier one

    def hand_out() -> None:
        nonlocal in_flight, stopped
        while pending and in_flight < IN_FLIGHT * len(workers):
            jobs.put(pending.pop())
            in_flight += 1
        if not pending and in_flight == 0 and not stopped:
            for _ in workers:
                jobs.put(None)
            stopped = True

    hand_out()
    while done < len(workers):
        try:
            item = results.get(timeout=_POLL)
        except queue.Empty:
            _check(workers, results)
            continue
        if item[0] == _FAILED:
            raise _failure(item, "an index writer subprocess")
        if item[0] == _BATCH:
            in_flight -= 1
            hand_out()
            arrived[item[1]] = item
            while passed < len(starts) and starts[passed] in arrived:
                batch = arrived.pop(starts[passed])
                passed += 1
                on_words(Counter(dict.fromkeys(batch[4], 0)))  # (the counts come at the end)
                on_batch(batch[1], batch[2], batch[3])
        else:
            on_words(item[1])
            done += 1
        _check(workers, results)
    for w in workers:
        while w.exitcode is None:
            w.join(_POLL)
            _check(workers, results)


def _check(procs: list[Any], results: Any, what: str = "an index writer subprocess") -> None:
    dead = [p for p in procs if p.exitcode not in (None, 0)]
    if not dead:
        return
    reported = None
    with contextlib.suppress(queue.Empty, OSError, EOFError, ValueError):
        while reported is None:
            item = results.get(timeout=0.2)
            if item and item[0] == _FAILED:
                reported = item
    if reported is not None:
        raise _failure(reported, what)
    codes = ", ".join(str(p.exitcode) for p in dead)
    raise WriterDied(f"{what} died (exit code {codes})")


def _kill(procs: list[Any]) -> None:
    for p in procs:
        if p.exitcode is None:
            with contextlib.suppress(OSError, AttributeError, ValueError):
                p.kill()
    for p in procs:
        with contextlib.suppress(AssertionError, ValueError, OSError):
            p.join(5)


# --------------------------------------------------------------------------- side jobs
class SideJob:
    """`fn(progress)` running in a forked process (see `side_job`)."""

    def __init__(self, fn: Callable[[Callable[[int, int], None]], Any], what: str,
                 nice: int = 0, daemon: bool = True) -> None:
        ctx = _context()
        self.what = what
        self.done = ctx.Value("q", 0, lock=False)
        self.total = ctx.Value("q", 0, lock=False)
        self.results = ctx.Queue()
        self.proc = ctx.Process(target=self._main, args=(fn, os.getpid(), nice), daemon=daemon,
                                name="qasearch-side-job")
        self.proc.start()

    def _main(self, fn: Callable[[Callable[[int, int], None]], Any], parent_pid: int,
              nice: int) -> None:
        die_with_parent(parent_pid, SIDE_NAME)
        lock.close_inherited()
        if nice:
            with contextlib.suppress(OSError):
                os.nice(nice)
        # a short-lived process: its few reference cycles (33 objects after the MedQuAD
        # duplicate groups) can wait for its end; the collector's walks cost ~19% of the job
        gc.disable()

        def progress(done: int, total: int) -> None:
            self.done.value, self.total.value = done, total

        try:
            fn(progress)
        except BaseException as exc:
            _report_failure(self.results, exc)
            os._exit(1)
        os._exit(0)

    def wait(self, tick: Callable[[int, int], None] | None = None) -> None:
        """Wait for the job (bounded polls; `tick(done, total)` between them); raise
        WriterDied or the reported OSError when it failed."""
        try:
            while self.proc.exitcode is None:
                self.proc.join(_POLL / 2)
                if tick is not None:
                    tick(self.done.value, self.total.value)
            _check([self.proc], self.results, self.what)
        finally:
            self.close()

    def close(self) -> None:
        _kill([self.proc])
        self.results.cancel_join_thread()
        self.results.close()


def side_job(fn: Callable[[Callable[[int, int], None]], Any], what: str,
             nice: int = 0, daemon: bool = True) -> SideJob:
    """Start `fn(progress)` in a forked process that dies with the build; `what` names it in
    errors ("the duplicate groups subprocess"); `nice`: its scheduling niceness, raised by
    that much (work that may wait for idle CPU); `daemon=False` for a job that starts side
    jobs of its own (it dies with the build all the same)."""
    return SideJob(fn, what, nice, daemon)
