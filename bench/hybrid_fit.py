"""Choose the hybrid fusion (method and weight) by cross-validation on every dev set at once.

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_fit.py [--folds 2] [--write]

Needs the embedding libraries (default install). Builds (or reuses) the evaluation
indexes with embeddings under `$QASEARCH_CACHE_DIR/hybrid` (record embeddings are cached by
content hash: the first run embeds the 17,912 MedQuAD records, ~12 min on 2 cores; later
runs embed nothing), ranks every dev question lexically (top `--depth`) and by cosine once,
then scores each fusion of the grid on each set. Each set counts once in the objective:
lay searches (P@1 + Success@3) / 2, the others avgScore / 3.

Cross-validation: the fusion is chosen on one fold of every set's questions and reported on
the other (folds as `qasearch eval all --folds K`: LiveQA's own split, a hash split for the
others). `--write` stores the fusion that is best on all dev questions in
`indexer/data/hybrid_weights.json`, with the held-out figures in its "source".
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GRID = [("score", w) for w in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)] + [
    ("rrf", w) for w in (0.3, 0.4, 0.5, 0.6, 0.7)]


@dataclass
class DevSet:
    name: str
    records: list
    topics: list[tuple[str, str]]
    folds: list[set[str]]
    measure: Callable[[dict, list[str]], dict[str, float]]  # run, qids -> headline metrics
    cache: str


def dev_sets(shared: Path, folds: int) -> list[DevSet]:
    from indexer.eval import lay, mediqa
    from indexer.eval.datasets import load_qrels
    from indexer.eval.folds import fold_members
    from indexer.eval.liveqa import (
        LiveQAPaths,
        eval_corpus,
        evaluate_run,
        liveqa_topics,
        split_qrels,
    )

    paths = LiveQAPaths.defaults(shared)
    med = list(eval_corpus(paths))
    queries = lay.load_lay(shared / "data" / "lay" / "dev.jsonl")
    foci = lay.focus_of(med)

    def lay_measure(run: dict, qids: list[str]) -> dict[str, float]:
        m = lay.evaluate_lay(run, [q for q in queries if q.qid in set(qids)], foci).values
        return {"P@1": m["P@1"], "Success@3": m["Success@3"]}

    def trec(qrels: dict) -> Callable[[dict, list[str]], dict[str, float]]:
        def measure(run: dict, qids: list[str]) -> dict[str, float]:
            m = evaluate_run(run, {q: qrels[q] for q in qids})
            return {"avgScore": m.avg_score, "P@1": m.p_at_1}
        return measure

    out = [DevSet("lay", med, lay.lay_topics(queries),
                  fold_members((q.qid for q in queries), folds), lay_measure, "")]
    mq = mediqa.load_mediqa(mediqa.default_files(shared))
    for form in mediqa.FORMS:
        records, qrels = mediqa.mediqa_corpus(mq, form)
        out.append(DevSet(f"mediqa-{form}", records, mediqa.mediqa_topics(mq),
                          fold_members((q.qid for q in mq), folds), trec(qrels),
                          f"mediqa-{form}"))
    qrels = load_qrels(paths.qrels)
    for form in ("original", "summary"):
        topics = [(q, t) for q, t in liveqa_topics(paths.questions, form) if q in qrels]
        out.append(DevSet(f"liveqa-{form}", med, topics,
                          [set(p) for p in split_qrels(qrels, folds)], trec(qrels), ""))
    return out


def objective(metrics: dict[str, float]) -> float:
    if "Success@3" in metrics:
        return (metrics["P@1"] + metrics["Success@3"]) / 2
    return metrics["avgScore"] / 3


def set_runs(ds: DevSet, cache: Path, depth: int) -> dict[str, dict]:
    """qid -> ranking for the lexical ranking, cosine alone and every fusion of the grid."""
    from indexer.eval.liveqa import cached_index
    from indexer.index.store import IndexStore
    from indexer.index.vectors import load_vectors
    from indexer.search import rank_ids
    from indexer.search.execute import run
    from indexer.search.fuse import Fusion, fuse_ranked
    from indexer.text.embed import embedder

    os.environ["QASEARCH_HYBRID"] = "1"  # the build embeds the records
    index_dir = cached_index(ds.records, cache / ds.cache if ds.cache else cache)
    os.environ["QASEARCH_HYBRID"] = "0"  # lexical ranking alone, fused below
    runs: dict[str, dict] = {"lexical": {}, "cosine": {}, **{f"{m}:{w}": {} for m, w in GRID}}
    qvecs = embedder().encode([t for _, t in ds.topics])
    with IndexStore(index_dir).searcher() as s:
        vectors = load_vectors(s.gen.path, s.data.n_rows)
        if vectors is None:
            raise SystemExit(f"{index_dir}: no embeddings (is onnxruntime installed?)")
        ids = s.data.ids
        for (qid, text), qv in zip(ds.topics, qvecs, strict=True):
            lex = rank_ids(s, text, limit=10)
            runs["lexical"][qid] = lex[:10]
            cos = vectors.cosines(qv)
            live = s.data.live
            top = np.argsort(-np.where(live, cos, -np.inf))[:10]
            runs["cosine"][qid] = [(ids[i], float(cos[i])) for i in top]
            ranked = run(s, text, None, 10).ranked  # what `search` fuses: see fuse.py
            for m, w in GRID:
                if ranked is None or not ranked.total:  # words that match nothing stay so
                    runs[f"{m}:{w}"][qid] = []
                    continue
                rows, fused = fuse_ranked(ranked, cos, Fusion(m, w, depth=depth), live)
                top10 = zip(rows[:10], fused[:10], strict=True)
                runs[f"{m}:{w}"][qid] = [(ids[r], float(f)) for r, f in top10]
    return runs


def fit(sets: list[DevSet], runs: dict[str, dict[str, dict]], folds: int) -> dict:
    def mean_obj(system: str, fold: int | None) -> float:
        vals = []
        for ds in sets:
            qids = [q for q, _ in ds.topics if fold is None or q in ds.folds[fold]]
            vals.append(objective(ds.measure(runs[ds.name][system], qids)))
        return float(np.mean(vals))

    fusions = [f"{m}:{w}" for m, w in GRID]
    held: dict = {"chosen": [], "sets": {ds.name: {"lexical": [], "cosine": [], "hybrid": []}
                                         for ds in sets}}
    for b in range(folds):
        train = [f for f in range(folds) if f != b]
        best = max(fusions, key=lambda f: np.mean([mean_obj(f, a) for a in train]))
        held["chosen"].append(best)
        for ds in sets:
            qids = [q for q, _ in ds.topics if q in ds.folds[b]]
            for label, system in (("lexical", "lexical"), ("cosine", "cosine"), ("hybrid", best)):
                held["sets"][ds.name][label].append(ds.measure(runs[ds.name][system], qids))
    final = max(fusions, key=lambda f: mean_obj(f, None))
    held["final"] = final
    held["all"] = {f: round(mean_obj(f, None), 4) for f in ["lexical", "cosine", *fusions]}
    return held


def report(held: dict) -> str:
    lines = [f"fusion chosen per held-out fold: {held['chosen']}; on all questions: "
             f"{held['final']}"]
    for name, systems in held["sets"].items():
        for label, per_fold in systems.items():
            keys = list(per_fold[0])
            cells = "; ".join(
                f"{k} " + " ".join(f"{f[k]:.3f}" for f in per_fold)
                + f" | {np.mean([f[k] for f in per_fold]):.3f}" for k in keys)
            lines.append(f"{name:18s} {label:8s} {cells}")
    lines.append("objective on all questions: " + ", ".join(
        f"{k} {v:.3f}" for k, v in held["all"].items()))
    return "\n".join(lines)


def main() -> None:
    from indexer.eval.liveqa import default_cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--depth", type=int, default=200)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--write", action="store_true",
                    help="store the fusion best on all dev questions in hybrid_weights.json")
    args = ap.parse_args()
    cache = default_cache_dir() / "hybrid"
    start = time.monotonic()
    sets = dev_sets(args.shared, args.folds)
    runs = {ds.name: set_runs(ds, cache, args.depth) for ds in sets}
    held = fit(sets, runs, args.folds)
    text = report(held)
    print(text)
    print(f"{time.monotonic() - start:.0f} s")
    if args.write:
        from indexer.search.fuse import WEIGHTS_FILE, Fusion

        method, weight = held["final"].split(":")
        fusion = Fusion(method, float(weight), depth=args.depth)
        held_out = {name: {label: {k: round(float(np.mean([f[k] for f in per])), 3)
                                   for k in per[0]} for label, per in systems.items()}
                    for name, systems in held["sets"].items()}
        source = (f"bench/hybrid_fit.py --folds {args.folds} --write, "
                  f"{time.strftime('%Y-%m-%d')}: the fusion of the grid best on all dev sets "
                  f"(lay, MEDIQA plain/structured, LiveQA original/summary; each set counts "
                  f"once); chosen per held-out fold: {held['chosen']}")
        payload = {"source": source, "fusion": fusion.to_dict(), "held_out_mean": held_out}
        WEIGHTS_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
