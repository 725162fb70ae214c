"""Soak test: mixed traffic against `qasearch serve --workers 2` on 127.0.0.1 for N minutes,
with the index rebuilt into the served directory every few minutes and one gunicorn worker
killed (SIGKILL) at a random moment (issue J item 7).

    python bench/soak.py                       # 30 minutes over the sample archive (scraped/)
    python bench/soak.py --minutes 5 --out bench/results/soak-5min.json
    python bench/soak.py --source ../shared/data/medquad --minutes 30

Traffic (paced at `--rate` requests/s from `--clients` threads, at most `--max-requests`):
result pages and API searches, as-you-type suggestions and typed-ahead searches, record pages
and their JSON, similar questions, and editor pages and editor API calls (with a generated
editor token). Queries and record ids come from the served index itself (its categories'
records), never from evaluation sets. Rate limits are off for the run (the point is the
server, not the limiter).

Reports: requests, errors (a request that failed or answered 5xx; those in flight on the
killed worker are counted apart, and every other one is listed), latency p50/p99 per kind,
the rebuilds (duration, result), and the server's memory (RSS of the arbiter and each worker)
sampled over time. Exit status 1 when any error is left that the kill does not explain.
Linux only (reads /proc); traffic only to 127.0.0.1.
"""

# ruff: noqa: S310  (every URL is http://127.0.0.1:<port>, built here)
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
QASEARCH = Path(sys.executable).with_name("qasearch")
HOST = "127.0.0.1"


@dataclass
class Sample:
    kind: str
    start: float
    end: float
    status: int  # 0: no HTTP answer (connection refused/reset)
    error: str = ""


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    rebuilds: list[dict] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)
    kill: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def build(sources: list[str], index: Path, full: bool) -> tuple[float, int, str]:
    cmd = [str(QASEARCH), "index", "--index", str(index), "-q"]
    for src in sources:
        cmd += ["--source", src]
    if full:
        cmd.append("--full")
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    last = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or [""])[-1]
    return time.monotonic() - t0, proc.returncode, last


