"""`qasearch serve`: settings layered defaults -> environment -> flags, and a real server."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.cli import cli
from search_app.settings import Settings


@pytest.fixture
def captured(monkeypatch):
    """Replace waitress.create_server: record what `serve` would run instead of blocking."""
    import waitress

    seen: dict = {}

    class FakeServer:
        channel_class = None

        def print_listen(self, fmt):
            seen["listen"] = fmt

        def run(self):
            seen["ran"] = True

    def fake_create_server(app, **kwargs):
        seen["app"] = app
        seen.update(kwargs)
        seen["server"] = FakeServer()
        return seen["server"]

    monkeypatch.setattr(waitress, "create_server", fake_create_server)
    return seen


def test_serve_help_lists_its_flags() -> None:
    out = CliRunner().invoke(cli, ["serve", "--help"]).output
    for flag in ("--host", "--port", "--index", "--threads", "--cors-origin", "--rate-limit",
                 "--public-url", "--ask-url", "--trusted-proxies", "--query-log-dir",
                 "--workers", "--suggest-rate-limit"):
        assert flag in out, flag


def test_flags_win_over_environment_over_defaults(captured, sample_index, tmp_path) -> None:
    env = {"QASEARCH_PORT": "6001", "QASEARCH_THREADS": "3", "QASEARCH_HOST": "127.0.0.2",
           "QASEARCH_WORKERS": "1",
           "QASEARCH_CORS_ORIGINS": "https://a.example,https://b.example",
           "QASEARCH_QUERY_LOG_DIR": str(tmp_path)}
    result = CliRunner().invoke(
        cli, ["serve", "--index", str(sample_index), "--port", "6002",
              "--cors-origin", "https://c.example"], env=env)
    assert result.exit_code == 0, result.output
    assert captured["port"] == 6002 and captured["host"] == "127.0.0.2"
    assert captured["threads"] == 3
    settings = captured["app"].config["QASEARCH"]
    assert settings.cors_origins == ("https://c.example",)
    assert settings.index_dir == sample_index
    assert "serving" in result.output


def test_defaults(captured, sample_index, monkeypatch, tmp_path) -> None:
    for key in list(os.environ):
        if key.startswith("QASEARCH_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    # one process (waitress) with --workers 1; the default mode: tests/web/test_serve_default
    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index), "--port", "0",
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (captured["host"], captured["threads"]) == ("127.0.0.1", 8)
    assert Settings.load(environ={}).port == 5000


def test_missing_index_warns_but_serves(captured, tmp_path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--index", str(tmp_path / "none"),
                                      "--query-log-dir", str(tmp_path), "--workers", "1"])
    assert result.exit_code == 0
    assert "qasearch index" in result.output


def test_bad_rate_limit_is_a_usage_error(captured, sample_index) -> None:
    result = CliRunner().invoke(cli, ["serve", "--index", str(sample_index),
                                      "--rate-limit", "many"])
    assert result.exit_code == 2 and "rate_limit" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "app" not in captured


def test_serves_over_http(serve, sample_index: Path) -> None:
    server = serve("--index", str(sample_index), "--workers", "1", "--threads", "2")
    with urllib.request.urlopen(server.base + "/search?q=sciatica", timeout=5) as resp:
        html = resp.read().decode()
        assert resp.headers["Server"] == "qasearch"
    assert "sciatica" in html.lower() and 'class="hits"' in html


def test_workers_run_gunicorn_with_a_shared_rate_limit_store(monkeypatch, sample_index,
                                                            tmp_path) -> None:
    import search_app.serve as serve

    seen: dict = {}

    def fake_gunicorn(app, settings):
        seen["settings"] = settings
        seen["options"] = serve.gunicorn_options(settings)
        seen["store_dir"] = Path(settings.rate_limit_storage.split("://", 1)[1]).parent

    monkeypatch.setattr(serve, "run_gunicorn", fake_gunicorn)
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "--index", str(sample_index),
                                      "--workers", "3", "--threads", "1",
                                      "--query-log-dir", str(tmp_path)],
                                env={"QASEARCH_RATE_LIMIT_STORAGE": ""})
    assert result.exit_code == 0, result.output
    assert "gunicorn, 3 processes" in result.output
    opts = seen["options"]
    from gunicorn.workers.gthread import ThreadWorker

    assert opts["workers"] == 3 and issubclass(opts["worker_class"], ThreadWorker)
    assert opts["preload_app"]
    assert opts["control_socket_disable"] is True
    assert callable(opts["post_worker_init"])  # each worker warms its own index up
    assert seen["settings"].rate_limit_storage.startswith("qasearch+sqlite:///")
    assert not seen["store_dir"].exists(), "the private store directory is removed at exit"
