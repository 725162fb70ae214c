"""Choose the hybrid fusion by cross-validation on every dev set at once.

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_fit.py [--folds 2] [--write]

Needs the hybrid extra. Builds (or reuses) the evaluation indexes with embeddings under
`$QASEARCH_CACHE_DIR/hybrid` (record embeddings are cached by content hash: the first run
embeds the 17,912 MedQuAD records, ~25 min on 2 cores; later runs embed nothing), runs every
dev question once as `search` does (stock Whoosh, the lexical ranking, cosine alone), then
re-ranks the lexical outcome with each fusion of the grid exactly as `search` would
(`indexer.search.fuse.rerank`): method (score with the cosine or its rank / rrf) x weight
for keyword searches x weight for whole messages x cosine cut-off for rows the word search
did not list x the gates (keyword searches with at most `few` full matches, messages of at
least `long_words` words, keyword searches phrased as a question or not; the query's form
and outcome, never its words). Each set's
objective: lay searches (P@1 + Success@3) / 2, the others avgScore / 3.

Cross-validation: the fusion is chosen on one fold of every set's questions by its worst
set: the largest smallest gain over the lexical ranking across the sets (then the largest
mean gain), so a gain on one set that costs another is no gain (score:0.0/0.0 is the
lexical ranking itself: the choice never loses on its own folds); it is reported on the
other fold (folds as `qasearch eval all --folds K`: LiveQA's own split, a hash split for the
others). `--write` stores the fusion chosen the same way on all dev questions in
`indexer/data/hybrid_weights.json`, with the held-out figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.search.fuse import ANY

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# the grid: method x keyword-search weight x message weight x cosine cut-off for added rows
# x levels kept x the score fusion's cosine side; for score fusion also the gates (fused only
# for keyword searches with at most FEW full matches, only for messages of at least
# LONG_WORDS words). Whole messages are most MEDIQA and LiveQA questions, keyword searches
# most lay ones (and MEDIQA's short questions).
WEIGHTS = {"score": ((0.0, 0.03, 0.05, 0.1, 0.2, 0.3), (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)),
           "rrf": ((0.0, 0.2, 0.3, 0.5), (0.0, 0.2, 0.3, 0.5))}
CUTOFFS = (2.0, 0.6)  # 2.0: the embedding side adds no rows
COS_NORMS = {"score": ("raw", "rank"), "rrf": ("rank",)}
FEW = (3, 10, 30, 100, ANY)  # a keyword search's full matches, at most
LONG_WORDS = (0, 20, 40, 60)  # a message's words, at least


def grid() -> list[tuple]:
    """(method, weight, message weight, cut-off, levels, cos_norm, few, long_words,
    questions), each fusion once (a gate on a weight of 0 changes nothing: not repeated)."""
    out = []
    for m, (ws, mws) in WEIGHTS.items():
        for w, mw, c, lv, cn in itertools.product(ws, mws, CUTOFFS, (True, False),
                                                  COS_NORMS[m]):
            kw = m == "score" and (w > 0 or c <= 1)
            fews, asks = (FEW, (True, False)) if kw else ((ANY,), (True,))
            longs = LONG_WORDS if m == "score" and mw > 0 else (0,)
            out += [(m, w, mw, c, lv, cn, f, lw, q) for f in fews for lw in longs for q in asks]
    return out


GRID = grid()


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


def label(m: str, w: float, mw: float, c: float, levels: bool = True, cos_norm: str = "raw",
          few: int = ANY, long_words: int = 0, questions: bool = True) -> str:
    """score:0.05/0.5 (cosine), score#:... (cosine rank), @c: cut-off, ~: levels mixed,
    <=n: keyword searches with at most n full matches only, >=nw: messages of n words on,
    !q: keyword searches phrased as a question not fused."""
    mark = "#" if m == "score" and cos_norm == "rank" else ""
    gates = ((f"<={few}" if few < ANY else "") + (f">={long_words}w" if long_words else "")
             + ("" if questions else "!q"))
    return (f"{m}{mark}:{w}/{mw}" + (f"@{c}" if c <= 1 else "") + ("" if levels else "~")
            + gates)


def make_fusion(g: tuple) -> object:
    from indexer.search.fuse import Fusion

    return Fusion(g[0], g[1], g[2], cutoff=g[3], levels=g[4], cos_norm=g[5], few=g[6],
                  long_words=g[7], questions=g[8])


class DenseCosines:
    """A generation's embeddings with the last query's cosines kept (the grid re-scores the
    same query hundreds of times)."""

    def __init__(self, vectors: object) -> None:
        self.vectors = vectors
        self.key: bytes = b""
        self.dense = np.zeros(0, np.float32)

    def cosines(self, vec: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        if vec.tobytes() != self.key:
            self.key, self.dense = vec.tobytes(), self.vectors.cosines(vec)
        return self.dense if rows is None else self.dense[np.asarray(rows, np.int64)]


def set_runs(ds: DevSet, cache: Path, stock_cache: Path, any_order: bool = False
             ) -> dict[str, dict]:
    """qid -> ranking for stock Whoosh, the lexical ranking, cosine alone and every fusion
    of the grid (each as `search` would run it: `indexer.search.fuse.rerank`)."""
    from indexer.eval.baseline import stock_run
    from indexer.eval.liveqa import cached_index
    from indexer.index.store import IndexStore
    from indexer.index.vectors import load_vectors
    from indexer.search import rank_ids
    from indexer.search.execute import run
    from indexer.search.fuse import query_words, rerank
    from indexer.search.plan import is_question
    from indexer.text.embed import embedder

    os.environ["QASEARCH_HYBRID"] = "1"  # the build embeds the records
    index_dir = cached_index(ds.records, cache / ds.cache if ds.cache else cache)
    os.environ["QASEARCH_HYBRID"] = "0"  # lexical ranking alone, fused below
    fusions = {label(*g): make_fusion(g) for g in GRID if g[4] or any_order}
    runs: dict[str, dict] = {"stock": stock_run(ds.records, ds.topics, stock_cache),
                             "lexical": {}, "cosine": {}, **{f: {} for f in fusions}}
    qvecs = embedder().encode([t for _, t in ds.topics])
    with IndexStore(index_dir).searcher() as s:
        vectors = load_vectors(s.gen.path, s.data.n_rows)
        if vectors is None:
            raise SystemExit(f"{index_dir}: no embeddings (is onnxruntime installed?)")
        dense = DenseCosines(vectors)
        ids, live = s.data.ids, s.data.live
        for (qid, text), qv in zip(ds.topics, qvecs, strict=True):
            runs["lexical"][qid] = rank_ids(s, text, limit=10)
            cos = dense.cosines(qv)
            top = np.argsort(-np.where(live, cos, -np.inf))[:10]
            runs["cosine"][qid] = [(ids[i], float(cos[i])) for i in top]
            out = run(s, text, None, 10)  # what `search` fuses: see fuse.apply_hybrid
            if out.plan is None or out.ranked is None or not out.ranked.total:
                for name in fusions:
                    runs[name][qid] = []  # words that match nothing stay so
                continue
            message, words = out.plan.min_match == 0, query_words(text)
            full, asks = out.ranked.complete + out.ranked.about, is_question(out.parsed)
            done: dict[tuple, list] = {}  # fusions that rank this query alike, run once
            for name, fusion in fusions.items():
                if not fusion.fuses(message, full, words, asks):
                    runs[name][qid] = runs["lexical"][qid]  # as `search` leaves it
                    continue
                key = (fusion.method, fusion.cos_norm, fusion.levels,
                       fusion.weight_of(message, full, words, asks), fusion.cutoff)
                if key not in done:
                    ranked = rerank(s, out, dense, qv, None, fusion, words).ranked
                    done[key] = [(ids[r], float(ranked.scores[r])) for r in ranked.rows[:10]]
                runs[name][qid] = done[key]
    return runs


def fit(sets: list[DevSet], runs: dict[str, dict[str, dict]], folds: int,
        any_order: bool = False) -> dict:
    """Per held-out fold: the fusion whose worst set (on its worst fold of the others) gains
    most over the lexical ranking on the other folds (then the best mean gain; score:0.0/0.0
    is the lexical ranking itself, so the choice loses on no set there). Only fusions that
    keep a keyword search's records with all the words first (what `search` promises),
    unless `any_order`."""
    cache: dict[tuple[str, str, int | None], float] = {}

    def obj(ds: DevSet, system: str, fold: int | None) -> float:
        key = (ds.name, system, fold)
        if key not in cache:
            qids = [q for q, _ in ds.topics if fold is None or q in ds.folds[fold]]
            cache[key] = objective(ds.measure(runs[ds.name][system], qids))
        return cache[key]

    def choose(train: list[int]) -> str:
        def per_part(f: str) -> list[float]:  # each set on each training fold
            return [obj(ds, f, a) for ds in sets for a in train]
        floor = per_part("lexical")

        def key(f: str) -> tuple[float, float, int]:
            gain = [round(v - b, 9) for v, b in zip(per_part(f), floor, strict=True)]
            return min(gain), float(np.mean(gain)), -fusions.index(f)
        return max(fusions, key=key)

    fusions = [label(*g) for g in GRID if (g[4] or any_order) and label(*g) in
               runs[sets[0].name]]
    systems = ("stock", "lexical", "cosine", "hybrid")
    held: dict = {"chosen": [], "sets": {ds.name: {k: [] for k in systems} for ds in sets}}
    for b in range(folds):
        best = choose([f for f in range(folds) if f != b])
        held["chosen"].append(best)
        for ds in sets:
            qids = [q for q, _ in ds.topics if q in ds.folds[b]]
            for name in systems:
                system = best if name == "hybrid" else name
                held["sets"][ds.name][name].append(ds.measure(runs[ds.name][system], qids))
    held["final"] = choose(list(range(folds)))  # its worst set on its worst fold
    held["all"] = {f: round(float(np.mean([obj(ds, f, None) for ds in sets])), 4)
                   for f in ["lexical", "cosine", held["final"]]}
    held["all_sets"] = {ds.name: {name: {k: round(v, 3) for k, v in ds.measure(
        runs[ds.name][held["final"] if name == "hybrid" else name],
        [q for q, _ in ds.topics]).items()} for name in ("lexical", "hybrid")} for ds in sets}
    return held


def report(held: dict) -> str:
    lines = [f"fusion chosen per held-out fold: {held['chosen']}; on all questions: "
             f"{held['final']}"]
    for name, systems in held["sets"].items():
        for label_, per_fold in systems.items():
            keys = list(per_fold[0])
            cells = "; ".join(
                f"{k} " + " ".join(f"{f[k]:.3f}" for f in per_fold)
                + f" | {np.mean([f[k] for f in per_fold]):.3f}" for k in keys)
            lines.append(f"{name:18s} {label_:8s} {cells}")
    lines.append("objective on all questions: " + ", ".join(
        f"{k} {v:.3f}" for k, v in held["all"].items()))
    return "\n".join(lines)


def main() -> None:
    from indexer.eval.liveqa import default_cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--any-order", action="store_true",
                    help="also choose among fusions that mix a keyword search's levels "
                         "(records with all the words first)")
    ap.add_argument("--runs", type=Path,
                    help="keep the runs in this file (JSON), or read them from it")
    ap.add_argument("--write", action="store_true",
                    help="store the fusion chosen on all dev questions in hybrid_weights.json")
    args = ap.parse_args()
    cache = default_cache_dir()
    start = time.monotonic()
    sets = dev_sets(args.shared, args.folds)
    if args.runs and args.runs.exists():
        runs = json.loads(args.runs.read_text(encoding="utf-8"))
    else:
        runs = {ds.name: set_runs(ds, cache / "hybrid", cache, args.any_order) for ds in sets}
        if args.runs:
            args.runs.write_text(json.dumps(runs), encoding="utf-8")
    held = fit(sets, runs, args.folds, args.any_order)
    text = report(held)
    print(text)
    print(leaders(sets, runs))
    print(f"{time.monotonic() - start:.0f} s")
    if args.write:
        write(held, args.folds)


def leaders(sets: list[DevSet], runs: dict[str, dict[str, dict]], n: int = 12) -> str:
    """The `n` fusions with the best mean objective on all questions, with each set's
    objective minus the lexical ranking's (x 100)."""
    def per_set(system: str) -> list[float]:
        qids = {ds.name: [q for q, _ in ds.topics] for ds in sets}
        return [objective(ds.measure(runs[ds.name][system], qids[ds.name])) for ds in sets]

    base = per_set("lexical")
    rows = []
    for system in runs[sets[0].name]:
        if system in ("stock", "lexical"):
            continue
        vals = per_set(system)
        rows.append((float(np.mean(vals)) - float(np.mean(base)), system,
                     [v - b for v, b in zip(vals, base, strict=True)]))
    rows.sort(key=lambda r: -r[0])
    head = "fusion (objective - lexical, x100): mean | " + " ".join(ds.name for ds in sets)
    return "\n".join([head] + [f"{s:22s} {m * 100:+.2f} | " + " ".join(
        f"{d * 100:+.2f}" for d in ds_) for m, s, ds_ in rows[:n]])


def write(held: dict, folds: int) -> None:
    from indexer.search.fuse import WEIGHTS_FILE

    g = next(g for g in GRID if label(*g) == held["final"])
    fusion = make_fusion(g)
    held_out = {name: {label_: {k: round(float(np.mean([f[k] for f in per])), 3)
                                for k in per[0]} for label_, per in systems.items()}
                for name, systems in held["sets"].items()}
    source = (f"bench/hybrid_fit.py --folds {folds} --write, {time.strftime('%Y-%m-%d')}: "
              "the fusion (method, cosine or its rank, keyword/message weights, cosine "
              "cut-off for rows the word search did not list) whose worst dev set (lay, "
              "MEDIQA plain/structured, LiveQA original/summary) gains most over the lexical "
              "ranking, then the best mean gain; chosen per held-out fold: "
              f"{held['chosen']}; held_out_mean: each fold's choice scored on the other; "
              "all_dev: the chosen fusion (fitted on them) on all dev questions")
    payload = {"source": source, "fusion": fusion.to_dict(), "held_out_mean": held_out,
               "all_dev": held["all_sets"]}  # the chosen fusion on all dev questions
    WEIGHTS_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