def start_server(index: Path, port: int, token: str, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")}
    env["QASEARCH_EDITOR_TOKEN"] = token
    out = log.open("w")
    return subprocess.Popen(
        [str(QASEARCH), "serve", "--index", str(index), "--host", HOST, "--port", str(port),
         "--workers", "2", "--threads", "1", "--rate-limit", "", "--suggest-rate-limit", "",
         "--query-log-dir", str(index.parent / "qlog")],
        stdout=out, stderr=subprocess.STDOUT, env=env)


def wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server did not become healthy")


def workers(arbiter: int) -> list[int]:
    """PIDs of the arbiter's child processes (the gunicorn workers), from /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == arbiter:
            pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# -- traffic -------------------------------------------------------------------------------


def fetch_json(url: str, headers: dict | None = None) -> dict:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def corpus(base: str) -> tuple[list[str], list[str]]:
    """(record ids, questions) of the served index, through its own API."""
    ids, questions = [], []
    for node in fetch_json(base + "/api/categories")["data"]["categories"]:
        page = fetch_json(f"{base}/api/categories/{node['slug']}?limit=50")["data"]
        for rec in page["records"]:
            ids.append(rec["id"])
            questions.append(rec["display_question"] or rec["question"])
    if not ids:
        raise SystemExit("the served index has no records")
    return ids, questions


def login_cookie(base: str, token: str) -> str:
    """The editor session cookie, from the sign-in form (as an editor's browser gets it)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    data = urlencode({"token": token, "next": "/editor/"}).encode()
    try:
        opener.open(urllib.request.Request(base + "/editor/login", data=data), timeout=30)
    except urllib.error.HTTPError as exc:  # the 303 comes back as an "error"
        cookie = exc.headers.get("Set-Cookie", "")
        return cookie.split(";", 1)[0]
    return ""


def requests_for(rng: random.Random, ids: list[str], questions: list[str], token: str,
                 cookie: str) -> tuple[str, str, dict]:
    """(kind, path, headers) of one request of the mix."""
    question = rng.choice(questions)
    words = [w for w in question.split() if w.isalpha()] or ["pain"]
    short = " ".join(rng.sample(words, min(len(words), rng.randint(1, 3))))
    prefix = short[: rng.randint(2, max(2, len(short)))]
    rid = quote(rng.choice(ids), safe="")
    editor = {"Authorization": f"Bearer {token}"}
    mix = [
        (30, "search", f"/search?q={quote(short)}", {}),
        (15, "api-search", f"/api/search?q={quote(question[:300])}", {}),
        (20, "suggest", f"/api/suggest?q={quote(prefix)}", {}),
        (10, "typed-ahead", f"/api/search?q={quote(prefix)}&partial=1&limit=5", {}),
        (8, "record", f"/records/{rid}", {}),
        (5, "api-record", f"/api/records/{rid}", {}),
        (5, "similar", f"/api/similar?q={quote(question[:300])}", {}),
        (3, "editor-page", f"/editor/?q={quote(short)}", {"Cookie": cookie}),
        (3, "editor-api", f"/api/editor/similar?q={quote(short)}", editor),
        (1, "editor-queries", "/editor/queries", {"Cookie": cookie}),
    ]
    weights = [m[0] for m in mix]
    _, kind, path, headers = rng.choices(mix, weights=weights)[0]
    return kind, path, headers


def client(base: str, run: Run, stop: threading.Event, budget: threading.Semaphore,
           pace: float, seed: int, ids: list[str], questions: list[str], token: str,
           cookie: str) -> None:
    rng = random.Random(seed)
    next_at = time.monotonic()
    while not stop.is_set() and budget.acquire(blocking=False):
        kind, path, headers = requests_for(rng, ids, questions, token, cookie)
        start = time.monotonic()
        status, error = 0, ""
        try:
            req = urllib.request.Request(base + path, headers=headers)
            with urllib.request.urlopen(req, timeout=60) as resp:
                resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.read()
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
        run.add(Sample(kind, start, time.monotonic(), status, error))
        next_at += pace
        stop.wait(max(0.0, next_at - time.monotonic()))


def rebuilder(sources: list[str], index: Path, every: float, run: Run,
              stop: threading.Event, t0: float) -> None:
    while not stop.wait(every):
        seconds, code, last = build(sources, index, full=True)
        run.rebuilds.append({"at_s": round(time.monotonic() - t0, 1),
                             "seconds": round(seconds, 1), "exit": code, "result": last})


def sampler(arbiter: int, run: Run, stop: threading.Event, every: float, t0: float) -> None:
    while True:
        procs = {"arbiter": arbiter, **{f"worker {p}": p for p in workers(arbiter)}}
        run.memory.append({"at_s": round(time.monotonic() - t0, 1),
                           **{name: rss_mb(pid) for name, pid in procs.items()}})
        if stop.wait(every):
            return


def killer(arbiter: int, at: float, run: Run, stop: threading.Event, t0: float) -> None:
    if stop.wait(at):
        return
    pids = workers(arbiter)
    if not pids:
        return
    victim = random.choice(pids)
    run.kill = {"pid": victim, "at": time.monotonic(), "at_s": round(time.monotonic() - t0, 1)}
    os.kill(victim, signal.SIGKILL)


# -- report --------------------------------------------------------------------------------


def report(run: Run, seconds: float) -> dict:
    kill_at = run.kill.get("at")
    failed = [s for s in run.samples if s.status == 0 or s.status >= 500]
    in_flight = [s for s in failed
                 if kill_at is not None and s.start <= kill_at <= s.end + 0.001]
    other = [s for s in failed if s not in in_flight]
    by_kind: dict[str, list[float]] = {}
    for s in run.samples:
        if s.status and s.status < 500:
            by_kind.setdefault(s.kind, []).append((s.end - s.start) * 1000)
    every = sorted(v for vs in by_kind.values() for v in vs)

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p * len(values)))], 1) if values else 0.0

    statuses: dict[str, int] = {}
    for s in run.samples:
        statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    return {
        "seconds": round(seconds, 1),
        "requests": len(run.samples),
        "requests_per_s": round(len(run.samples) / seconds, 1) if seconds else 0,
        "statuses": statuses,
        "errors": len(other),
        "errors_in_flight_on_killed_worker": len(in_flight),
        "error_samples": [f"{s.kind} {s.status} {s.error}" for s in other[:20]],
        "latency_ms": {"all": {"p50": pct(every, 0.5), "p99": pct(every, 0.99),
                               "max": round(max(every), 1) if every else 0.0},
                       **{k: {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99)}
                          for k, v in sorted(by_kind.items())}},
        "kill": {k: v for k, v in run.kill.items() if k != "at"},
        "rebuilds": run.rebuilds,
        "rss_mb": run.memory,
        "median_latency_ms": round(statistics.median(every), 1) if every else 0.0,
    }


