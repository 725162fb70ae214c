"""What hybrid search costs per query, in memory and on disk (QASEARCH_HYBRID=1 index).

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_latency.py [--index DIR] [--repeat 3]

On the MedQuAD evaluation index with embeddings (built, or reused, under
`$QASEARCH_CACHE_DIR/hybrid` as `bench/hybrid_fit.py` does), every lay search and LiveQA
question is searched with hybrid search off and on, alternately (in-process, after warm-up;
the kept query embeddings are dropped before each hybrid search, so the model runs every
time). Prints p50 / p95 of wall time and of this process's CPU time (the machine is shared:
CPU time is what the query costs when the cores are free), p50 of what hybrid search adds to
the same query, the query-embedding time alone, the resident memory added by the model and
the generation's embeddings, and the size of vectors.npy.
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
from indexer.index.vectors import QUESTIONS, VECTORS  # noqa: E402
from indexer.search import search  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_pairs(s: object, queries: list[str], repeat: int, forget: object
                ) -> dict[str, tuple[list[float], list[float]]]:
    """mode -> (wall ms, CPU ms) per search, lexical and hybrid alternately per query."""
    out: dict[str, tuple[list[float], list[float]]] = {"lexical": ([], []), "hybrid": ([], [])}
    for _ in range(repeat):
        for q in queries:
            for mode, flag in (("lexical", "0"), ("hybrid", "1")):
                os.environ["QASEARCH_HYBRID"] = flag
                forget()
                w, c = time.perf_counter(), time.process_time()
                search(s, q)
                out[mode][0].append((time.perf_counter() - w) * 1000)
                out[mode][1].append((time.process_time() - c) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", help="an index built with QASEARCH_HYBRID=1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                    help="the shared data folder (default: ../shared)")
    args = ap.parse_args()
    shared = args.shared
    paths = LiveQAPaths.defaults(shared)
    os.environ["QASEARCH_HYBRID"] = "1"
    index_dir = Path(args.index) if args.index else cached_index(
        eval_corpus(paths), default_cache_dir() / "hybrid")
    lay = [q.query for q in load_lay(shared / "data" / "lay" / "dev.jsonl")]
    queries = lay + [q.text for q in load_liveqa_questions(paths.questions)]
    store = IndexStore(index_dir)
    with store.searcher() as s:
        os.environ["QASEARCH_HYBRID"] = "0"
        for q in queries:
            search(s, q)
        before = rss_mb()
        os.environ["QASEARCH_HYBRID"] = "1"
        for q in queries:
            search(s, q)  # loads the model and the embeddings (when a query is fused)
        after = rss_mb()
        from indexer.text import embed

        # (a checkout before the query embedder and its kept queries: the records' embedder)
        model = getattr(embed, "query_embedder", embed.embedder)()
        rows = timed_pairs(s, queries, args.repeat, getattr(model, "forget_queries", list))
        enc = []
        for q in queries:
            c = time.process_time()
            model.encode([q])
            enc.append((time.process_time() - c) * 1000)
        size = (s.gen.path / VECTORS).stat().st_size / 2**20
        qpath = s.gen.path / QUESTIONS
        qsize = qpath.stat().st_size / 2**20 if qpath.exists() else 0.0
    print(f"index {index_dir}; {len(queries)} queries x {args.repeat}; load average "
          f"{os.getloadavg()[0]:.2f} (2 cores)")
    for name, (wall, cpu) in rows.items():
        print(f"{name:8s} wall p50 {pct(wall, 50):6.1f} ms p95 {pct(wall, 95):6.1f} ms | "
              f"CPU p50 {pct(cpu, 50):6.1f} ms p95 {pct(cpu, 95):6.1f} ms")
    (lw, lc), (hw, hc) = rows["lexical"], rows["hybrid"]
    added_w = [h - lx for h, lx in zip(hw, lw, strict=True)]
    added_c = [h - lx for h, lx in zip(hc, lc, strict=True)]
    print(f"hybrid adds (same query): wall p50 {pct(added_w, 50):.1f} ms p95 "
          f"{pct(added_w, 95):.1f} ms | CPU p50 {pct(added_c, 50):.1f} ms p95 "
          f"{pct(added_c, 95):.1f} ms")
    n_lay, n = len(lay), len(queries)
    long_ = {i for i, q in enumerate(queries) if len(q.split()) >= 40}
    for name, part in (("lay searches", lambda i: i % n < n_lay),
                       ("LiveQA messages", lambda i: i % n >= n_lay),
                       ("  of 40+ words", lambda i: i % n in long_)):
        sel = [d for i, d in enumerate(added_w) if part(i)]
        cpu = [d for i, d in enumerate(added_c) if part(i)]
        print(f"  {name}: wall p50 {pct(sel, 50):.1f} ms p95 {pct(sel, 95):.1f} ms | CPU p50 "
              f"{pct(cpu, 50):.1f} ms p95 {pct(cpu, 95):.1f} ms")
    print(f"query embedding alone: CPU p50 {pct(enc, 50):.1f} ms p95 {pct(enc, 95):.1f} ms")
    print(f"max RSS {before:.0f} MB lexical -> {after:.0f} MB with the model and embeddings; "
          f"{VECTORS} {size:.1f} MB, {QUESTIONS} {qsize:.1f} MB (memory-mapped)")

if __name__ == "__main__":
    main()
