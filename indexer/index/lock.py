"""The build lock of an index directory: an OS lock that dies with its holder.

`build_lock(index_dir)` takes an exclusive `flock()` on `index_dir/.build.lock` for the length
of a build. The kernel drops the lock when the holding process dies, however it dies (SIGKILL
included), so a killed build never blocks the next one. The lock file also records the
holder's PID and start time, so a refused build can say who holds the lock.

Forked helpers (the index writer's subprocesses) inherit the lock's file descriptor; a
`flock()` lasts until every descriptor of it is closed, so `close_inherited()` must run first
thing in every forked child: the lock then lives and dies with the build process alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

LOCK = ".build.lock"

_held: set[int] = set()  # descriptors of locks this process holds (closed in forked children)


class LockBusy(RuntimeError):
    """Another live process holds the build lock."""


def holder(index_dir: Path) -> str:
    """What the lock file says about its holder, e.g. 'pid 123 since 2024-05-01T10:00:00'."""
    try:
        text = (Path(index_dir) / LOCK).read_text(encoding="utf-8").split()
    except OSError:
        return ""
    return f"pid {text[0]} since {text[1]}" if len(text) >= 2 else ""


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the build lock of `index_dir`; raise LockBusy when another process holds it."""
    fd = os.open(Path(index_dir) / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            who = holder(index_dir)
            raise LockBusy(f"another build of {index_dir} is running"
                           + (f" ({who})" if who else "")) from exc
        _held.add(fd)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with contextlib.suppress(OSError):  # the PID is a courtesy; a full disk must not stop us
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        yield
    finally:
        _held.discard(fd)
        os.close(fd)  # releases the flock


def close_inherited() -> None:
    """In a forked child: close the lock descriptors inherited from the build process."""
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
