"""The raw page store on disk: page bytes plus ``.meta.json`` sidecars, written atomically.

Layout (CONTRACTS.md): ``DIR/<host>/<path>`` raw bytes (`indexer.ingest.urls.store_path`) and
``<file>.meta.json`` next to it. Every file goes through a temporary file and a rename, so a
kill never leaves half a page. ``DIR/.crawl/`` holds the crawl's own state: the journal
(`Journal`: one flushed JSON line per queued or finished URL; a torn last line is ignored),
the lock (`locked`: one crawl per store at a time), robots.txt and the last report.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.ingest.urls import meta_path, store_path

STATE_DIR = ".crawl"
JOURNAL = "journal.jsonl"
FAILED = "error"  # the journal's outcome of a page that failed
_TMP_PREFIX, _TMP_SUFFIX = ".tmp-", ".part"

Stored = tuple[dict[str, Any], bytes]  # a stored page's metadata and bytes


class StoreLocked(Exception):
    """Another crawl holds the store's lock."""


class PageStore:
    """Pages of one store, keyed by canonical URL."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def paths(self, url: str) -> tuple[Path, Path]:
        """The page file and its sidecar for a canonical URL."""
        rel = store_path(url)
        return self.root / rel, self.root / meta_path(rel)

    def load(self, url: str) -> Stored | None:
        """The stored copy's metadata and bytes, when both are there and agree."""
        page, meta = self.paths(url)
        try:
            info = json.loads(meta.read_text("utf-8"))
            body = page.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(info, dict) or info.get("sha256", sha256(body)) != sha256(body):
            return None  # torn or edited: fetch afresh
        return info, body

    def save_page(self, url: str, body: bytes) -> None:
        write_atomic(self.paths(url)[0], body)

    def save_meta(self, url: str, *, status: int, fetched_url: str, headers: dict[str, str],
                  body: bytes, previous: dict[str, Any] | None = None) -> None:
        """Write the sidecar of `url` after a 200 (`status`) or a 304 (keeps `previous`'s
        fetch time and address, refreshes the validators the server sent)."""
        now = utc_now()
        info = dict(previous or {})
        fresh = status == 200
        info.update({
            "url": url,
            "fetched_url": fetched_url if fresh else info.get("fetched_url", fetched_url),
            "status": 200,
            "etag": headers.get("etag") or info.get("etag"),
            "last_modified": headers.get("last-modified") or info.get("last_modified"),
            "content_type": headers.get("content-type") or info.get("content_type"),
            "fetched_at": now if fresh else info.get("fetched_at", now),
            "checked_at": now,
            "sha256": sha256(body),
            "bytes": len(body),
        })
        write_atomic(self.paths(url)[1],
                     json.dumps(info, indent=1, ensure_ascii=False).encode("utf-8"))

    def remove_stale_temp_files(self) -> None:
        """Delete temporary files a killed crawl left behind (never a page: pages are renamed)."""
        for tmp in self.root.rglob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                tmp.unlink()


class Journal:
    """Append-only log of queued and finished URLs; one flushed JSON line per event."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("a", encoding="utf-8")

    def write(self, event: dict[str, Any]) -> None:
        self.fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """The events of a journal, skipping a line torn by a kill."""
    try:
        fh = path.open(encoding="utf-8", errors="replace")
    except OSError:
        return
    with fh:
        for line in fh:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                yield event


def replay_journal(events: list[dict[str, Any]]
                   ) -> tuple[list[str], dict[str, str], set[str]]:
    """What an unfinished crawl's journal events (after the header line) say: the URLs queued,
    in order; the link each was found as (when not its canonical form); the URLs finished.
    A failed page does not count as finished (it is tried again)."""
    queued: dict[str, None] = {}
    via: dict[str, str] = {}
    done: set[str] = set()
    for event in events[1:]:
        if "queued" in event:
            url = event["queued"]
            if url not in queued:
                queued[url] = None
                if "via" in event:
                    via[url] = event["via"]
        elif "done" in event:
            if event.get("outcome") == FAILED:
                done.discard(event["done"])
            else:
                done.add(event["done"])
    return list(queued), via, done


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _file_mode())  # mkstemp makes 0600; a store is read by others
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@functools.cache
def _file_mode() -> int:
    """0666 less the process umask: the mode `open()` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`; raises StoreLocked when another process holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise StoreLocked(str(path)) from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
