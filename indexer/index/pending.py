"""The duplicate groups file of a generation, and its marker while the build that swapped the
generation in still computes them.

A build swaps its generation in as soon as it is searchable and then waits for the duplicate
groups its side process computes (`indexer.index.build`). Meanwhile the generation holds
``.duplicates.pending``: the computing process's PID and start time (so a reused PID is not
taken for it) and how far it got, rewritten by the build as it waits. Readers
(`indexer.editors.duplicates.store.generation_groups`, `qasearch duplicates`, `qasearch
publish`) then report "being computed by the build" with that progress instead of computing
the groups a second time.

The marker is a hint, never trusted alone: when its process is gone (the build was killed
after the swap) the groups are computed on demand as for a generation built without them.
It is a dot-file: checksums, publishing and the next build's copy leave it out.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

GROUPS_FILE = "duplicates.json.gz"  # written by indexer.editors.duplicates.store
PENDING = ".duplicates.pending"
WRITE_EVERY = 0.2  # seconds between progress rewrites


@dataclass(frozen=True)
class Pending:
    """How far the build's duplicate groups got."""

    pid: int
    done: int
    records: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.records) if self.records else 0


def _started(pid: int) -> str:
    """The start time of process `pid` (clock ticks since boot, /proc/<pid>/stat field 22);
    "" when it is gone or /proc cannot say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rsplit(")", 1)[1].split()
    return "" if fields[0] == "Z" else fields[19]


def _alive(pid: int, started: str) -> bool:
    if Path("/proc/self/stat").exists():
        return bool(started) and _started(pid) == started
    try:  # no /proc: the PID alone
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class Marker:
    """The marker of one generation, written by the build (`mark` first, then `update`)."""

    def __init__(self, gen_dir: Path, pid: int, records: int) -> None:
        self.path = Path(gen_dir) / PENDING
        self.pid, self.records = pid, records
        self.started = _started(pid)
        self.last = 0.0
        self.write(0, records)

    def write(self, done: int, records: int) -> None:
        """Rewrite the marker (atomically: readers never see half of it)."""
        self.last = time.monotonic()
        tmp = self.path.with_name(f"{PENDING}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"pid": self.pid, "started": self.started, "done": done,
                                   "records": records or self.records}), encoding="utf-8")
        os.replace(tmp, self.path)

    def update(self, done: int, records: int) -> None:
        """The progress, at most every WRITE_EVERY seconds (errors ignored: a hint)."""
        if time.monotonic() - self.last >= WRITE_EVERY:
            with contextlib.suppress(OSError):
                self.write(done, records)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def pending(gen_dir: Path) -> Pending | None:
    """The build's progress on the groups of `gen_dir`, or None when no live process is
    computing them (no marker, an unreadable one, or its process is gone)."""
    try:
        data = json.loads((Path(gen_dir) / PENDING).read_text(encoding="utf-8"))
        pid, started = int(data["pid"]), str(data.get("started", ""))
        done, records = int(data.get("done", 0)), int(data.get("records", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Pending(pid, done, records) if _alive(pid, started) else None
