"""What hybrid search costs per query, in memory and on disk (QASEARCH_HYBRID=1 index).

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_latency.py [--index DIR] [--repeat 3]

On the MedQuAD evaluation index with embeddings (built, or reused, under
`$QASEARCH_CACHE_DIR/hybrid` as `qasearch eval ... --hybrid` does), every lay search and LiveQA
question is searched with hybrid search off then on (in-process, after warm-up). Prints p50 /
p95 of wall time and of this process's CPU time (the machine is shared: CPU time is what the
query costs when the cores are free), the query-embedding time alone, the resident memory
added by the model and the generation's embeddings, and the size of vectors.npy.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.datasets import load_liveqa_questions  # noqa: E402
from indexer.eval.lay import load_lay  # noqa: E402
from indexer.eval.liveqa import LiveQAPaths, cached_index, default_cache_dir, eval_corpus  # noqa: E402
from indexer.index.store import IndexStore  # noqa: E402
from indexer.index.vectors import VECTORS  # noqa: E402
from indexer.search import search  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(s: object, queries: list[str], repeat: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(repeat):
        for q in queries:
            w, c = time.perf_counter(), time.process_time()
            search(s, q)
            wall.append((time.perf_counter() - w) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", help="an index built with QASEARCH_HYBRID=1")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    shared = ROOT.parent / "shared"
    paths = LiveQAPaths.defaults(shared)
    os.environ["QASEARCH_HYBRID"] = "1"
    index_dir = Path(args.index) if args.index else cached_index(
        eval_corpus(paths), default_cache_dir() / "hybrid")
    queries = [q.query for q in load_lay(shared / "data" / "lay" / "dev.jsonl")]
    queries += [q.text for q in load_liveqa_questions(paths.questions)]
    store = IndexStore(index_dir)
    rows = {}
    with store.searcher() as s:
        os.environ["QASEARCH_HYBRID"] = "0"
        for q in queries[:5]:
            search(s, q)
        before = rss_mb()
        rows["lexical"] = timed(s, queries, args.repeat)
        os.environ["QASEARCH_HYBRID"] = "1"
        for q in queries[:5]:
            search(s, q)  # loads the model and the embeddings
        after = rss_mb()
        rows["hybrid"] = timed(s, queries, args.repeat)
        from indexer.text.embed import embedder

        model = embedder()
        enc = []
        for q in queries:
            c = time.process_time()
            model.encode([q])
            enc.append((time.process_time() - c) * 1000)
        size = (s.gen.path / VECTORS).stat().st_size / 2**20
    print(f"index {index_dir}; {len(queries)} queries x {args.repeat}; load average "
          f"{os.getloadavg()[0]:.2f} (2 cores)")
    for name, (wall, cpu) in rows.items():
        print(f"{name:8s} wall p50 {pct(wall, 50):6.1f} ms p95 {pct(wall, 95):6.1f} ms | "
              f"CPU p50 {pct(cpu, 50):6.1f} ms p95 {pct(cpu, 95):6.1f} ms")
    print(f"query embedding alone: CPU p50 {pct(enc, 50):.1f} ms p95 {pct(enc, 95):.1f} ms")
    print(f"max RSS {before:.0f} MB lexical -> {after:.0f} MB with the model and embeddings; "
          f"{VECTORS} {size:.1f} MB (memory-mapped)")


if __name__ == "__main__":
    main()
