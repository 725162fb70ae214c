"""Similar questions give the same answers before and after a change that must not alter them
(memory or speed work on `indexer.editors.similar`), and what the question index costs.

    .venv/bin/python bench/similar_identity.py record OUT.json [--index DIR]
    .venv/bin/python bench/similar_identity.py compare --baseline OUT.json [--index DIR]
    .venv/bin/python bench/similar_identity.py memory [--index DIR]

On the MedQuAD evaluation index (`--index`, default: the cached evaluation index; set
QASEARCH_CACHE_DIR to keep it apart from other runs), ~300 drafts: every 120th archived
question of the index itself (searched with and without excluding its own record) and every
30th distinct consumer question of the RQE *train* split (never the test split). For each
draft it records the ids of its candidates, the 25 best (id, raw score, features, focus
variant, asked cover) with numbers rounded to 1e-9, the search's ten hits (ids, scores,
verdicts, flags, explanations) and the spelling corrections. `compare` exits 1 on any
difference. `memory` prints the (server's, lazy) question index's build time, its traced
Python allocations (tracemalloc, a second build) and the process's RSS before and after.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import sys
import time
import tracemalloc
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from indexer.eval.liveqa import (  # noqa: E402
    LiveQAPaths,
    cached_index,
    default_cache_dir,
    eval_corpus,
)
from indexer.eval.rqe.sets import load_set, rqe_path  # noqa: E402
from indexer.index.store import IndexStore  # noqa: E402

TOP = 25


def _r(x: float) -> float:
    return round(float(x), 9)


def index_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    paths = LiveQAPaths.defaults(ROOT.parent / "shared")
    return cached_index(eval_corpus(paths), default_cache_dir())


def drafts(qi: Any) -> list[tuple[str, str | None]]:
    """(draft text, id to exclude) pairs: archived questions and RQE train consumer questions."""
    out: list[tuple[str, str | None]] = []
    n = len(qi)
    for k, i in enumerate(range(0, n, 120)):
        e = qi.entries[i]
        out.append((e.question, e.id if k % 2 == 0 else None))
    rset = load_set(rqe_path(ROOT.parent / "shared", "train"))
    chqs = sorted({p.chq.strip() for p in rset.pairs})
    out.extend((q, None) for q in chqs[::30])
    return out


def one(qi: Any, text: str, exclude: str | None) -> dict[str, Any]:
    d = qi.draft(text)
    cands = qi.candidates(d)
    scored = qi.score_entries(d, cands)[:TOP]
    top = []
    for raw, i, feats, fi in scored:
        e = qi.entries[i]
        top.append({"id": e.id, "raw": _r(raw), "fi": fi,
                    "feats": {k: _r(v) for k, v in sorted(feats.items())},
                    "asked": _r(qi.asked_cover(d, e))})
    hits = [asdict(h) for h in qi.search(text, limit=10, exclude_id=exclude)]
    for h in hits:
        h["score"] = _r(h["score"])
        h["threshold"] = _r(h["threshold"])
    return {"text": text, "exclude": exclude, "corrections": d.corrections,
            "candidates": sorted(qi.entries[i].id for i in cands), "top": top, "hits": hits}


def collect(idx: Path) -> dict[str, Any]:
    from indexer.editors.similar import question_index

    with IndexStore(idx).searcher() as s:
        qi = question_index(s)
        return {"entries": len(qi), "drafts": [one(qi, t, x) for t, x in drafts(qi)]}


def _diffs(a: Any, b: Any, where: str) -> list[str]:
    if type(a) is not type(b):
        return [f"{where}: {a!r} != {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{where}.{k}: only in {'baseline' if k in a else 'now'}")
            else:
                out.extend(_diffs(a[k], b[k], f"{where}.{k}"))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _diffs(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(idx: Path) -> dict[str, Any]:
    from indexer.editors.similar import QuestionIndex
    from indexer.search import all_records

    out: dict[str, Any] = {}
    # the server's form (older code had only one)
    lazy = {"lazy": True} if "lazy" in inspect.signature(QuestionIndex.from_records).parameters \
        else {}
    with IndexStore(idx).searcher() as s:
        recs = list(all_records(s))
        gc.collect()
        out["rss_before_mb"] = round(rss_mb(), 1)
        t = time.perf_counter()
        qi = QuestionIndex.from_records(recs, **lazy)
        out["build_s"] = round(time.perf_counter() - t, 2)
        gc.collect()
        out["rss_after_mb"] = round(rss_mb(), 1)
        t = time.perf_counter()
        for text, x in drafts(qi)[:100]:
            qi.search(text, limit=10, exclude_id=x)
        out["search_100_s"] = round(time.perf_counter() - t, 2)
        gc.collect()
        out["rss_after_searches_mb"] = round(rss_mb(), 1)
        del qi
        gc.collect()
        tracemalloc.start()
        qi = QuestionIndex.from_records(recs, **lazy)
        gc.collect()
        cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["traced_mb"] = round(cur / 2**20, 1)
        out["traced_peak_mb"] = round(peak / 2**20, 1)
        out["entries"] = len(qi)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["record", "compare", "memory"])
    ap.add_argument("out", nargs="?", help="record: where to write the results")
    ap.add_argument("--baseline", help="compare: the recorded results")
    ap.add_argument("--index", help="MedQuAD index (default: the cached evaluation index)")
    args = ap.parse_args()
    idx = index_dir(args.index)
    if args.mode == "memory":
        print(json.dumps(memory(idx), indent=1))
        return
    now = collect(idx)
    if args.mode == "record":
        if not args.out:
            ap.error("record needs OUT")
        Path(args.out).write_text(json.dumps(now, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"recorded {len(now['drafts'])} drafts over {now['entries']} entries -> {args.out}")
        return
    if not args.baseline:
        ap.error("compare needs --baseline")
    base = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    diffs = _diffs(base, json.loads(json.dumps(now, ensure_ascii=False)), "")
    for d in diffs[:40]:
        print(d)
    print(f"{len(diffs)} differences over {len(now['drafts'])} drafts")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