def print_report(rep: dict) -> None:
    print(f"\n{rep['requests']} requests in {rep['seconds']} s ({rep['requests_per_s']}/s); "
          f"statuses {rep['statuses']}")
    print(f"errors: {rep['errors']} (plus {rep['errors_in_flight_on_killed_worker']} in flight "
          f"on the killed worker {rep['kill'].get('pid')} at {rep['kill'].get('at_s')} s)")
    for line in rep["error_samples"]:
        print("  ", line)
    print("latency ms (p50 / p99):")
    for kind, v in rep["latency_ms"].items():
        n = f"n={v['n']:>6} " if "n" in v else " " * 9
        print(f"  {kind:<15} {n}{v['p50']:>8} / {v['p99']:>8}")
    print("rebuilds:")
    for r in rep["rebuilds"]:
        print(f"  at {r['at_s']:>7} s: {r['seconds']} s, exit {r['exit']}: {r['result']}")
    print("RSS MB over time:")
    for m in rep["rss_mb"]:
        parts = ", ".join(f"{k} {v:.0f}" for k, v in m.items() if k != "at_s" and v)
        print(f"  {m['at_s']:>7} s: {parts}")


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="how long (default 30)")
    ap.add_argument("--source", action="append", help="sources to index (default: scraped/)")
    ap.add_argument("--workdir", type=Path, help="where the index goes (default: a new "
                    "directory under /tmp)")
    ap.add_argument("--rebuild-every", type=float, default=150.0,
                    help="seconds between index rebuilds (default 150)")
    ap.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--rate", type=float, default=40.0,
                    help="requests per second in all (default 40; leaves CPU to others)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="upper bound")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, help="write the report as JSON here")
    args = ap.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("soak.py reads /proc: Linux only")

    random.seed(args.seed)
    sources = args.source or [str(ROOT / "scraped")]
    import tempfile

    work = args.workdir or Path(tempfile.mkdtemp(prefix="qasearch-soak-"))
    index = work / "index"
    seconds, code, last = build(sources, index, full=True)
    if code:
        raise SystemExit(f"first build failed: {last}")
    print(f"built {index} in {seconds:.1f} s: {last}")
    token = secrets.token_urlsafe(32)
    port = free_port()
    base = f"http://{HOST}:{port}"
    proc = start_server(index, port, token, work / "server.log")
    try:
        wait_healthy(base, proc)
        ids, questions = corpus(base)
        cookie = login_cookie(base, token)
        if not cookie:
            raise SystemExit("editor sign-in failed")
        run, stop = Run(), threading.Event()
        duration = args.minutes * 60
        budget = threading.Semaphore(args.max_requests)
        pace = args.clients / args.rate
        t0 = time.monotonic()
        threads = [threading.Thread(target=client, daemon=True, args=(
            base, run, stop, budget, pace, args.seed + i, ids, questions, token, cookie))
            for i in range(args.clients)]
        threads += [
            threading.Thread(target=rebuilder, daemon=True,
                             args=(sources, index, args.rebuild_every, run, stop, t0)),
            threading.Thread(target=sampler, daemon=True,
                             args=(proc.pid, run, stop, max(10.0, duration / 30), t0)),
            threading.Thread(target=killer, daemon=True, args=(
                proc.pid, random.uniform(0.2, 0.8) * duration, run, stop, t0)),
        ]
        for t in threads:
            t.start()
        print(f"soaking {base} for {args.minutes:g} min ({args.clients} clients, "
              f"{args.rate:g} req/s, rebuild every {args.rebuild_every:g} s)", flush=True)
        stop.wait(duration)
        stop.set()
        for t in threads:
            t.join(timeout=300)
        rep = report(run, time.monotonic() - t0)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    print_report(rep)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(rep, indent=2) + "\n")
        print(f"report written to {args.out}")
    return 1 if rep["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
