"""Editors' decisions about duplicate groups: "not duplicates" or "merged".

A decision is stored by the record ids of the group it was made on (ids are stable across
index rebuilds; group numbers are not), in one SQLite file beside the query statistics
(``<query_log_dir>/duplicate_decisions.sqlite3``, WAL, `indexer.sqlitewal`). The next report
leaves out every group whose records are all covered by one decision; a group that gained a
record since (a new copy of the question) comes back, because nobody has looked at it yet.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer import sqlitewal
from indexer.editors.duplicates.cluster import Cluster

DB_NAME = "duplicate_decisions.sqlite3"
NOT_DUPLICATES = "not duplicates"
MERGED = "merged"
DECISIONS = (NOT_DUPLICATES, MERGED)
MAX_IDS = 5000
MAX_ID_CHARS = 300

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    ids TEXT PRIMARY KEY,      -- the group's record ids, sorted, one per line
    decision TEXT NOT NULL,
    kind TEXT NOT NULL,        -- the group's kind when it was decided
    decided_at TEXT NOT NULL
);
"""


class DecisionError(ValueError):
    """A decision that cannot be stored (unknown decision, too few or bad record ids)."""


@dataclass(frozen=True)
class Decision:
    ids: tuple[str, ...]
    decision: str
    kind: str
    decided_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def covers(self, ids: Iterable[str]) -> bool:
        return set(ids) <= set(self.ids)


def _key(ids: Iterable[str]) -> str:
    return "\n".join(sorted(set(ids)))


def check_ids(ids: Sequence[str]) -> list[str]:
    """The distinct ids of a group, sorted; DecisionError when they cannot be one."""
    clean = sorted({str(i).strip() for i in ids if str(i).strip()})
    if len(clean) < 2:
        raise DecisionError("a decision is about a group: give at least two record ids")
    if len(clean) > MAX_IDS or any(len(i) > MAX_ID_CHARS or "\n" in i for i in clean):
        raise DecisionError(f"at most {MAX_IDS} record ids of at most {MAX_ID_CHARS} "
                            "characters each")
    return clean


class Decisions:
    """The decisions file of `directory` (created on the first decision, not before)."""

    def __init__(self, directory: Path | str) -> None:
        self.dir = Path(directory)
        self.path = self.dir / DB_NAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is None:
            if not create and not self.path.is_file():
                return None
            self.dir.mkdir(parents=True, exist_ok=True)
            conn = sqlitewal.connect(self.path, timeout=10, check_same_thread=False)
            conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def record(self, ids: Sequence[str], decision: str, kind: str = "") -> Decision:
        """Store `decision` about the group of `ids` (replacing an earlier one on the same
        ids)."""
        if decision not in DECISIONS:
            raise DecisionError(f"decision must be one of: {', '.join(DECISIONS)}")
        clean = check_ids(ids)
        made = Decision(tuple(clean), decision, kind,
                        datetime.now(UTC).isoformat(timespec="seconds"))
        with self._lock:
            conn = self._connect(create=True)
            assert conn is not None
            with conn:
                conn.execute("INSERT OR REPLACE INTO decisions (ids, decision, kind, decided_at) "
                             "VALUES (?, ?, ?, ?)", (_key(clean), decision, kind,
                                                     made.decided_at))
        return made

    def undo(self, ids: Sequence[str]) -> bool:
        """Forget the decision made on exactly these ids; False when there was none."""
        with self._lock:
            conn = self._connect(create=False)
            if conn is None:
                return False
            with conn:
                n = conn.execute("DELETE FROM decisions WHERE ids = ?",
                                 (_key(check_ids(ids)),)).rowcount
        return n > 0

    def all(self) -> list[Decision]:
        with self._lock:
            conn = self._connect(create=False)
            if conn is None:
                return []
            rows = conn.execute("SELECT ids, decision, kind, decided_at FROM decisions "
                                "ORDER BY decided_at").fetchall()
        return [Decision(tuple(ids.split("\n")), d, k, at) for ids, d, k, at in rows]


@dataclass
class Sorted:
    """A report's groups split by the editors' decisions."""

    open: list[Cluster]
    decided: list[tuple[Cluster, Decision]]


def apply(clusters: Sequence[Cluster], decisions: Sequence[Decision]) -> Sorted:
    """Split `clusters` into those still to look at and those a decision covers."""
    by_id: dict[str, list[Decision]] = defaultdict(list)
    for d in decisions:
        for rid in d.ids:
            by_id[rid].append(d)
    out = Sorted([], [])
    for c in clusters:
        ids = c.ids
        covering = next((d for d in by_id.get(ids[0], ()) if d.covers(ids)), None)
        if covering is None:
            out.open.append(c)
        else:
            out.decided.append((c, covering))
    return out
