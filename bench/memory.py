"""Memory of a searching process, and search latency in it (in-process, after warm-up).

    .venv/bin/python bench/memory.py [--index DIR] [--workers N [--distinct N]] [--json]

Opens the index in this process, warms it as a server does (`indexer.search.entry.warm`),
then runs every long and short query of bench/search_latency.py twice; prints the resident
set (RSS), its peak (VmHWM) and the proportional set (PSS: pages shared with other
processes counted in part) after import, after warm-up and after the queries, and search
p50/p95 of the second pass, and what each per-generation cache and per-process memo holds
then (`cache_bytes`: which budget fills, and how much of it). With `--workers N` it also
starts `qasearch serve --workers N --threads 1` on the index, sends every query to it over
HTTP (twice), and prints each worker's RSS / PSS / private memory, split into heap, mapped
index files and code (`regions`), and the totals with and without the master (the figure
issue H's memory target is about: RSS counts the pages the workers share, the memory-mapped
generation, once per process; PSS splits them between the processes). `--distinct N` then
sends N more queries, all different (`distinct_queries`: the index's condition names,
LiveQA questions and the pairs of content words next to each other in them), to the served
workers and measures them again: a long-running server whose caches are full (steady state;
the per-process budget `QASEARCH_CACHE_MB` bounds them). `--json`
prints one JSON object instead (bench/growth.py reads it). The default index is the cached
evaluation index (set QASEARCH_CACHE_DIR to keep it apart from other runs).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status(pid: int | str = "self") -> dict[str, float]:
    """RSS, peak RSS, PSS and private memory (USS: pages no other process maps) of a
    process, in MB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Pss", "Private_Clean", "Private_Dirty"):
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return {"rss": out.get("VmRSS", 0.0), "peak": out.get("VmHWM", 0.0),
            "pss": out.get("Pss", 0.0),
            "private": out.get("Private_Clean", 0.0) + out.get("Private_Dirty", 0.0)}


def regions(pid: int | str, index_dir: Path) -> dict[str, dict[str, float]]:
    """A process's memory by kind of mapping, in MB (RSS / PSS / private): `heap` (the
    heap and anonymous mappings: Python objects, arrays, malloc arenas), `index` (files
    under `index_dir`: the memory-mapped generation, shared by every process that reads it)
    and `code` (every other file: libraries and the interpreter)."""
    out = {k: {"rss": 0.0, "pss": 0.0, "private": 0.0} for k in ("heap", "index", "code")}
    root = str(index_dir.resolve())
    kind = "heap"
    try:
        text = Path(f"/proc/{pid}/smaps").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        head, _, rest = line.partition(" ")
        if "-" in head and not head.endswith(":"):  # a mapping's first line
            path = rest.split(None, 4)[4].strip() if len(rest.split(None, 4)) > 4 else ""
            kind = ("index" if path.startswith(root) else
                    "code" if path.startswith("/") else "heap")
            continue
        field = {"Rss:": "rss", "Pss:": "pss", "Private_Clean:": "private",
                 "Private_Dirty:": "private"}.get(head)
        if field:
            out[kind][field] += int(rest.split()[0]) / 1024
    return {k: {f: round(v, 1) for f, v in d.items()} for k, d in out.items()}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def queries() -> tuple[list[str], list[str]]:
    """Long (LiveQA questions) and short (two content words, a focus) queries, as
    bench/search_latency.py makes them."""
    from indexer.eval.datasets import load_liveqa_questions
    from indexer.eval.liveqa import LiveQAPaths
    from indexer.text.analysis import STOP_WORDS, words

    qs = load_liveqa_questions(LiveQAPaths.defaults(ROOT.parent / "shared").questions)
    long_q = [q.text for q in qs]
    short_q = []
    for q in qs:
        short_q.append(" ".join([w for w in words(q.text) if w not in STOP_WORDS][:2]))
        short_q.extend(q.foci[:1])
    return long_q, short_q


