"""A rate-limit store in one SQLite file, shared by every process of the server.

A memory store counts per process; `qasearch serve --workers N` runs N
processes, so their counters live here instead (URI ``qasearch+sqlite:///path/to/file``,
registered with `limits` when this module is imported). Each check is one short write
transaction (WAL, no fsync: counters need not survive a crash), so a client's budget is
exact across processes. Keys are the limiter's keys (search_app.ratelimit hashes client
addresses before they get here); rows expire with their window and are swept regularly.

Supports the fixed-window and sliding-window-counter strategies.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from math import floor
from pathlib import Path
from typing import ClassVar

from limits.storage import Storage
from limits.storage.base import SlidingWindowCounterSupport, TimestampedSlidingWindow

from indexer import sqlitewal

SCHEME = "qasearch+sqlite"
SWEEP_EVERY = 60.0  # seconds between deletions of expired rows (per process)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;
"""


def storage_uri(path: Path | str) -> str:
    return f"{SCHEME}:///{Path(path).resolve().as_posix().lstrip('/')}"


class SQLiteStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    STORAGE_SCHEME: ClassVar[list[str]] = [SCHEME]  # type: ignore[misc]
    clock: Callable[[], float] = staticmethod(time.time)  # tests set a fake clock

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        path = uri.split("://", 1)[1]
        if not path or path == "/":
            raise ValueError(f"rate-limit storage {uri!r}: no file path")
        self.path = Path(path if path.startswith("/") else "/" + path)
        self._local = threading.local()
        self._last_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    # -- connections: one per thread and process (never carried across a fork) -------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlitewal.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(_SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _write(self) -> sqlite3.Connection:
        """A connection inside a write transaction (BEGIN IMMEDIATE: one writer at a time
        across processes, so a read-then-increment cannot interleave with another)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def _count(self, conn: sqlite3.Connection, key: str, now: float) -> int:
        row = conn.execute("SELECT count FROM counters WHERE key = ? AND expires > ?",
                           (key, now)).fetchone()
        return int(row[0]) if row else 0

    def _add(self, conn: sqlite3.Connection, key: str, expiry: float, amount: int,
             now: float) -> int:
        """Add `amount` to `key` (a new or expired counter starts over and expires in
        `expiry` seconds); returns the new count."""
        conn.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
        conn.execute(
            "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET count = count + excluded.count",
            (key, amount, now + expiry),
        )
        return self._count(conn, key, now)

    def _maybe_sweep(self, conn: sqlite3.Connection, now: float) -> None:
        if now - self._last_sweep >= SWEEP_EVERY:
            self._last_sweep = now
            conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))

    # -- Storage ---------------------------------------------------------------------------
    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.clock()
        conn = self._write()
        try:
            count = self._add(conn, key, expiry, amount, now)
            self._maybe_sweep(conn, now)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return count

    def get(self, key: str) -> int:
        return self._count(self._conn(), key, self.clock())

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        row = self._conn().execute("SELECT expires FROM counters WHERE key = ? AND expires > ?",
                                   (key, now)).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        conn = self._conn()
        return conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))

    # -- sliding window counter --------------------------------------------------------------
    def _window(self, conn: sqlite3.Connection, key: str, expiry: int,
                now: float) -> tuple[str, int, float, int, float]:
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous = self._count(conn, previous_key, now)
        current = self._count(conn, current_key, now)
        previous_ttl = 0.0 if previous == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return current_key, previous, previous_ttl, current, current_ttl

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int,
                                     amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = self.clock()
        conn = self._write()
        try:
            current_key, previous, previous_ttl, current, _ = self._window(conn, key, expiry,
                                                                           now)
            if floor(previous * previous_ttl / expiry + current) + amount > limit:
                conn.execute("ROLLBACK")
                return False
            self._add(conn, current_key, 2 * expiry, amount, now)
            self._maybe_sweep(conn, now)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        _, previous, previous_ttl, current, current_ttl = self._window(
            self._conn(), key, expiry, self.clock())
        return previous, previous_ttl, current, current_ttl

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        for k in self.sliding_window_keys(key, expiry, self.clock()):
            self.clear(k)
