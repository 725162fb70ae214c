"""Two `qasearch serve` replicas (separate processes, separate index folders) sharing one
Redis: one client's rate limit holds across both, editors on either see one query report for
both, and a generation published to both replicas is served without a restart.

Needs Debian's redis-server (`make redis`); skipped, saying so, without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.index.build import build_index
from indexer.index.publish import publish
from indexer.records import Record
from tests.redisserver import free_port, running_redis
from tests.web.conftest import START_SECONDS, Server, _read

TOKEN = "replica-test-editor-token-8e1f4c2a"
LIMIT = 5  # requests per minute and client, on both servers together


def get(base: str, path: str, client: str, token: str = "") -> tuple[int, dict, bytes]:
    """GET as `client` (the address nginx would pass on in X-Forwarded-For)."""
    headers = {"X-Forwarded-For": client}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def search(q: str) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q})


def start_server(index_dir: Path, redis_uri: str, qlog_dir: Path) -> Server:
    port = free_port()
    exe = Path(sys.executable).with_name("qasearch")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")}
    env.update(QASEARCH_EDITOR_TOKEN=TOKEN, QASEARCH_QUERY_LOG_K="2")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--index", str(index_dir),
         "--rate-limit", f"{LIMIT}/minute", "--suggest-rate-limit", "",
         "--rate-limit-storage", redis_uri, "--query-log-storage", redis_uri,
         "--query-log-dir", str(qlog_dir), "--trusted-proxies", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    server = Server(f"http://127.0.0.1:{port}", proc)
    ready = threading.Event()
    threading.Thread(target=_read, args=(proc, server.lines, ready), daemon=True).start()
    assert ready.wait(START_SECONDS) and proc.poll() is None, server.output
    return server


@pytest.fixture(scope="module")
def redis_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as uri:
        yield uri


@pytest.fixture(scope="module")
def replicas(redis_uri: str, sample_index: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Server, Server, list[Path]]]:
    """Servers A and B, each on its own copy of the sample index (published to it)."""
    root = tmp_path_factory.mktemp("replicas")
    folders = [root / "a" / "index", root / "b" / "index"]
    servers = []
    try:
        for i, folder in enumerate(folders):
            publish(sample_index, str(folder))
            servers.append(start_server(folder, redis_uri, root / f"qlog-{i}"))
        yield servers[0], servers[1], folders
    finally:
        for server in servers:
            server.proc.terminate()
            server.proc.wait(timeout=20)


def test_one_clients_limit_holds_across_both_servers(replicas):
    a, b, _ = replicas
    client = "198.51.100.10"
    codes = [get(a.base, search("back pain"), client)[0] for _ in range(3)]
    codes += [get(b.base, search("back pain"), client)[0] for _ in range(2)]
    assert codes == [200] * LIMIT
    status, headers, body = get(b.base, search("back pain"), client)  # the 6th, on B
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert json.loads(body)["error"]["code"] == "too_many_requests"
    assert get(a.base, search("sleep"), client)[0] == 429  # and on A too
    assert get(a.base, search("back pain"), "198.51.100.11")[0] == 200  # another client
    assert get(b.base, "/healthz", client)[0] == 200  # never limited


def test_editors_see_one_query_report_for_both_servers(replicas):
    a, b, _ = replicas
    get(a.base, search("sciatica relief"), "203.0.113.21")
    get(b.base, search("Sciatica relief?"), "203.0.113.22")
    for server in (a, b):  # one visitor on both servers is one session: held back (k=2)
        get(server.base, search("moxibustion for my rare condition"), "203.0.113.23")
    reports = []
    for server in (a, b):
        status, _, body = get(server.base, "/api/editor/queries", "203.0.113.24", TOKEN)
        assert status == 200, body
        reports.append(json.loads(body)["data"])
    assert reports[0] == reports[1]  # the same report on either host
    top = {s["query"]: s for s in reports[0]["top"]}
    assert top["sciatica relief"]["sessions"] == 2
    assert top["sciatica relief"]["searches"] == 2
    assert not any("moxibustion" in q for q in top)
    assert reports[0]["hidden_queries"] >= 1 and reports[0]["hidden_searches"] >= 2
    assert "203.0.113" not in json.dumps(reports[0])


def test_a_generation_published_to_both_is_served_without_restart(replicas, sample_records,
                                                                  tmp_path):
    a, b, folders = replicas
    assert json.loads(get(a.base, search("zyxolite"), "192.0.2.30")[2])["data"]["total"] == 0
    new = Record(id="extra-1", question="Is zyxolite therapy safe for back pain?",
                 answer="Zyxolite is an invented word used to test publishing. " * 3)
    build_index([*sample_records, new], tmp_path / "build")
    for folder in folders:
        assert publish(tmp_path / "build", str(folder)).changed
    for i, server in enumerate((a, b)):
        status, _, body = get(server.base, search("zyxolite"), f"192.0.2.{31 + i}")
        assert status == 200
        assert [h["id"] for h in json.loads(body)["data"]["hits"]] == ["extra-1"]
    assert a.proc.poll() is None and b.proc.poll() is None
