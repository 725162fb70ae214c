"""Load test of `GET /api/search` against a running `qasearch serve` (loopback only).

    qasearch index --source ../shared/data/medquad \
        --source ../shared/data/liveqa/judged-answers.csv --index /tmp/medquad-index
    qasearch serve --index /tmp/medquad-index --port 5055 --rate-limit '' --threads 16 &
    python bench/api_load.py --base http://127.0.0.1:5055 --clients 16 --duration 30

Short queries are symptom/condition keywords (some misspelt); long queries are the 104 LiveQA
consumer questions (subject + message), read from ../shared when present. Each client thread
keeps one HTTP/1.1 connection alive and sends requests back to back for `--duration` seconds
(bounded: at most `--max-requests` in all). Prints requests/s and latency percentiles per
query kind, and the server-side time (`meta.took_ms`) for comparison.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QASEARCH_SHARED", ROOT.parent / "shared"))  # a worktree: set it
LIVEQA = SHARED / "data" / "liveqa" / "TREC-2017-LiveQA-Medical-Test-Questions-w-summaries.xml"

SHORT = [
    "back pain", "lower back pain", "sciatica", "headache", "migraine", "insomnia",
    "high blood pressure", "diabetes", "asthma", "eczema", "arthritis", "knee pain",
    "anxiety", "depression", "chest pain", "fever", "cough", "sore throat", "glaucoma",
    "shingles", "psoriasis", "gout", "thyroid", "anemia", "pnuemonia", "accupuncture",
    "diabetis", "alzheimers", "parkinson disease", "kidney stones", "heart attack",
    "stroke symptoms", "breast cancer", "prostate cancer", "hepatitis c", "lupus",
    "multiple sclerosis", "osteoporosis", "vitamin d deficiency", "pins and needles",
]


def long_queries() -> list[str]:
    if not LIVEQA.exists():
        sys.exit(f"long queries need {LIVEQA} (the shared LiveQA questions)")
    sys.path.insert(0, str(ROOT))
    from indexer.eval.datasets import load_liveqa_questions

    return [q.text[:2000] for q in load_liveqa_questions(LIVEQA) if q.text.strip()]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"short": [], "long": []})
    server_ms: dict[str, list[float]] = field(default_factory=lambda: {"short": [], "long": []})
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def client(host: str, port: int, work: list[tuple[str, str]], stop_at: float, budget: list[int],
           stats: Stats, limit: int, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    while time.monotonic() < stop_at:
        with stats.lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        kind, q = rng.choice(work)
        path = search_path(q, limit)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            with stats.lock:
                stats.errors += 1
            continue
        dt = (time.perf_counter() - t0) * 1000
        took = None
        if resp.status == 200:
            try:
                took = json.loads(body)["meta"]["took_ms"]
            except (ValueError, KeyError):
                took = None
        with stats.lock:
            stats.statuses[resp.status] = stats.statuses.get(resp.status, 0) + 1
            if resp.status == 200:
                stats.latencies[kind].append(dt)
                if took is not None:
                    stats.server_ms[kind].append(float(took))
    conn.close()


def run(base: str, clients: int, duration: float, mode: str, limit: int,
        max_requests: int, warmup: int) -> Stats:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        sys.exit("this load test only targets a server on this machine (loopback address)")
    work = queries(mode)
    # warm up: every query once (fills per-generation caches, like a server that has been up)
    warm = Stats()
    client(host, port, work[:warmup] if warmup else work, time.monotonic() + 120,
           [len(work)], warm, limit, 0)
    stats = Stats()
    budget = [max_requests]
    stop_at = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(host, port, work, stop_at, budget, stats,
                                                     limit, i)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.elapsed = time.perf_counter() - t0  # type: ignore[attr-defined]
    return stats


def report(stats: Stats, mode: str, clients: int) -> None:
    elapsed = stats.elapsed  # type: ignore[attr-defined]
    ok = sum(len(v) for v in stats.latencies.values())
    print(f"mode={mode} clients={clients} elapsed={elapsed:.1f}s requests_ok={ok} "
          f"statuses={dict(sorted(stats.statuses.items()))} errors={stats.errors}")
    print(f"throughput: {ok / elapsed:.0f} req/s")
    for kind in ("short", "long"):
        lat = stats.latencies[kind]
        if not lat:
            continue
        srv = stats.server_ms[kind]
        print(f"  {kind:5s} n={len(lat):6d}  latency ms p50={pct(lat, 50):7.1f} "
              f"p90={pct(lat, 90):7.1f} p99={pct(lat, 99):7.1f} max={max(lat):7.1f} "
              f"mean={statistics.fmean(lat):6.1f} | server took_ms p50={pct(srv, 50):6.1f} "
              f"p99={pct(srv, 99):6.1f}")


def queries(mode: str) -> list[tuple[str, str]]:
    work: list[tuple[str, str]] = []
    if mode in ("short", "mixed", "all"):
        work += [("short", q) for q in SHORT]
    if mode in ("long", "mixed", "all"):
        work += [("long", q) for q in long_queries()]
    return work


def search_path(q: str, limit: int) -> str:
    return "/api/search?" + urlencode({"q": q, "limit": limit})


def write_paths(out: Path, mode: str, limit: int) -> None:
    lines = [search_path(q, limit) for _, q in queries(mode)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} request paths written to {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:5000")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds per mode")
    ap.add_argument("--mode", choices=["short", "long", "mixed", "all"], default="all")
    ap.add_argument("--limit", type=int, default=10, help="hits per request")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--warmup", type=int, default=0, help="queries to warm up (0: all)")
    ap.add_argument("--paths-out", type=Path, help="write the request paths of --mode (one a "
                    "line) for bench/wrk_queries.lua and exit")
    args = ap.parse_args()
    if args.paths_out:
        write_paths(args.paths_out, args.mode, args.limit)
        return
    modes = ["short", "long", "mixed"] if args.mode == "all" else [args.mode]
    for mode in modes:
        stats = run(args.base, args.clients, args.duration, mode, args.limit,
                    args.max_requests, args.warmup)
        report(stats, mode, args.clients)


if __name__ == "__main__":
    main()
