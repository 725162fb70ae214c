"""Search latency on the evaluation corpus (in-process, after warm-up).

    .venv/bin/python bench/search_latency.py [--index DIR] [--repeat 3]

Long queries: the LiveQA questions in ../shared (SUBJECT + MESSAGE); short queries: their
first two content words and the LiveQA foci. Builds (or reuses) the cached evaluation index when
--index is not given. Prints p50/p95/max in ms for each kind, and the machine load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.datasets import load_liveqa_questions  # noqa: E402
from indexer.eval.liveqa import LiveQAPaths, cached_index, default_cache_dir, eval_corpus  # noqa: E402
from indexer.index.store import IndexStore  # noqa: E402
from indexer.search import search  # noqa: E402
from indexer.text.analysis import STOP_WORDS, words  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", help="index directory (default: the cached evaluation index)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    paths = LiveQAPaths.defaults(ROOT.parent / "shared")
    index_dir = Path(args.index) if args.index else cached_index(
        eval_corpus(paths), default_cache_dir()
    )
    qs = load_liveqa_questions(paths.questions)
    long_q = [q.text for q in qs]
    short_q = []
    for q in qs:
        content = [w for w in words(q.text) if w not in STOP_WORDS][:2]
        short_q.append(" ".join(content))
        short_q.extend(q.foci[:1])
    store = IndexStore(index_dir)
    with store.searcher() as s:
        for q in long_q[:5] + short_q[:5]:  # warm-up: load the generation, caches
            search(s, q)
    print(f"index {index_dir}; load average {os.getloadavg()[0]:.2f} (2 cores)")
    for name, queries in (("long", long_q), ("short", short_q)):
        times = []
        for _ in range(args.repeat):
            for q in queries:
                t = time.perf_counter()
                with store.searcher() as s:
                    search(s, q, limit=10)
                times.append((time.perf_counter() - t) * 1000)
        # the first pass meets every query (and most records) for the first time: no help
        # from the per-generation caches of terms, phrases, spellings and decoded records
        first = times[: len(queries)]
        print(f"{name:<6} n={len(times):<5} p50={statistics.median(times):6.1f} ms  "
              f"p95={pct(times, 95):6.1f} ms  max={max(times):6.1f} ms  | first pass "
              f"p50={statistics.median(first):6.1f} ms  p95={pct(first, 95):6.1f} ms")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
