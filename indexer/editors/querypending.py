"""Searches counted off the request path: kept in memory, written in batches by a thread.

`QueryLog.record_later` puts a search here (the query, the session key, how many results, the
day); the writer thread of the process hands the batch to `QueryLog.flush`, which normalises
and hashes them as `record` would and adds them to the store in one transaction (one round
trip for Redis). A search waits at most FLUSH_SECONDS (less once FLUSH_AT are waiting);
`report` and `close` flush first, and the process flushes when it exits, so only a killed
process loses the searches of its last second. No address or user agent is ever held here:
the session key is already an HMAC (querylog.session_key).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0  # most time a search waits in memory before it is written
FLUSH_AT = 256  # waiting searches that wake the writer at once
MAX_PENDING = 20_000  # a store that cannot keep up: later searches are not counted
Pending = tuple[str, str, int, str]  # query, session key, number of results, day


class PendingSearches:
    """Searches waiting to be written, and the writer thread of this process that writes
    them (started with the first search in each process: a forked server worker gets its
    own; a daemon, so the process's exit hook writes what is left)."""

    def __init__(self, flush: Callable[[], int]) -> None:
        self._flush = flush
        self._items: list[Pending] = []
        self._cond = threading.Condition(threading.Lock())
        self._writing = threading.Lock()  # one batch at a time; `drain` waits for it
        self._pid = 0
        self._stopped = False

    def put(self, *item: Any) -> None:
        with self._cond:
            if len(self._items) >= MAX_PENDING:
                return
            self._items.append(item)  # type: ignore[arg-type]
            if self._pid != os.getpid():
                self._start()
            if len(self._items) >= FLUSH_AT:
                self._cond.notify()

    def _start(self) -> None:
        self._pid, self._stopped = os.getpid(), False
        threading.Thread(target=self._run, name="qasearch-query-log", daemon=True).start()
        atexit.register(self._flush)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._stopped and len(self._items) < FLUSH_AT:
                    self._cond.wait(FLUSH_SECONDS)
                if self._stopped or self._pid != os.getpid():
                    return
            try:
                self._flush()
            except Exception:  # statistics never stop the writer (nor a search)
                log.exception("could not write query statistics")

    def drain(self, write: Callable[[list[Pending]], int]) -> int:
        with self._writing:
            with self._cond:
                batch, self._items = self._items, []
            return write(batch) if batch else 0

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
