"""The SQLite query-statistics file: tables keyed by their primary key alone (WITHOUT ROWID)
in a new file, and a file made with the earlier rowid tables read and written as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexer.editors.querylog import QueryLog, session_key
from indexer.editors.querystore import DB_NAME
from indexer.settings import Settings

OLD_SCHEMA = """
CREATE TABLE counts (day TEXT NOT NULL, qkey TEXT NOT NULL, wording TEXT NOT NULL,
    searches INTEGER NOT NULL DEFAULT 0, zero_results INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, qkey, wording));
CREATE TABLE sessions (day TEXT NOT NULL, qkey TEXT NOT NULL, token TEXT NOT NULL,
    PRIMARY KEY (day, qkey, token));
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _log(folder: Path) -> QueryLog:
    return QueryLog(Settings.load(overrides={"query_log_dir": folder, "query_log_k": 2},
                                  environ={}))


def _searches(log: QueryLog) -> None:
    for i, q in enumerate(["back pain", "Back pains", "gout", "zzqx", "gout"] * 2):
        log.record(q, session_key(f"203.0.113.{i % 3}", "TestBrowser"), 0 if q == "zzqx" else 4)


def _report(log: QueryLog) -> tuple:
    r = log.report()
    return (r.total_searches, r.total_zero_results, r.hidden_queries,
            [(s.query, s.searches, s.sessions) for s in r.top],
            [(s.query, s.searches) for s in r.not_found])


def _without_rowid(path: Path) -> dict[str, bool]:
    with sqlite3.connect(path) as conn:
        return {name: "WITHOUT ROWID" in sql.upper() for name, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN ('counts', 'sessions')")}


def test_new_and_old_files_count_the_same(tmp_path: Path) -> None:
    new = _log(tmp_path / "new")
    _searches(new)
    assert _without_rowid(tmp_path / "new" / DB_NAME) == {"counts": True, "sessions": True}

    (tmp_path / "old").mkdir()
    with sqlite3.connect(tmp_path / "old" / DB_NAME) as conn:
        conn.executescript(OLD_SCHEMA)
    old = _log(tmp_path / "old")
    _searches(old)
    assert _without_rowid(tmp_path / "old" / DB_NAME) == {"counts": False, "sessions": False}
    assert _report(old) == _report(new)
    assert _report(new)[0] == 10 and _report(new)[1] == 2
