"""Fixtures of the web tests: apps over the sample index or over a few hand-made records,
and a real `qasearch serve` process that is waited for by its own "listening" line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY = ("Serving on http://", "Listening at: http://")  # waitress / gunicorn, once bound
START_SECONDS = 30


@pytest.fixture
def make_app(app_settings) -> Callable[..., object]:
    """`make_app(**settings)`: a test app over the sample index (no rate limit, nothing from
    the environment, query log in tmp_path) with these settings changed."""
    from search_app import create_app

    def make(**overrides: object):
        return create_app(app_settings.with_overrides(**overrides))

    return make


@pytest.fixture
def build_records(tmp_path: Path) -> Callable[[list], Path]:
    """`build_records(records)`: (re)build the index in tmp_path/index from these records
    (a second call swaps a new generation in, as `qasearch index` does); returns its path."""
    from indexer.index.build import build_index

    index_dir = tmp_path / "index"

    def build(records: list) -> Path:
        build_index(records, index_dir)
        return index_dir

    return build


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`serve(*flags)`: run `qasearch serve` on a free port (environment without QASEARCH_*),
    return once it listens; stopped at the end of the test (its output in `Server.lines`)."""
    started: list[tuple[Server, threading.Thread]] = []

    def start(*flags: str) -> Server:
        port = _free_port()
        exe = Path(sys.executable).with_name("qasearch")
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--query-log-dir", str(tmp_path / "qlog"),
             *flags],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")},
        )
        server = Server(f"http://127.0.0.1:{port}", proc)
        ready = threading.Event()
        reader = threading.Thread(target=_read, args=(proc, server.lines, ready), daemon=True)
        reader.start()
        started.append((server, reader))
        assert ready.wait(START_SECONDS), f"server did not start:\n{server.output}"
        assert proc.poll() is None, f"server exited:\n{server.output}"
        with urllib.request.urlopen(server.base + "/healthz", timeout=START_SECONDS) as resp:
            assert resp.status == 200
        return server

    yield start
    for server, reader in started:
        server.proc.terminate()
        server.proc.wait(timeout=20)
        reader.join(timeout=20)


def _read(proc: subprocess.Popen, lines: list[str], ready: threading.Event) -> None:
    """Collect the server's output; set `ready` at its listening line (or when it exits)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if line.strip() and any(mark in line for mark in READY):
            ready.set()
    proc.stdout.close()
    ready.set()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
