"""SQLite files shared by threads and processes (query statistics, rate-limit counters).

`connect` opens a file in WAL mode and waits for other writers instead of failing: switching
a new file to WAL needs an exclusive lock, and SQLite answers "database is locked" at once
(its busy timeout does not apply) when several server processes open the same new file at
the same moment. WAL is recorded in the file, so once any process has set it, the others
only read it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

RETRY_FIRST = 0.005  # seconds before the first retry; doubled up to RETRY_MAX
RETRY_MAX = 0.1


def connect(path: Path | str, *, timeout: float = 10.0, **options: Any) -> sqlite3.Connection:
    """A connection to `path` in WAL mode; `options` go to `sqlite3.connect`. Waits up to
    `timeout` seconds for other processes' locks, then raises `sqlite3.OperationalError`."""
    conn = sqlite3.connect(path, timeout=timeout, **options)
    try:
        _use_wal(conn, time.monotonic() + timeout)
    except BaseException:
        conn.close()
        raise
    return conn


def _use_wal(conn: sqlite3.Connection, deadline: float) -> None:
    delay = RETRY_FIRST
    while True:
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX)
