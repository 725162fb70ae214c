"""`qasearch serve` is fast by default: gunicorn with a process per core on Unix, waitress with
`--workers 1`, on a single core or where gunicorn cannot run."""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import serve as serve_module
from search_app.cli import cli
from search_app.serve import GUNICORN_THREADS, WAITRESS_THREADS, Mode, serving_mode

UNIX = pytest.mark.skipif(os.name != "posix", reason="gunicorn runs on Unix only")


@pytest.mark.parametrize(("workers", "threads", "forking", "n_cores", "expected"), [
    (0, 0, True, 2, Mode("gunicorn", 2, GUNICORN_THREADS)),
    (0, 0, True, 8, Mode("gunicorn", 8, GUNICORN_THREADS)),
    (0, 3, True, 4, Mode("gunicorn", 4, 3)),
    (3, 0, True, 16, Mode("gunicorn", 3, GUNICORN_THREADS)),
    (0, 0, True, 1, Mode("waitress", 1, WAITRESS_THREADS)),
    (1, 0, True, 8, Mode("waitress", 1, WAITRESS_THREADS)),
    (1, 4, True, 8, Mode("waitress", 1, 4)),
    (0, 0, False, 8, Mode("waitress", 1, WAITRESS_THREADS)),
])
def test_serving_mode(workers, threads, forking, n_cores, expected) -> None:
    assert serving_mode(workers, threads, forking=forking, n_cores=n_cores) == expected


def test_workers_asked_for_where_gunicorn_cannot_run_get_waitress_and_a_note() -> None:
    mode = serving_mode(4, 0, forking=False, n_cores=8)
    assert (mode.server, mode.workers, mode.threads) == ("waitress", 1, WAITRESS_THREADS)
    assert "Unix" in mode.note


def test_the_default_follows_this_machine() -> None:
    mode = serving_mode(0, 0)
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if os.name == "posix" and n > 1:
        assert mode == Mode("gunicorn", n, GUNICORN_THREADS)
    else:
        assert mode.server == "waitress" and mode.workers == 1


@pytest.fixture
def launched(monkeypatch) -> dict:
    """What `serve` would run (gunicorn or waitress), recorded instead of started."""
    import waitress

    seen: dict = {}

    def fake_gunicorn(app, settings):
        seen.update(server="gunicorn", settings=settings,
                    options=serve_module.gunicorn_options(settings))

    class FakeWaitress:
        channel_class = None

        def print_listen(self, fmt):
            pass

        def run(self):
            pass

    def fake_create_server(app, **kwargs):
        seen.update(server="waitress", threads=kwargs["threads"],
                    settings=app.config["QASEARCH"])
        return FakeWaitress()

    monkeypatch.setattr(serve_module, "run_gunicorn", fake_gunicorn)
    monkeypatch.setattr(waitress, "create_server", fake_create_server)
    for key in list(os.environ):
        if key.startswith("QASEARCH_"):
            monkeypatch.delenv(key)
    return seen


def test_plain_serve_runs_a_process_per_core(launched, monkeypatch, sample_index,
                                              tmp_path) -> None:
    from gunicorn.workers.gthread import ThreadWorker

    monkeypatch.setattr(serve_module, "cores", lambda: 2)
    monkeypatch.setattr(serve_module, "can_fork_workers", lambda: True)
    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index), "--port", "0",
                                      "--query-log-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert launched["server"] == "gunicorn"
    assert "gunicorn, 2 processes, 1 thread each, connections kept alive" in result.output
    opts = launched["options"]
    assert opts["workers"] == 2 and issubclass(opts["worker_class"], ThreadWorker)
    assert opts["threads"] == 1 and opts["keepalive"] > 0
    assert launched["settings"].rate_limit_storage.startswith("qasearch+sqlite:///"), \
        "one rate-limit budget across the processes"


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_sync_workers_on_request(launched, monkeypatch, sample_index, tmp_path, how) -> None:
    from gunicorn.workers.sync import SyncWorker

    monkeypatch.setattr(serve_module, "cores", lambda: 2)
    monkeypatch.setattr(serve_module, "can_fork_workers", lambda: True)
    args = ["serve", "--index", str(sample_index), "--port", "0", "--query-log-dir",
            str(tmp_path)]
    env = {}
    if how == "flag":
        args += ["--worker-class", "sync"]
    else:
        env["QASEARCH_WORKER_CLASS"] = "sync"
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "gunicorn, 2 processes, sync" in result.output
    assert issubclass(launched["options"]["worker_class"], SyncWorker)


@pytest.mark.parametrize(("args", "message"), [
    (["--worker-class", "sync", "--threads", "2"], "sync workers have one thread each"),
    (["--worker-class", "eventlet"], "Invalid value for '--worker-class'"),
])
def test_worker_class_that_cannot_be_used(launched, monkeypatch, sample_index, tmp_path,
                                          args, message) -> None:
    monkeypatch.setattr(serve_module, "cores", lambda: 2)
    monkeypatch.setattr(serve_module, "can_fork_workers", lambda: True)
    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index), "--port", "0",
                                      "--query-log-dir", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "server" not in launched
    assert "Traceback" not in result.output


def test_worker_class_from_the_environment_is_checked(monkeypatch) -> None:
    from search_app.settings import Settings

    with pytest.raises(ValueError, match="worker_class"):
        Settings.load(environ={"QASEARCH_WORKER_CLASS": "tornado"})


@pytest.mark.parametrize("how", ["flag", "environment", "one core", "no fork"])
def test_one_process_under_waitress(launched, monkeypatch, sample_index, tmp_path,
                                    how) -> None:
    args = ["serve", "--index", str(sample_index), "--port", "0",
            "--query-log-dir", str(tmp_path)]
    env = {}
    monkeypatch.setattr(serve_module, "cores", lambda: 1 if how == "one core" else 4)
    monkeypatch.setattr(serve_module, "can_fork_workers", lambda: how != "no fork")
    if how == "flag":
        args += ["--workers", "1"]
    elif how == "environment":
        env["QASEARCH_WORKERS"] = "1"
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert launched["server"] == "waitress" and launched["threads"] == WAITRESS_THREADS
    assert launched["settings"].workers == 1
    assert "warning" not in result.output


def test_explicit_workers_without_fork_say_why_waitress(launched, monkeypatch, sample_index,
                                                        tmp_path) -> None:
    monkeypatch.setattr(serve_module, "can_fork_workers", lambda: False)
    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index), "--port", "0",
                                      "--query-log-dir", str(tmp_path), "--workers", "3"])
    assert result.exit_code == 0, result.output
    assert launched["server"] == "waitress"
    assert "warning: 3 processes need gunicorn, which runs on Unix only" in result.output


@UNIX
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")
def test_the_default_server_on_this_machine(serve, sample_index: Path) -> None:
    mode = serving_mode(0, 0)
    server = serve("--index", str(sample_index), "--rate-limit", "")
    with urllib.request.urlopen(server.base + "/api/search?q=sciatica", timeout=10) as resp:
        assert resp.status == 200
        expected_server = "gunicorn" if mode.server == "gunicorn" else "qasearch"
        assert resp.headers["Server"] == expected_server
    if mode.server == "gunicorn":
        assert f"gunicorn, {mode.workers} processes, 1 thread each" in server.output
        deadline = time.monotonic() + 30  # workers log their boot one after the other
        while server.output.count("Worker ready") < mode.workers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.output.count("Booting worker") == mode.workers
        assert server.output.count("Worker ready") == mode.workers  # each warm, then says so
        assert "index open, caches built" in server.output
