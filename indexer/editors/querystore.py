"""Where query statistics are kept: one SQLite file per host, or Redis shared by several hosts.

`indexer.editors.querylog.QueryLog` normalises queries, hashes session tokens, applies the
k-anonymity threshold and retention; a store only keeps and sums what it is given:

- `add(day, qkey, wording, zero, token)`: one search of a normalised query (`qkey` its
  grouping key, `wording` the words kept), `zero` 1 when it found nothing, `token` an opaque
  per-(session, query) hash counted once per day;
- `rows(since)`: (qkey, wording, searches, zero results, last day) summed over the days from
  `since` (ISO date) on;
- `sessions(since)`: qkey -> distinct tokens summed over those days (a token is one session on
  one day: tokens of different days never coincide, so summing per day counts them exactly);
- `prune(cutoff)`: delete every day before `cutoff`; returns how many count rows went;
- `shared`: True when several hosts write to the store; the session key of each day is then
  agreed through it (`day_key`), so one visitor is one session whichever host answers.

`open_store(settings)` picks the store from `settings.query_log_storage`: empty for the
SQLite file in `settings.query_log_dir`, `redis://`, `rediss://` or `unix://` for Redis
(indexer.editors.querystore_redis).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from indexer import sqlitewal
from indexer.settings import Settings

DB_NAME = "queries.sqlite3"
REDIS_SCHEMES = ("redis", "rediss", "unix")

Row = tuple[str, str, int, int, str]  # qkey, wording, searches, zero results, last day


class StoreUnavailable(ConnectionError):
    """A shared store could not be reached or refused a command (one line, no password)."""


class CountStore(Protocol):
    shared: bool

    def add(self, day: str, qkey: str, wording: str, zero: int, token: str) -> None: ...

    def rows(self, since: str) -> list[Row]: ...

    def sessions(self, since: str) -> dict[str, int]: ...

    def prune(self, cutoff: str) -> int: ...

    def day_key(self, day: str, proposal: bytes) -> bytes: ...

    def close(self) -> None: ...


def storage_scheme(uri: str) -> str:
    """The scheme of a query-statistics storage URI ('' for the default SQLite file);
    ValueError (one line) for a URI this version cannot use."""
    uri = uri.strip()
    if not uri:
        return ""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in REDIS_SCHEMES:
        raise ValueError(
            f"setting query_log_storage: cannot use {uri!r} (use redis://host:port/db, "
            "rediss://... or unix:///path/redis.sock; empty keeps the SQLite file in "
            "query_log_dir)")
    return scheme


def open_store(settings: Settings) -> CountStore:
    """The store `settings` name (nothing is opened or connected until first use)."""
    uri = str(getattr(settings, "query_log_storage", "") or "").strip()
    if storage_scheme(uri):
        from indexer.editors.querystore_redis import RedisStore

        return RedisStore(uri, retention_days=int(settings.query_log_retention_days))
    return SQLiteStore(Path(settings.query_log_dir))


# ---------------------------------------------------------------------------------------------
# One SQLite file (WAL): many threads and processes of one host.

# WITHOUT ROWID: each table is its primary key's b-tree (a rowid table keeps the key in a
# second one), so a search writes two pages, not four (~13 % less SQLite CPU a search: 37.9 ->
# 33.1 us, 3,000 writes of the dev paths' queries, mean of 3; a file made
# before keeps its tables and works as it is)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    day TEXT NOT NULL,
    qkey TEXT NOT NULL,
    wording TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0,
    zero_results INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, qkey, wording)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    day TEXT NOT NULL,
    qkey TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (day, qkey, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SQLiteStore:
    """`queries.sqlite3` in a folder: safe from many threads (one lock) and processes (WAL)."""

    shared = False

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.path = self.dir / DB_NAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            conn = sqlitewal.connect(self.path, timeout=10, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def add(self, day: str, qkey: str, wording: str, zero: int, token: str) -> None:
        with self._lock:
            conn = self._connect()
            with conn:
                conn.execute(
                    "INSERT INTO counts (day, qkey, wording, searches, zero_results) "
                    "VALUES (?, ?, ?, 1, ?) ON CONFLICT(day, qkey, wording) DO UPDATE SET "
                    "searches = searches + 1, zero_results = zero_results + excluded.zero_results",
                    (day, qkey, wording, zero),
                )
                conn.execute(
                    "INSERT OR IGNORE INTO sessions (day, qkey, token) VALUES (?, ?, ?)",
                    (day, qkey, token),
                )

    def rows(self, since: str) -> list[Row]:
        with self._lock:
            found = self._connect().execute(
                "SELECT qkey, wording, SUM(searches), SUM(zero_results), MAX(day) FROM counts "
                "WHERE day >= ? GROUP BY qkey, wording",
                (since,),
            ).fetchall()
        return [(q, w, int(s), int(z), last) for q, w, s, z, last in found]

    def sessions(self, since: str) -> dict[str, int]:
        with self._lock:
            found = self._connect().execute(
                "SELECT qkey, COUNT(*) FROM sessions WHERE day >= ? GROUP BY qkey", (since,)
            ).fetchall()
        return {qkey: int(n) for qkey, n in found}

    def prune(self, cutoff: str) -> int:
        with self._lock:
            conn = self._connect()
            with conn:
                n = conn.execute("DELETE FROM counts WHERE day < ?", (cutoff,)).rowcount
                conn.execute("DELETE FROM sessions WHERE day < ?", (cutoff,))
        return n

    def day_key(self, day: str, proposal: bytes) -> bytes:
        """One host: the processes of `serve` agree on the day's key by forking (querylog)."""
        return proposal