def distinct_queries(index_dir: Path, n: int) -> list[str]:
    """`n` queries all different from each other and from `queries()`, read from the data:
    the condition names of the index's gazetteer (every one, in a fixed shuffled order),
    interleaved with LiveQA questions and the pairs of adjacent content words in them."""
    import itertools
    import random

    from indexer.index.store import IndexStore
    from indexer.text.analysis import STOP_WORDS, words

    long_q, short_q = queries()
    with IndexStore(index_dir).searcher() as s:
        names = list(s.data.focus_names)  # type: ignore[attr-defined]
    random.Random(1).shuffle(names)
    pairs = []
    for q in long_q:
        content = [w for w in words(q) if w not in STOP_WORDS]
        pairs.extend(f"{a} {b}" for a, b in itertools.pairwise(content))
    random.Random(2).shuffle(pairs)
    seen = {q.lower() for q in long_q + short_q}
    out: list[str] = []
    for group in zip(names, pairs, strict=False):
        for q in group:
            if q.lower() not in seen:
                seen.add(q.lower())
                out.append(q)
    out.extend(q for q in names[len(pairs):] if q.lower() not in seen)
    if len(out) < n:
        raise SystemExit(f"only {len(out)} distinct queries in the data, asked for {n}")
    return out[:n]


def in_process(index_dir: Path) -> dict:
    """Memory and latency of this process searching `index_dir`."""
    from indexer.index.store import IndexStore
    from indexer.search import search
    from indexer.search.entry import warm

    result: dict = {"index": str(index_dir), "after_import": status()}
    long_q, short_q = queries()
    store = IndexStore(index_dir)
    t = time.perf_counter()
    with store.searcher() as s:
        warm(s)
    result["warm_s"] = round(time.perf_counter() - t, 2)
    result["after_warm"] = status()
    for name, qs in (("long", long_q), ("short", short_q)):
        times = []
        for _ in range(2):
            times = []  # the second pass is measured
            for q in qs:
                t = time.perf_counter()
                with store.searcher() as s:
                    search(s, q, limit=10)
                times.append((time.perf_counter() - t) * 1000)
        result[name] = {"n": len(times), "p50_ms": round(statistics.median(times), 2),
                        "p95_ms": round(pct(times, 95), 2)}
    result["after_queries"] = status()
    with store.searcher() as s:
        result["caches"] = cache_bytes(s)
    return result


