"""Guard for speed work on the search core: are search results exactly what they were?

    # before a change: record what search returns
    .venv/bin/python bench/compare_results.py record --out /tmp/baseline.json \
        --index /tmp/medquad-index
    # after it: compare (exit status 1 on any difference)
    .venv/bin/python bench/compare_results.py compare --baseline /tmp/baseline.json \
        --index /tmp/medquad-index

On the MedQuAD index (`--index`, default: the cached evaluation index): the 104 LiveQA
questions in both forms (original SUBJECT + MESSAGE and NLM summary) and the short queries of
bench/api_load.py, each as `search(...)` (page 1 and page 2, whole result: hits, snippets,
matches, facets, notices, understood), as typed (`autocorrect=False`), within the first
facet's category, and as `rank_ids` (the first 200 ids with their unrounded scores). On the
sample archive (`--sample-index`, default: built from scraped/ into a temporary folder): the
visitor queries of tests/test_search_sample.py the same way. Keep the baseline outside the
repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
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
    liveqa_topics,
)
from indexer.index.store import IndexStore, Session  # noqa: E402
from indexer.search import rank_ids, search  # noqa: E402

RANK_DEPTH = 200


def _sample_queries() -> list[str]:
    sys.path.insert(0, str(ROOT / "tests" / "search"))
    from test_search_sample import TABLE  # the regression table of visitor queries

    extra = ["pins and needles in my hands", "back pain", "lower back pain after epidural",
             "bad back", "\"lower back\" -epidural", "neck OR shoulder", "acupunture needles"]
    return [q for q, _ in TABLE] + extra


def _medquad_queries(paths: LiveQAPaths) -> list[str]:
    from api_load import SHORT

    out = []
    for form in ("original", "summary"):
        out.extend(text for _, text in liveqa_topics(paths.questions, form))
    return out + SHORT


def _one(s: Session, q: str) -> dict[str, Any]:
    first = search(s, q, limit=10)
    out: dict[str, Any] = {
        "page1": first.to_dict(),
        "page2": search(s, q, limit=10, offset=10).to_dict(),
        "typed": search(s, q, limit=10, autocorrect=False).to_dict(),
        "rank": [[rid, float(score)] for rid, score in rank_ids(s, q, limit=RANK_DEPTH)],
    }
    if first.facets:
        out["category"] = search(s, q, category=first.facets[0].path, limit=10).to_dict()
    return out


def collect(index_dir: Path, queries: list[str]) -> dict[str, Any]:
    store = IndexStore(index_dir)
    try:
        with store.searcher() as s:
            return {q: _one(s, q) for q in queries}
    finally:
        store.close()


def _sample_index(tmp: Path) -> Path:
    from indexer.index.build import build_index
    from indexer.ingest.parse import parse_paths

    index_dir = tmp / "sample-index"
    build_index(parse_paths([ROOT / "scraped"]).records, index_dir)
    return index_dir


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    paths = LiveQAPaths.defaults(ROOT.parent / "shared")
    index_dir = Path(args.index) if args.index else cached_index(
        eval_corpus(paths), default_cache_dir())
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(args.sample_index) if args.sample_index else _sample_index(Path(tmp))
        return {
            "medquad": collect(index_dir, _medquad_queries(paths)),
            "sample": collect(sample, _sample_queries()),
        }


def _diffs(a: Any, b: Any, where: str) -> Iterator[str]:
    if type(a) is not type(b):
        yield f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                yield f"{where}.{k}: only in {'baseline' if k in a else 'current'}"
            else:
                yield from _diffs(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            yield from _diffs(x, y, f"{where}[{i}]")
    elif a != b:
        yield f"{where}: {a!r} != {b!r}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["record", "compare"])
    ap.add_argument("--index", help="MedQuAD index (default: the cached evaluation index)")
    ap.add_argument("--sample-index", help="sample archive index (default: built in a temp dir)")
    ap.add_argument("--out", help="record: where to write the results (JSON)")
    ap.add_argument("--baseline", help="compare: the recorded JSON")
    args = ap.parse_args()
    current = run_all(args)
    n = sum(len(v) for v in current.values())
    if args.action == "record":
        if not args.out:
            ap.error("record needs --out")
        Path(args.out).write_text(json.dumps(current, ensure_ascii=False), encoding="utf-8")
        print(f"{n} queries recorded to {args.out}")
        return
    if not args.baseline:
        ap.error("compare needs --baseline")
    base = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    current = json.loads(json.dumps(current, ensure_ascii=False))  # same types as the file
    diffs: list[str] = []
    changed = 0
    for corpus in sorted(set(base) | set(current)):
        b, c = base.get(corpus, {}), current.get(corpus, {})
        for q in sorted(set(b) | set(c)):
            found = list(_diffs(b.get(q), c.get(q), f"{corpus}[{q[:60]!r}]"))
            changed += bool(found)
            diffs.extend(found)
    for d in diffs[:40]:
        print(d)
    print(f"{n} queries compared: {len(diffs)} differences in {changed} queries")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
