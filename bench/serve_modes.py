"""Serve-mode benchmark: start `qasearch serve FLAGS`, warm every worker, run wrk per query kind,
report req/s, p50/p99, CPU per request of the server's processes and of wrk (the client's
share of the machine: reconnecting costs it too), and total RSS / PSS of the server's
processes (from /proc).

    .venv/bin/python bench/serve_modes.py --index /tmp/mq --label sync -- --workers 2 --threads 1

The server runs without rate limits (16 clients on one address would spend any budget)
unless `--limits`, which sets both budgets far above what a run sends: the limiter and its
shared SQLite store then do their whole work on every request. `--paths-dir DIR` keeps the
request lists (`paths-<kind>.txt`, from bench/api_load.py) in DIR and reuses them; a kind
with a file there but no generator (say `paths-health.txt` holding `/healthz`) is run as is.
The load average is printed before and after (the machine may be shared).

Needs Debian's `wrk`. Traffic goes to 127.0.0.1 only; scratch files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.mkdtemp(prefix="serve-modes-"))
QASEARCH = ROOT / ".venv/bin/qasearch"
PY = ROOT / ".venv/bin/python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    out = [pid]
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if ppid == pid:
                out += tree(int(p))
    return out


def mem(pids: list[int]) -> tuple[float, float, list[float]]:
    rss = pss = 0.0
    each = []
    for p in pids:
        try:
            r = int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text()).group(1))
            s = int(re.search(r"^Pss:\s+(\d+)", Path(f"/proc/{p}/smaps_rollup").read_text(),
                              re.M).group(1))
        except (OSError, AttributeError):
            continue
        rss += r / 1024
        pss += s / 1024
        each.append(round(r / 1024))
    return rss, pss, each


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def workers_warm(log: Path) -> bool:
    """Has every gunicorn worker that booted said it is ready? (waitress: no such lines,
    and it warms up before it listens.)"""
    text = log.read_text(errors="replace")
    return text.count("Worker ready") >= text.count("Booting worker")


def children_cpu() -> float:
    """CPU seconds of this process's finished children (wrk runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(base: str, paths: Path, seconds: int, clients: int) -> dict[str, float]:
    c0 = children_cpu()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s",
         str(ROOT / "bench/wrk_queries.lua"), base, "--", str(paths)],
        capture_output=True, text=True, check=True).stdout
    if "requests=0 " in out or "Requests/sec" not in out:
        print(out, file=sys.stderr)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"p50=([\d.]+)ms p90=([\d.]+)ms p99=([\d.]+)ms max=([\d.]+)ms", out)
    non2xx = int(re.search(r"non2xx=(\d+)", out).group(1))
    n = int(re.search(r"requests=(\d+)", out).group(1))
    errs = re.search(r"errors\(connect,read,write,timeout\)=([\d,]+)", out).group(1)
    client_ms = (children_cpu() - c0) * 1000 / max(1, n)
    return {"rps": rps, "p50": float(m.group(1)), "p99": float(m.group(3)),
            "max": float(m.group(4)), "non2xx": non2xx, "requests": n, "errors": errs,
            "client_ms": client_ms}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--kinds", default="short,long,mixed")
    ap.add_argument("--limits", action="store_true", help="rate limits on, never reached")
    ap.add_argument("--paths-dir", type=Path, help="where request lists are kept and reused")
    ap.add_argument("flags", nargs="*")
    args = ap.parse_args()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QASEARCH_")}
    qlog = WORK / f"qlog-{port}"
    logf = open(WORK / f"server-{args.label}.log", "w")  # noqa: SIM115
    limit = "100000000/minute" if args.limits else ""
    print(f"[{args.label}] load average {' '.join(map(str, os.getloadavg()))}", flush=True)
    proc = subprocess.Popen(
        [str(QASEARCH), "serve", "--index", args.index, "--port", str(port), "--rate-limit", limit,
         "--suggest-rate-limit", limit, "--search-cache", "0", "--query-log-dir", str(qlog),
         *args.flags], stdout=logf, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310 (http to 127.0.0.1)
                break
            except OSError:
                time.sleep(0.5)
        logf.flush()
        while time.time() < deadline and not workers_warm(WORK / f"server-{args.label}.log"):
            time.sleep(0.5)  # a worker still building its caches would be measured
        paths = {}
        for kind in args.kinds.split(","):
            p = (args.paths_dir or WORK) / f"paths-{kind}.txt"
            if not p.exists():
                subprocess.run([str(PY), str(ROOT / "bench/api_load.py"), "--mode", kind,
                                "--paths-out", str(p)], check=True, capture_output=True)
            paths[kind] = p
        # warm every worker: the mixed list twice over 16 connections, then 5 s of load
        wrk(base, paths.get("mixed", next(iter(paths.values()))), 5, args.clients)
        rss, pss, each = mem(tree(proc.pid))
        print(f"[{args.label}] flags={' '.join(args.flags) or '(default)'} warm RSS total "
              f"{rss:.0f} MB (per process {each}), PSS total {pss:.0f} MB", flush=True)
        for kind, p in paths.items():
            pids = tree(proc.pid)
            c0 = cpu_seconds(pids)
            r = wrk(base, p, args.seconds, args.clients)
            cpu_ms = (cpu_seconds(pids) - c0) * 1000 / max(1, r["requests"])
            print(f"[{args.label}] {kind:6s} {r['rps']:7.0f} req/s  p50 {r['p50']:6.1f} ms  "
                  f"p99 {r['p99']:6.1f} ms  max {r['max']:7.1f} ms  non2xx {r['non2xx']} "
                  f"errors {r['errors']}  server CPU {cpu_ms:.2f} ms/request  wrk CPU "
                  f"{r['client_ms']:.2f} ms/request", flush=True)
        rss, pss, each = mem(tree(proc.pid))
        print(f"[{args.label}] after: RSS total {rss:.0f} MB (per process {each}), PSS total "
              f"{pss:.0f} MB; load average {' '.join(map(str, os.getloadavg()))}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        logf.close()


if __name__ == "__main__":
    main()
