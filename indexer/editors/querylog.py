"""Privacy-safe query statistics: what visitors searched for, and what they could not find.

What is kept, per UTC day and normalised query:

- how many times it was searched and how many of those searches found nothing;
- one opaque token per distinct session that sent it, so that a query is *reported* only when
  at least ``k`` distinct sessions sent it (``settings.query_log_k``): a rare query, which may
  name a person or a private detail, never leaves the store.

What is never kept: IP addresses, user agents, or anything from which they can be recomputed.
`session_key(client_ip, user_agent)` is an HMAC under a key that lives only in the server's
memory and is replaced every UTC day (by a one-way hash of the previous one); the stored token
is a further hash of that key and the query, so one visitor's different queries cannot be
linked to each other in the store, and no token can be linked to a visitor once the day's key
is gone. Rows older than
``settings.query_log_retention_days`` are deleted.

Queries are normalised before counting: Unicode NFKC, case folded, punctuation dropped,
whitespace folded, e-mail addresses and long digit runs (phone or record numbers) removed, and
grouped by their word stems, so "Back pains?" and "back pain" count as one query (shown as its
most frequent wording).

Storage is one SQLite file in ``settings.query_log_dir`` (``queries.sqlite3``, WAL mode), safe
to use from many threads and several processes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import re
import secrets
import sqlite3
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nltk.stem.snowball import SnowballStemmer

from indexer import sqlitewal
from indexer.settings import Settings

DB_NAME = "queries.sqlite3"
MAX_QUERY_CHARS = 200  # longer messages are cut (after normalisation) before they are kept
_PRUNE_EVERY = dt.timedelta(hours=1)

_EMAIL = re.compile(r"\S+@\S+")
_LONG_NUMBER = re.compile(r"(?:\d[\s\-./]?){5,}")
_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMER = SnowballStemmer("english")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


# ---------------------------------------------------------------------------------------------
# Session keys: salted with an in-memory key rotated every UTC day.


class _DailyKey:
    """A 32-byte key per UTC day, held only in memory (never written anywhere).

    The first day's key is random; each next day's key is a one-way hash of the day before's
    (a ratchet), and the old key is dropped. So server processes forked from one parent
    (`qasearch serve --workers N`) that created the key before forking (`prime`) agree on
    every day's key without talking to each other, and one visitor is one session whichever
    process answers (the k threshold counts people, not processes), while nobody can compute
    a past day's key from today's."""

    def __init__(self, clock: Callable[[], dt.date] = _today) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._key = b""

    def current(self) -> bytes:
        day = self._clock()
        with self._lock:
            if self._day is None or day < self._day:
                self._day, self._key = day, secrets.token_bytes(32)
            while self._day < day:  # forward to today, one day at a time
                self._key = hashlib.sha256(b"qasearch-next-day\x00" + self._key).digest()
                self._day += dt.timedelta(days=1)
            return self._key


_DAILY_KEY = _DailyKey()


def prime_session_keys() -> None:
    """Create today's session key now: call it before forking worker processes."""
    _DAILY_KEY.current()


