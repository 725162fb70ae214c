"""Whoosh's parallel index writer, made safe to kill.

Whoosh's `MpWriter` forks writer subprocesses that read batches of documents from a queue.
As shipped it has four failure modes that matter to a build that may be killed or may fail:

* the subprocesses outlive a killed build (they are not daemons and nothing kills them), hold
  the build's inherited lock descriptor and block the next build;
* `cancel()` only flips a flag in the parent's copy of the task, so after a failed build the
  subprocesses wait on their queue forever and the parent hangs at exit joining them;
* a subprocess killed mid-build is not noticed: its documents are silently missing from the
  committed index, or the parent waits forever on a full queue or a `join()`;
* nothing tells a subprocess that its parent died.

`SafeMpWriter` fixes them: each subprocess asks the kernel for SIGKILL when its parent dies
(Linux `prctl(PR_SET_PDEATHSIG)`; elsewhere it is a daemon and polls nothing), closes the
inherited build-lock descriptor, every wait on a subprocess is bounded and checks that all of
them are alive, and a dead subprocess fails the build with `WriterDied` after the others are
killed. The build also checks the committed document count (see `build.py`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import queue
import signal
import sys
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name

from indexer.index import lock

_POLL = 0.5  # seconds between liveness checks while waiting on a subprocess or a queue
PR_SET_PDEATHSIG = 1
_FAILED = "failed"  # first item of a result a failing subprocess sends instead of its segment


class WriterDied(RuntimeError):
    """An index writer subprocess died before it finished its part of the build."""


def die_with_parent(parent_pid: int) -> None:
    """In a forked child: be killed when `parent_pid` dies (Linux), and exit now if it did."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


class SafeSubWriterTask(SubWriterTask):
    """A writer subprocess that dies with its parent and does not hold the build lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.daemon = True  # also killed by multiprocessing when the parent exits normally
        self.parent_pid = os.getpid()

    def run(self) -> None:
        die_with_parent(self.parent_pid)
        lock.close_inherited()
        try:
            super().run()
        except BaseException as exc:  # tell the parent why (a full disk...), then fail
            err = exc.errno if isinstance(exc, OSError) else None
            with contextlib.suppress(Exception):
                self.resultqueue.put((_FAILED, err, f"{type(exc).__name__}: {exc}"), timeout=5)
            os._exit(1)


class SafeMpWriter(MpWriter):
    """`whoosh.multiproc.MpWriter` with subprocesses that cannot outlive or silently fail it."""

    def _new_task(self) -> SafeSubWriterTask:
        task = SafeSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                 self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def _check_tasks(self) -> None:
        dead = [t for t in self.tasks if t.exitcode not in (None, 0)]
        if dead:
            codes = ", ".join(str(t.exitcode) for t in dead)
            self._fail(self._reported_failure(), f"(exit code {codes})")

    def _fail(self, failure: tuple[int | None, str] | None, codes: str = "") -> None:
        """Kill the subprocesses; raise OSError for a reported OSError, else WriterDied."""
        self._kill_tasks()
        if failure and failure[0] is not None:  # ENOSPC, EROFS...: the build says it in words
            raise OSError(failure[0], f"in an index writer subprocess: {failure[1]}")
        why = f": {failure[1]}" if failure else ""
        raise WriterDied(f"an index writer subprocess died {codes}{why}".replace("  ", " "))

    def _reported_failure(self) -> tuple[int | None, str] | None:
        with contextlib.suppress(queue.Empty, OSError, EOFError, ValueError):
            while True:
                item = self.resultqueue.get(timeout=0.2)
                if item and item[0] == _FAILED:
                    return item[1], item[2]
        return None

    def _put(self, item: Any) -> None:
        while True:
            self._check_tasks()
            try:
                self.jobqueue.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    def _enqueue(self) -> None:
        # Whoosh's _enqueue with a bounded, checked put instead of a blocking one.
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as fh:
            for item in self.docbuffer:
                pickle.dump(item, fh, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        # Whoosh's MpWriter._commit with bounded waits and a check of every subprocess.
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results = []
        while len(results) < len(self.tasks):
            try:
                result = self.resultqueue.get(timeout=_POLL)
                if result[0] == _FAILED:
                    self._fail(result[1:])
                results.append(result)
            except queue.Empty:
                self._check_tasks()
                if all(t.exitcode == 0 for t in self.tasks):  # all done: results are queued
                    try:
                        results.append(self.resultqueue.get(timeout=_POLL))
                    except queue.Empty:
                        raise WriterDied("an index writer subprocess exited without its "
                                         "result") from None
        for task in self.tasks:
            while task.exitcode is None:
                task.join(_POLL)
                self._check_tasks()
        if not self.multisegment:
            raise NotImplementedError("SafeMpWriter is used with multisegment=True only")
        finalsegments += [s for _, _, s in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _kill_tasks(self) -> None:
        for task in self.tasks:
            if task.exitcode is None:
                with contextlib.suppress(OSError, AttributeError):
                    task.kill()
        for task in self.tasks:
            with contextlib.suppress(AssertionError, ValueError):
                task.join(5)
        for q in (self.jobqueue, self.resultqueue):
            q.cancel_join_thread()  # never block our exit flushing into a dead pipe

    def cancel(self) -> None:
        try:
            self._kill_tasks()
        finally:
            super().cancel()


def writer(ix: Any, procs: int, **kwargs: Any) -> Any:
    """An index writer: `SafeMpWriter` (multisegment) for procs > 1, else Whoosh's own."""
    if procs > 1:
        return SafeMpWriter(ix, procs=procs, multisegment=True, **kwargs)
    return ix.writer(**kwargs)
