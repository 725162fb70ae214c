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

Storage (indexer.editors.querystore) is one SQLite file in ``settings.query_log_dir``
(``queries.sqlite3``, WAL mode), safe to use from many threads and several processes of one
host; or, when several hosts serve one site, the Redis database named by
``settings.query_log_storage``, where every host counts into one report (the day's session key
is then agreed through the store, see indexer.editors.querystore_redis).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nltk.stem.snowball import SnowballStemmer

from indexer.editors.querystore import (
    DB_NAME,
    CountStore,
    StoreUnavailable,
    open_store,
    storage_scheme,
)
from indexer.index.caches import entries
from indexer.settings import Settings

__all__ = ["DB_NAME", "UNAVAILABLE", "QueryLog", "QueryReport", "QueryStat", "StoreUnavailable",
           "normalise_query", "prime_session_keys", "query_key", "render_report", "session_key",
           "storage_scheme"]
log = logging.getLogger(__name__)

UNAVAILABLE = "unavailable"  # session_key() while a shared store cannot give the day's key
WARN_EVERY = 60.0  # seconds between warnings that a shared store is down
_last_warning = -WARN_EVERY
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
    a past day's key from today's.

    Servers on several hosts share no parent: with a shared store (`share`), each day's key
    is the one the store agreed for that day (the first server's random proposal; see
    querystore_redis), fetched once per day and process."""

    def __init__(self, clock: Callable[[], dt.date] = _today) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._day: dt.date | None = None
        self._key = b""
        self._store: CountStore | None = None
        self._shared_day: dt.date | None = None

    def share(self, store: CountStore | None) -> None:
        """Agree each day's key through `store` from now on (None: back to the ratchet)."""
        with self._lock:
            self._store, self._shared_day, self._day = store, None, None

    def sharing(self, store: CountStore) -> bool:
        return self._store is store

    @property
    def shared(self) -> bool:
        return self._store is not None

    def current(self) -> bytes:
        day = self._clock()
        with self._lock:
            if self._store is not None:
                if self._shared_day != day:
                    self._key = self._store.day_key(day.isoformat(), secrets.token_bytes(32))
                    self._shared_day = self._day = day
                return self._key
            if self._day is None or day < self._day:
                self._day, self._key = day, secrets.token_bytes(32)
            while self._day < day:  # forward to today, one day at a time
                self._key = hashlib.sha256(b"qasearch-next-day\x00" + self._key).digest()
                self._day += dt.timedelta(days=1)
            return self._key


_DAILY_KEY = _DailyKey()


def prime_session_keys() -> None:
    """Create today's session key now: call it before forking worker processes. (With a
    shared store every process asks the store for the day's key: nothing to prime.)"""
    if not _DAILY_KEY.shared:
        _DAILY_KEY.current()


def session_key(client_ip: str, user_agent: str) -> str:
    """An opaque token for one visitor's session today; irreversible without today's key.

    The same (IP, user agent) gives the same token within a UTC day and an unrelated one the
    next day. Neither input can be recovered from the token, and the key is never stored.
    While a shared store cannot give the day's key, `UNAVAILABLE` (which `record` ignores).
    """
    msg = f"{client_ip or ''}\x00{user_agent or ''}".encode("utf-8", "replace")
    try:
        key = _DAILY_KEY.current()
    except StoreUnavailable as exc:  # a shared store that is down: this search is not counted
        _warn_unavailable(exc)
        return UNAVAILABLE
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def _warn_unavailable(exc: Exception) -> None:
    """One warning line per WARN_EVERY while a shared store is down (not one per search)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY:
        _last_warning = now
        log.warning("%s; searches are not counted until it is back", str(exc).rstrip("."))


# ---------------------------------------------------------------------------------------------
# Normalisation.


def normalise_query(query: str) -> str:
    """The wording kept for a query: case folded, punctuation and private numbers dropped."""
    text = unicodedata.normalize("NFKC", query or "").casefold()
    text = _EMAIL.sub(" ", text)
    text = _LONG_NUMBER.sub(" ", text)
    words = _WORD.findall(text.replace("_", " "))
    return " ".join(words)[:MAX_QUERY_CHARS].strip()


@lru_cache(maxsize=entries("log_stems"))
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
# The log.


class QueryLog:
    """Counts of normalised queries per day, with k-anonymous reporting and retention.

    One object may be shared by all threads of a process; several processes may use the same
    directory, and several hosts the same shared store (`settings.query_log_storage`).
    Nothing is opened until the first `record` or `report`.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], dt.date] = _today) -> None:
        self.dir = Path(settings.query_log_dir)
        self.path = self.dir / DB_NAME
        self.k = max(1, int(settings.query_log_k))
        self.retention_days = max(1, int(settings.query_log_retention_days))
        self._clock = clock
        self._lock = threading.Lock()
        self._last_prune: dt.datetime | None = None
        self.store: CountStore = open_store(settings)
        self.shared = self.store.shared
        if self.shared:  # hosts agree on each day's session key through the store
            _DAILY_KEY.share(self.store)

    def close(self) -> None:
        if self.shared and _DAILY_KEY.sharing(self.store):
            _DAILY_KEY.share(None)
        self.store.close()

    # -- writing -------------------------------------------------------------------------

    def record(self, query: str, session_key: str, n_results: int) -> bool:
        """Count one search. Returns False (and keeps nothing) for an empty query, and while
        a shared store is unreachable (a warning is logged now and then).

        `session_key` should come from `session_key(ip, user_agent)`; it is hashed again with
        the query before it is stored.
        """
        wording = normalise_query(query)
        if not wording or session_key == UNAVAILABLE:
            return False
        qkey = query_key(wording)
        day = self._clock().isoformat()
        token = hashlib.sha256(f"{session_key}\x00{qkey}".encode()).hexdigest()[:24]
        try:
            self.store.add(day, qkey, wording, 1 if n_results <= 0 else 0, token)
            self._maybe_prune()
        except StoreUnavailable as exc:  # statistics are never worth a failed search
            _warn_unavailable(exc)
            return False
        return True

    # -- retention -----------------------------------------------------------------------

    def _cutoff(self) -> str:
        return (self._clock() - dt.timedelta(days=self.retention_days - 1)).isoformat()

    def _maybe_prune(self) -> None:
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            due = self._last_prune is None or now - self._last_prune >= _PRUNE_EVERY
            if due:
                self._last_prune = now
        if due:
            self.store.prune(self._cutoff())

    def prune(self) -> int:
        """Delete everything older than the retention period; returns the count rows deleted."""
        with self._lock:
            self._last_prune = dt.datetime.now(dt.UTC)
        return self.store.prune(self._cutoff())

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
        self.store.prune(self._cutoff())
        rows = self.store.rows(since.isoformat())
        sess = self.store.sessions(since.isoformat())
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
