"""What a server process keeps and how its workers share the load: the objects frozen out of
the garbage collector's reach after warm-up (thawed when another generation is served), the
imports of `qasearch serve` (none of the scraper's or parsers' libraries), and how a gthread
worker takes new connections (search_app.servers.AcceptsWhenFree)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

from search_app.index import FROZEN_KEY, freeze_warm_objects, warm_up


def test_warm_objects_stay_frozen_until_another_generation_is_served(
        make_app, build_records, sample_records) -> None:
    index_dir = build_records(sample_records[:10])
    app = make_app(index_dir=index_dir)
    client = app.test_client()
    try:
        assert warm_up(app)
        freeze_warm_objects(app)
        first = app.extensions[FROZEN_KEY]
        assert first and gc.get_freeze_count() > 0
        assert client.get("/api/search?q=acupuncture").status_code == 200
        assert gc.get_freeze_count() > 0 and app.extensions[FROZEN_KEY] == first

        build_records(sample_records[10:20])  # a new generation is swapped in
        assert client.get("/healthz").get_json()["data"]["index"]["generation"] != first
        assert gc.get_freeze_count() == 0  # the old generation's caches can be collected
        assert app.extensions[FROZEN_KEY] is None
    finally:
        gc.unfreeze()


def test_freezing_without_an_index_thaws_at_the_first_generation(make_app, tmp_path) -> None:
    app = make_app(index_dir=tmp_path / "none")
    try:
        assert not warm_up(app)
        freeze_warm_objects(app)  # nothing warmed: no generation to keep frozen for
        assert app.extensions[FROZEN_KEY] is None
    finally:
        gc.unfreeze()


def test_serve_imports_none_of_the_other_commands(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys
        from search_app.cli import main
        try:
            main(["serve", "--help"])
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        heavy = ("indexer.cli.parse", "indexer.cli.scrape", "indexer.ingest.parse",
                 "indexer.ingest.crawl", "ftfy", "lxml", "protego")
        print("LOADED", [name for name in heavy if name in sys.modules])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    assert "Usage: qasearch serve [OPTIONS]" in out
    assert "-h, --help" in out
    assert "LOADED []" in out


def test_other_commands_still_run_through_main(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", "from search_app.cli import main; main()",
                          "--help"], capture_output=True, text=True, check=True,
                         cwd=tmp_path).stdout
    for command in ("index", "parse", "scrape", "search", "serve", "editor-token"):
        assert f"  {command} " in out


class _Listener:
    def __init__(self, waiting: list[str]) -> None:
        self.waiting = waiting


class _FakeThreadWorker:
    """The parts of gunicorn's gthread worker that `AcceptsWhenFree` builds on."""

    def __init__(self, listener: _Listener, threads: int = 1) -> None:
        from types import SimpleNamespace

        self.cfg = SimpleNamespace(threads=threads)
        self.alive = True
        self.sockets = [listener]
        self.nr_conns = 0
        self.worker_connections = 1000
        self._accepting = False
        self.queued: list[str] = []

    def set_accept_enabled(self, enabled: bool) -> None:
        self._accepting = enabled

    def accept(self, listener: _Listener) -> None:
        if listener.waiting:
            self.nr_conns += 1
            self.enqueue_req(listener.waiting.pop(0))

    def enqueue_req(self, conn: str) -> None:
        self.queued.append(conn)

    def finish_request(self, conn: str, fs: object) -> None:
        self.queued.remove(conn)


def _worker(listener: _Listener, threads: int = 1):
    from search_app.servers import AcceptsWhenFree

    class Worker(AcceptsWhenFree, _FakeThreadWorker):
        pass

    return Worker(listener, threads)


def test_a_busy_worker_takes_one_new_connection_per_finished_request() -> None:
    listener = _Listener(["a"])
    w = _worker(listener)
    w.set_accept_enabled(True)
    assert w._accepting  # a free thread: it waits on the listener
    w.accept(listener)
    assert w.queued == ["a"] and not w._accepting  # busy: the listener is left to others
    listener.waiting += ["b", "c"]
    w.finish_request("a", None)
    assert w.queued == ["b"] and listener.waiting == ["c"] and not w._accepting
    w.finish_request("b", None)
    assert w.queued == ["c"] and not listener.waiting
    w.finish_request("c", None)
    assert w.queued == [] and w._accepting  # free again, nothing waiting
    w.alive = False
    listener.waiting.append("d")
    w.enqueue_req("e")
    w.finish_request("e", None)
    assert listener.waiting == ["d"] and not w._accepting  # a stopping worker takes none


def test_a_worker_with_threads_to_spare_keeps_listening() -> None:
    listener = _Listener(["a", "b"])
    w = _worker(listener, threads=2)
    w.set_accept_enabled(True)
    w.accept(listener)
    assert w._accepting  # one of two threads busy
    w.accept(listener)
    assert w.queued == ["a", "b"] and not w._accepting