def session_key(client_ip: str, user_agent: str) -> str:
    """An opaque token for one visitor's session today; irreversible without today's key.

    The same (IP, user agent) gives the same token within a UTC day and an unrelated one the
    next day. Neither input can be recovered from the token, and the key is never stored.
    """
    msg = f"{client_ip or ''}\x00{user_agent or ''}".encode("utf-8", "replace")
    return hmac.new(_DAILY_KEY.current(), msg, hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------------------------------------
# Normalisation.


def normalise_query(query: str) -> str:
    """The wording kept for a query: case folded, punctuation and private numbers dropped."""
    text = unicodedata.normalize("NFKC", query or "").casefold()
    text = _EMAIL.sub(" ", text)
    text = _LONG_NUMBER.sub(" ", text)
    words = _WORD.findall(text.replace("_", " "))
    return " ".join(words)[:MAX_QUERY_CHARS].strip()


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _STEMMER.stem(word)


def query_key(normalised: str) -> str:
    """The grouping key of a normalised query: its words' stems, in order."""
    return " ".join(_stem(w) for w in normalised.split())


# ---------------------------------------------------------------------------------------------
# Report rows.


@dataclass
class QueryStat:
    """One reported query: its most frequent wording and its counts over the period."""

    query: str
    searches: int
    zero_results: int
    sessions: int  # distinct sessions (a session is one visitor on one day)
    last_seen: str  # ISO date
    variants: list[str] = field(default_factory=list)  # other wordings grouped with it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QueryReport:
    since: str
    until: str
    k: int
    total_searches: int  # every search in the period, reported or not
    total_zero_results: int
    hidden_queries: int  # distinct queries held back because fewer than k sessions sent them
    top: list[QueryStat]  # most searched
    not_found: list[QueryStat]  # most searched among those that found nothing
    hidden_searches: int = 0  # searches of the held-back queries
    hidden_zero_results: int = 0  # ... and those of them that found nothing
    hidden_zero_queries: int = 0  # held-back queries that found nothing at least once

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# The store.

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    day TEXT NOT NULL,
    qkey TEXT NOT NULL,
    wording TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0,
    zero_results INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, qkey, wording)
);
CREATE TABLE IF NOT EXISTS sessions (
    day TEXT NOT NULL,
    qkey TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (day, qkey, token)
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class QueryLog:
    """Counts of normalised queries per day, with k-anonymous reporting and retention.

    One object may be shared by all threads of a process; several processes may use the same
    directory. Nothing is opened until the first `record` or `report`.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], dt.date] = _today) -> None:
        self.dir = Path(settings.query_log_dir)
        self.path = self.dir / DB_NAME
        self.k = max(1, int(settings.query_log_k))
        self.retention_days = max(1, int(settings.query_log_retention_days))
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._last_prune: dt.datetime | None = None

    # -- connection ----------------------------------------------------------------------

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

    # -- writing -------------------------------------------------------------------------

    def record(self, query: str, session_key: str, n_results: int) -> bool:
        """Count one search. Returns False (and keeps nothing) for an empty query.

        `session_key` should come from `session_key(ip, user_agent)`; it is hashed again with
        the query before it is stored.
        """
        wording = normalise_query(query)
        if not wording:
            return False
        qkey = query_key(wording)
        day = self._clock().isoformat()
        token = hashlib.sha256(f"{session_key}\x00{qkey}".encode()).hexdigest()[:24]
        zero = 1 if n_results <= 0 else 0
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
            self._maybe_prune(conn)
        return True

    # -- retention -----------------------------------------------------------------------

    def _cutoff(self) -> str:
        return (self._clock() - dt.timedelta(days=self.retention_days - 1)).isoformat()

    def _maybe_prune(self, conn: sqlite3.Connection) -> None:
        now = dt.datetime.now(dt.UTC)
        if self._last_prune is None or now - self._last_prune >= _PRUNE_EVERY:
            self._prune(conn)
            self._last_prune = now

    def _prune(self, conn: sqlite3.Connection) -> int:
        cutoff = self._cutoff()
        with conn:
            n = conn.execute("DELETE FROM counts WHERE day < ?", (cutoff,)).rowcount
            conn.execute("DELETE FROM sessions WHERE day < ?", (cutoff,))
        return n

    def prune(self) -> int:
        """Delete everything older than the retention period; returns the count rows deleted."""
        with self._lock:
            conn = self._connect()
            n = self._prune(conn)
            self._last_prune = dt.datetime.now(dt.UTC)
            return n

    # -- reading -------------------------------------------------------------------------

    def report(
        self, *, days: int | None = None, limit: int = 50, k: int | None = None
    ) -> QueryReport:
        """Most searched queries and most searched queries that found nothing.

        Only queries sent by at least `k` distinct sessions (default: the setting; it can be
        raised here but never lowered below the setting) are listed.
        """
        k_eff = max(self.k, k or 0)
        days = self.retention_days if days is None else max(1, min(days, self.retention_days))
        until = self._clock()
        since = until - dt.timedelta(days=days - 1)
        with self._lock:
            conn = self._connect()
            self._prune(conn)
            rows = conn.execute(
                "SELECT qkey, wording, SUM(searches), SUM(zero_results), MAX(day) FROM counts "
                "WHERE day >= ? GROUP BY qkey, wording",
                (since.isoformat(),),
            ).fetchall()
            sess = dict(
                conn.execute(
                    "SELECT qkey, COUNT(*) FROM sessions WHERE day >= ? GROUP BY qkey",
                    (since.isoformat(),),
                ).fetchall()
            )
        grouped: dict[str, list[tuple[str, int, int, str]]] = {}
        for qkey, wording, searches, zero, last in rows:
            grouped.setdefault(qkey, []).append((wording, int(searches), int(zero), last))
        stats: list[QueryStat] = []
        total = zero_total = hidden = hidden_searches = hidden_zero = hidden_zero_queries = 0
        for qkey, variants in grouped.items():
            searches = sum(v[1] for v in variants)
            zero = sum(v[2] for v in variants)
            total += searches
            zero_total += zero
            n_sessions = int(sess.get(qkey, 0))
            if n_sessions < k_eff:
                hidden += 1
                hidden_searches += searches
                hidden_zero += zero
                hidden_zero_queries += 1 if zero else 0
                continue
            variants.sort(key=lambda v: (-v[1], v[0]))
            stats.append(
                QueryStat(
                    query=variants[0][0],
                    searches=searches,
                    zero_results=zero,
                    sessions=n_sessions,
                    last_seen=max(v[3] for v in variants),
                    variants=[v[0] for v in variants[1:]],
                )
            )
        top = sorted(stats, key=lambda s: (-s.searches, s.query))[:limit]
        not_found = sorted(
            (s for s in stats if s.zero_results), key=lambda s: (-s.zero_results, s.query)
        )[:limit]
        return QueryReport(
            since=since.isoformat(),
            until=until.isoformat(),
            k=k_eff,
            total_searches=total,
            total_zero_results=zero_total,
            hidden_queries=hidden,
            top=top,
            not_found=not_found,
            hidden_searches=hidden_searches,
            hidden_zero_results=hidden_zero,
            hidden_zero_queries=hidden_zero_queries,
        )


# ---------------------------------------------------------------------------------------------
# Rendering for the CLI.


def render_report(report: QueryReport, fmt: str = "text") -> str:
    """The report as text (a table), json or csv."""
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["list", "query", "searches", "zero_results", "sessions", "last_seen"])
        for name, rows in (("top", report.top), ("not_found", report.not_found)):
            for s in rows:
                w.writerow([name, s.query, s.searches, s.zero_results, s.sessions, s.last_seen])
        return buf.getvalue()
    lines = [
        f"Query statistics {report.since} .. {report.until} "
        f"(shown when sent by at least {report.k} sessions)",
        f"searches: {report.total_searches}, found nothing: {report.total_zero_results}, "
        f"queries held back (fewer than {report.k} sessions): {report.hidden_queries} "
        f"({report.hidden_searches} searches, {report.hidden_zero_results} found nothing)",
        "",
    ]
    for title, rows in (
        ("What visitors could not find", report.not_found),
        ("Most searched", report.top),
    ):
        lines.append(title)
        if not rows:
            lines.append("  (nothing to report yet)")
        for s in rows:
            lines.append(
                f"  {s.searches:6d} searches {s.zero_results:6d} zero {s.sessions:5d} sessions  "
                f"{s.query}"
            )
        lines.append("")
    return "\n".join(lines)