def cache_bytes(s: object) -> dict[str, float]:
    """What each per-generation cache and per-process memo of a searcher's process holds,
    in MB: byte-bounded caches by their own count, others by `caches.sizeof` (an estimate;
    memory-mapped arrays count nothing). Tells which budget fills and what it is worth."""
    import dataclasses

    import cachetools

    from indexer.index.caches import ByteLRU, sizeof
    from indexer.text import analysis

    def held(value: object) -> int:
        if isinstance(value, ByteLRU):
            return value.bytes
        if isinstance(getattr(value, "cache", None), ByteLRU):  # a byte_lru function
            return value.cache.bytes  # type: ignore[attr-defined]
        if isinstance(value, cachetools.Cache):
            return int(value.currsize)
        lrus = [v for v in getattr(value, "__dict__", {}).values() if isinstance(v, ByteLRU)]
        return sum(v.bytes for v in lrus) if lrus else sizeof(value)

    gen = s.gen  # type: ignore[attr-defined]
    out = {f"gen.cache[{k}]": held(v) for k, v in gen.cache.items()}
    caches = gen.data.caches
    for f in dataclasses.fields(caches):
        value = getattr(caches, f.name)
        if value is not None and not isinstance(value, bool):
            out[f"data.caches.{f.name}"] = held(value)
    out["analysis term memo"] = analysis.memo_bytes()
    out["analysis stem memo (entries)"] = analysis.stem.cache_info().currsize
    return {k: round(v / 1e6, 2) if "entries" not in k else v for k, v in out.items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def served(index_dir: Path, workers: int, distinct: int = 0) -> dict:
    """Each worker's memory after serving every query twice (`qasearch serve`), and, with
    `distinct`, after that many distinct queries more (`steady`)."""
    port = _free_port()
    env = {**os.environ, "QASEARCH_RATE_LIMIT": "1000000/minute"}
    cmd = [str(ROOT / ".venv" / "bin" / "qasearch"), "serve", "--index", str(index_dir),
           "--port", str(port), "--workers", str(workers), "--threads", "1"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def output() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")

    try:
        deadline = time.monotonic() + 120
        while True:  # listening, and every worker warm (its "Worker ready" line)
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).read()  # noqa: S310 (http, ours)
                if output().count("Worker ready") >= workers:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {output()[-500:]}")
            time.sleep(0.5)
        long_q, short_q = queries()
        _send(base, [*long_q, *short_q] * 2)
        result = {"workers": workers, **_measure(proc.pid, index_dir)}
        if distinct:
            t = time.perf_counter()
            _send(base, distinct_queries(index_dir, distinct))
            result["steady"] = {"queries": distinct,
                                "seconds": round(time.perf_counter() - t, 1),
                                **_measure(proc.pid, index_dir)}
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _send(base: str, qs: list[str]) -> None:
    for q in qs:
        url = f"{base}/api/search?{urllib.parse.urlencode({'q': q})}"
        urllib.request.urlopen(url, timeout=60).read()  # noqa: S310 (http, ours)


def _measure(master_pid: int, index_dir: Path) -> dict:
    """The master's and each worker's memory, and the totals."""
    kids = _children(master_pid)
    per = {str(pid): status(pid) for pid in kids}
    for pid in kids:
        per[str(pid)]["regions"] = regions(pid, index_dir)
    master = status(master_pid)
    master["regions"] = regions(master_pid, index_dir)
    every = [master, *per.values()]
    return {"master": master, "per_worker": per,
            "total_rss": round(sum(v["rss"] for v in every), 1),
            "total_pss": round(sum(v["pss"] for v in every), 1),
            "workers_rss": round(sum(v["rss"] for v in per.values()), 1),
            "workers_pss": round(sum(v["pss"] for v in per.values()), 1)}


def _print_served(sv: dict, head: str) -> None:
    print(head)
    for name, m in [*((f"worker {p}", m) for p, m in sv["per_worker"].items()),
                    ("master", sv["master"])]:
        print(f"{name}: RSS {m['rss']:.1f} MB  PSS {m['pss']:.1f} MB  "
              f"private {m['private']:.1f} MB")
        print("    " + "; ".join(
            f"{k} RSS {r['rss']:.1f} PSS {r['pss']:.1f} private {r['private']:.1f}"
            for k, r in m["regions"].items()))
    print(f"{len(sv['per_worker'])} workers: RSS {sv['workers_rss']:.1f} MB, PSS "
          f"{sv['workers_pss']:.1f} MB; with the master: total RSS {sv['total_rss']:.1f} MB, "
          f"total PSS {sv['total_pss']:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", help="index directory (default: the cached evaluation index)")
    ap.add_argument("--workers", type=int, default=0, help="also measure N gunicorn workers")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--served-only", action="store_true",
                    help="with --workers: measure the served workers only (not this process)")
    ap.add_argument("--distinct", type=int, default=0, metavar="N",
                    help="with --workers: then N distinct queries more, and measure again "
                         "(steady state)")
    args = ap.parse_args()
    if (args.served_only or args.distinct) and not args.workers:
        ap.error("--served-only and --distinct need --workers N")
    if args.index:
        index_dir = Path(args.index)
    else:
        from indexer.eval.liveqa import LiveQAPaths, cached_index, default_cache_dir, eval_corpus

        paths = LiveQAPaths.defaults(ROOT.parent / "shared")
        index_dir = cached_index(eval_corpus(paths), default_cache_dir())
    result = {} if args.served_only else in_process(index_dir)
    result["load"] = round(os.getloadavg()[0], 2)
    if args.workers:
        result["served"] = served(index_dir, args.workers, args.distinct)
    if args.json:
        print(json.dumps(result))
        return
    print(f"index {index_dir}; load average {result['load']:.2f}")
    for stage in ("after_import", "after_warm", "after_queries"):
        if stage not in result:
            continue
        m = result[stage]
        print(f"{stage:<14} RSS {m['rss']:7.1f} MB  peak {m['peak']:7.1f} MB  "
              f"PSS {m['pss']:7.1f} MB  private {m['private']:7.1f} MB")
    for name, mb in result.get("caches", {}).items():
        print(f"  {name:<40} {mb}")
    for name in ("long", "short"):
        if name not in result:
            continue
        r = result[name]
        print(f"{name:<6} n={r['n']:<4} p50={r['p50_ms']:6.1f} ms  p95={r['p95_ms']:6.1f} ms")
    if args.workers:
        sv = result["served"]
        _print_served(sv, "served, after every query twice:")
        if "steady" in sv:
            st = sv["steady"]
            _print_served(st, f"then after {st['queries']} distinct queries ({st['seconds']} s):")


if __name__ == "__main__":
    main()
