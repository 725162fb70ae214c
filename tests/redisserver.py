"""A private `redis-server` for tests: 127.0.0.1 only, a free port, no persistence, its own
folder; stopped (by its PID) when the test session ends.

`make test` installs Debian's redis-server (the `redis` target) when it can; without it the
tests that need one skip and say why.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_SECONDS = 20.0


def redis_server_binary() -> str:
    """Path of redis-server, or skip the test saying how to get it."""
    path = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if path is None:
        pytest.skip("redis-server is not installed (`make redis` installs Debian's "
                    "redis-server when run as root; or apt-get install redis-server)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def running_redis(folder: Path) -> Iterator[str]:
    """Start redis-server in `folder`; yield its URI (redis://127.0.0.1:PORT/0)."""
    binary = redis_server_binary()
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):  # a free port may be taken between our probe and its bind
        port = free_port()
        log = (folder / f"redis-{port}.log").open("wb")
        proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while proc.poll() is None and time.monotonic() < deadline and not _ping(port):
            time.sleep(0.05)  # polling for readiness, not waiting out a fixed time
        if proc.poll() is None and _ping(port):
            break
        proc.kill()
        proc.wait()
        log.close()
    else:
        text = (folder / f"redis-{port}.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"redis-server did not start:\n{text}")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
