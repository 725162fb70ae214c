"""Search latency on the evaluation corpus (in-process, after warm-up).

    .venv/bin/python bench/search_latency.py [--index DIR] [--repeat 3]
    # before/after in one run: this tree against other checkouts (e.g. a `git worktree` of
    # the commit before a change), one searching process per tree, interleaved per query;
    # TREE=INDEX gives that tree its own index (an older tree cannot always read a newer
    # index format: build one with that tree's code), TREE alone searches this tree's index
    .venv/bin/python bench/search_latency.py --against /tmp/base=/tmp/base-index [--repeat 5]

Long queries: the LiveQA questions in ../shared (SUBJECT + MESSAGE); short queries: their
first two content words and the LiveQA foci. Builds (or reuses) the cached evaluation index when
--index is not given.

Alone: p50/p95/max in ms for each kind over `--repeat` passes (wall clock, and the CPU time of
the searching thread), the first pass apart, and the machine load. With --against: each query
is searched by every tree's process in turn, `--repeat` times (the order alternating), and a
query's time is its fastest of those: on a shared, busy machine that is the figure that
compares trees fairly (they meet the same load at the same moment); p50/p95 over the queries.
The warm-up pass (each query once, cold) is reported too, as the first pass.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QASEARCH_SHARED", ROOT.parent / "shared"))  # a worktree: set it
TREE_VAR = "QASEARCH_BENCH_TREE"  # the checkout whose code a worker process runs
sys.path.insert(0, os.environ.get(TREE_VAR, str(ROOT)))

from indexer.eval.datasets import load_liveqa_questions  # noqa: E402
from indexer.eval.liveqa import LiveQAPaths, cached_index, default_cache_dir, eval_corpus  # noqa: E402
from indexer.index.store import IndexStore  # noqa: E402
from indexer.search import search  # noqa: E402
from indexer.text.analysis import STOP_WORDS, words  # noqa: E402

KINDS = ("long", "short")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def queries(paths: LiveQAPaths) -> dict[str, list[str]]:
    qs = load_liveqa_questions(paths.questions)
    short_q = []
    for q in qs:
        content = [w for w in words(q.text) if w not in STOP_WORDS][:2]
        short_q.append(" ".join(content))
        short_q.extend(q.foci[:1])
    return {"long": [q.text for q in qs], "short": short_q}


def timed(store: IndexStore, q: str) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread) of one search of `q`, page 1."""
    t, c = time.perf_counter(), time.thread_time()
    with store.searcher() as s:
        search(s, q, limit=10)
    return (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000


def alone(index_dir: Path, kinds: dict[str, list[str]], repeat: int) -> None:
    store = IndexStore(index_dir)
    with store.searcher() as s:
        for q in kinds["long"][:5] + kinds["short"][:5]:  # warm-up: load the generation, caches
            search(s, q)
    print(f"index {index_dir}; load average {os.getloadavg()[0]:.2f} (2 cores)")
    for name, qs in kinds.items():
        got = [timed(store, q) for _ in range(repeat) for q in qs]
        wall, cpu = [w for w, _ in got], [c for _, c in got]
        # the first pass meets every query (and most records) for the first time: no help
        # from the per-generation caches of terms, phrases, spellings and decoded records
        first = wall[: len(qs)]
        print(f"{name:<6} n={len(wall):<5} p50={statistics.median(wall):6.2f} ms  "
              f"p95={pct(wall, 95):6.2f} ms  max={max(wall):6.1f} ms | cpu p50="
              f"{statistics.median(cpu):6.2f} p95={pct(cpu, 95):6.2f} | first pass "
              f"p50={statistics.median(first):6.2f} p95={pct(first, 95):6.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def worker(index_dir: Path) -> None:
    """Search each query read from stdin (a JSON line); answer (wall, cpu) as a JSON line."""
    store = IndexStore(index_dir)
    out, sys.stdout = sys.stdout, sys.stderr  # nothing else may write to the answers
    for line in sys.stdin:
        out.write(json.dumps(timed(store, json.loads(line))) + "\n")
        out.flush()


def tree_and_index(spec: str, default_index: Path) -> tuple[Path, Path]:
    """`TREE=INDEX` (or `TREE`: it searches `default_index`) as resolved paths."""
    tree, sep, index = spec.partition("=")
    if not tree or (sep and not index):
        raise argparse.ArgumentTypeError(f"--against wants TREE or TREE=INDEX, not {spec!r}")
    return Path(tree).resolve(), Path(index).resolve() if sep else default_index


def against(runs: list[tuple[Path, Path]], kinds: dict[str, list[str]], repeat: int) -> None:
    """Every (tree, index)'s process searches each query in turn; per query its fastest
    time. Each process runs its tree's code (its own bench script, so that an older tree
    answers in the protocol it knows) on its own index."""
    trees = [tree for tree, _ in runs]
    procs = [subprocess.Popen(
        [sys.executable, str(tree / "bench" / "search_latency.py"), "--index", str(index),
         "--worker"],
        env={**os.environ, TREE_VAR: str(tree)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True) for tree, index in runs]

    def ask(i: int, q: str) -> tuple[float, float]:
        procs[i].stdin.write(json.dumps(q) + "\n")  # type: ignore[union-attr]
        procs[i].stdin.flush()  # type: ignore[union-attr]
        return tuple(json.loads(procs[i].stdout.readline()))  # type: ignore[union-attr,return-value]

    try:
        # warm-up: every query once, timed apart (the first pass, cold: each query's terms,
        # snippet heads and records met for the first time; the first query also loads the
        # generation); the trees' order alternating per query
        first: list[list[tuple[float, float]]] = [[] for _ in trees]
        for k, q in enumerate(kinds["long"] + kinds["short"]):
            for i in range(len(trees)) if k % 2 == 0 else reversed(range(len(trees))):
                first[i].append(ask(i, q))
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores); first pass: each query once, "
              f"cold")
        n_long = len(kinds["long"])
        for name, part in (("long", slice(0, n_long)), ("short", slice(n_long, None))):
            for i, tree in enumerate(trees):
                wall, cpu = [w for w, _ in first[i][part]], [c for _, c in first[i][part]]
                print(f"{name:<6} n={len(wall):<4} p50={statistics.median(wall):6.2f} ms  "
                      f"p95={pct(wall, 95):6.2f} ms | cpu p50={statistics.median(cpu):6.2f} "
                      f"p95={pct(cpu, 95):6.2f}  {tree} (first pass)")
        print(f"then per query the fastest of {repeat}")
        for name, qs in kinds.items():
            best = [[(1e9, 1e9)] * len(qs) for _ in trees]
            for k, q in enumerate(qs):
                for r in range(repeat):
                    order = range(len(trees)) if r % 2 == 0 else reversed(range(len(trees)))
                    for i in order:
                        w, c = ask(i, q)
                        best[i][k] = (min(best[i][k][0], w), min(best[i][k][1], c))
            for i, tree in enumerate(trees):
                wall, cpu = [w for w, _ in best[i]], [c for _, c in best[i]]
                print(f"{name:<6} n={len(qs):<4} p50={statistics.median(wall):6.2f} ms  "
                      f"p95={pct(wall, 95):6.2f} ms | cpu p50={statistics.median(cpu):6.2f} "
                      f"p95={pct(cpu, 95):6.2f}  {tree} on {runs[i][1]}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        for p in procs:
            p.stdin.close()  # type: ignore[union-attr]
            p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="index directory (default: the cached evaluation index)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--against", action="append", default=[], metavar="TREE[=INDEX]",
                    help="another checkout to measure on the same queries (repeatable), on "
                         "its own INDEX if given, else on this tree's")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    paths = LiveQAPaths.defaults(SHARED)
    index_dir = Path(args.index) if args.index else cached_index(
        eval_corpus(paths), default_cache_dir()
    )
    if args.worker:
        worker(index_dir)
    elif args.against:
        try:
            others = [tree_and_index(a, index_dir) for a in args.against]
        except argparse.ArgumentTypeError as e:
            ap.error(str(e))
        against([(ROOT, index_dir), *others], queries(paths), max(1, args.repeat))
    else:
        alone(index_dir, queries(paths), max(1, args.repeat))


if __name__ == "__main__":
    main()
