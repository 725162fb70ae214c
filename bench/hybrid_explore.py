"""Try fusion policies beyond `bench/hybrid_fit.py`'s grid, cross-validated on every dev set.

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_explore.py [--folds 2] [--small]

Uses the indexes with embeddings that `bench/hybrid_fit.py` builds (same cache). Each
dev question is searched once (as `search` does); each policy then re-ranks the lexical
outcome with `indexer.search.fuse.rerank`, with a weight chosen per query from the query's
own form and its lexical outcome only (never from its text's words):

  kw         keyword searches: the embedding weight, applied only when the search's full
             matches number at most `few` (a search whose words match few records)
  msg        whole messages: the embedding weight, applied only when the message has at
             least `long_` words
  title      the cosine side is the query's cosine with the record's question (else its
             title) only, or a mix with the record's whole-text cosine (`title` share);
             the questions are embedded once per corpus (cached under CACHE/hybrid/titles)
  gate       "nofocus": only queries in which the search recognised no condition;
             "bare": keyword searches only when not phrased as a question
  cutoff     rows added by cosine, for keyword searches with few full matches only

A policy is chosen per held-out fold as `bench/hybrid_fit.py` chooses (the largest
smallest gain over the lexical ranking across the sets on the other fold, then the mean),
and also by the worst set's lower confidence bound of the per-question gain, and reported
on the held-out fold. Only the choice's figures on held-out folds count; the list of the
best policies on all questions (with each fold's gain) is for finding ideas, not for
choosing. `--small`: without the title cosine and the nofocus gate (the policies that
`indexer.search.fuse` can run today). Results: bench/results/issueF-hybrid.md.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hybrid_fit import SHARED, DenseCosines, DevSet, dev_sets, objective


@dataclass(frozen=True)
class Policy:
    method: str = "score"
    cos_norm: str = "rank"
    kw: float = 0.0
    few: int = 10**9
    msg: float = 0.0
    long_: int = 0
    title: float = 0.0  # share of the title cosine in the cosine side
    cutoff: float = 2.0  # keyword searches with few full matches: rows added by cosine
    gate: str = "all"  # "nofocus": only queries in which the search recognised no condition;
    # "bare": keyword searches only when not phrased as a question (plan.is_question)

    @property
    def name(self) -> str:
        few = "" if self.few >= 10**9 else f"<={self.few}"
        long_ = f">={self.long_}w" if self.long_ else ""
        extra = f" t{self.title}" if self.title else ""
        cut = f" @{self.cutoff}" if self.cutoff <= 1 else ""
        mark = "#" if self.cos_norm == "rank" else ""
        gate = "" if self.gate == "all" else f" {self.gate}"
        return f"{self.method}{mark} kw{self.kw}{few} msg{self.msg}{long_}{extra}{cut}{gate}"


def policies() -> list[Policy]:
    out = [Policy()]  # the lexical ranking itself
    for cn, kw, few, msg, long_, title, cut, gate in itertools.product(
            ("rank", "raw"), (0.0, 0.05, 0.1, 0.2, 0.3), (3, 10, 30, 100, 10**9),
            (0.0, 0.2, 0.3, 0.5), (0, 20, 40, 60), (0.0, 1.0), (2.0, 0.55),
            ("all", "nofocus", "bare")):
        if (kw == 0 and (few != 10**9 or cut <= 1)) or (msg == 0 and long_):
            continue
        if kw == 0 and msg == 0:
            continue
        if cut <= 1 and few >= 10**9:
            continue
        out.append(Policy("score", cn, kw, few, msg, long_, title, cut, gate))
    return out


class MixedCosines(DenseCosines):
    """Cosines as a mix of the whole-text and the title embeddings' (`share` of the title)."""

    def __init__(self, vectors: object, titles: np.ndarray, share: float) -> None:
        super().__init__(vectors)
        self.titles, self.share = titles, share

    def cosines(self, vec: np.ndarray, rows: np.ndarray | None = None,
                question_share: float = 0.0) -> np.ndarray:
        """(`question_share` is this class's own `share`: the argument is ignored.)"""
        if vec.tobytes() != self.key:
            whole = self.vectors.cosines(vec)
            self.key = vec.tobytes()
            self.dense = {0.0: ((1 - self.share) * whole + self.share * (self.titles @ vec)
                                ).astype(np.float32)}
        dense = self.dense[0.0]
        return dense if rows is None else dense[np.asarray(rows, np.int64)]


def policy_runs(ds: DevSet, cache: Path, pols: list[Policy], titles_of: object
                ) -> dict[str, dict]:
    from indexer.eval.liveqa import cached_index
    from indexer.index.store import IndexStore
    from indexer.index.vectors import load_vectors
    from indexer.search.execute import run
    from indexer.search.fuse import Fusion, rerank
    from indexer.search.plan import is_question
    from indexer.text.embed import embedder

    index_dir = cached_index(ds.records, cache / ds.cache if ds.cache else cache)
    runs: dict[str, dict] = {p.name: {} for p in pols}
    qvecs = embedder().encode([t for _, t in ds.topics])
    with IndexStore(index_dir).searcher() as s:
        vectors = load_vectors(s.gen.path, s.data.n_rows)
        titles = titles_of(s, ds)
        sides = {share: (DenseCosines(vectors) if share == 0 else
                         MixedCosines(vectors, titles, share))
                 for share in sorted({p.title for p in pols})}
        ids = s.data.ids
        for (qid, text), qv in zip(ds.topics, qvecs, strict=True):
            out = run(s, text, None, 10)
            if out.plan is None or out.ranked is None or not out.ranked.total:
                for p in pols:
                    runs[p.name][qid] = []
                continue
            message = out.plan.min_match == 0
            known = bool(out.plan.understood.get("focus") or out.plan.understood.get("described"))
            asks = is_question(out.parsed)
            words = len(text.split())
            lexical = [(ids[r], float(out.ranked.scores[r])) for r in out.ranked.rows[:10]]
            done: dict[tuple, list] = {}
            for p in pols:
                if (p.gate == "nofocus" and known) or (p.gate == "bare" and not message
                                                      and asks):
                    runs[p.name][qid] = lexical
                    continue
                if message:
                    w = p.msg if words >= p.long_ else 0.0
                    add = False
                else:
                    few = out.ranked.complete + out.ranked.about <= p.few
                    w = p.kw if few else 0.0
                    add = few and p.cutoff <= 1
                if w == 0 and not add:
                    runs[p.name][qid] = lexical
                    continue
                fusion = Fusion(p.method, weight=w, message_weight=w, cos_norm=p.cos_norm,
                                cutoff=p.cutoff if add else 2.0, extra=5)
                key = (fusion, p.title)
                if key not in done:
                    ranked = rerank(s, out, sides[p.title], qv, None, fusion).ranked
                    done[key] = [(ids[r], float(ranked.scores[r])) for r in ranked.rows[:10]]
                runs[p.name][qid] = done[key]
    return runs


def held_out_cells(sets: list[DevSet], runs: dict, lexical: str, best: str,
                   fold: int) -> list[str]:
    """Per set, each metric on `fold`'s questions: the lexical ranking -> `best`."""
    cells = []
    for ds in sets:
        qids = [q for q, _ in ds.topics if q in ds.folds[fold]]
        lex = ds.measure(runs[ds.name][lexical], qids)
        hyb = ds.measure(runs[ds.name][best], qids)
        cells.append(f"{ds.name} " + " ".join(f"{k} {lex[k]:.3f}->{hyb[k]:.3f}" for k in lex))
    return cells


def choose(sets: list[DevSet], runs: dict, names: list[str], train: list[int | None],
           cache: dict) -> str:
    def obj(ds: DevSet, system: str, fold: int | None) -> float:
        key = (ds.name, system, fold)
        if key not in cache:
            qids = [q for q, _ in ds.topics if fold is None or q in ds.folds[fold]]
            cache[key] = objective(ds.measure(runs[ds.name][system], qids))
        return cache[key]

    def per_set(f: str) -> list[float]:
        return [float(np.mean([obj(ds, f, a) for a in train])) for ds in sets]

    floor = per_set(names[0])

    def key(f: str) -> tuple[float, float, int]:
        gain = [round(v - b, 9) for v, b in zip(per_set(f), floor, strict=True)]
        return min(gain), float(np.mean(gain)), -names.index(f)
    return max(names, key=key)


def choose_lcb(sets: list[DevSet], runs: dict, names: list[str], train: list[int],
               memo: dict, z: float = 1.0) -> str:
    """The policy whose worst set's lower confidence bound of the per-question gain over
    the lexical ranking (mean - z * standard error, on the `train` folds) is highest, then
    the best mean gain: a gain made of a few consistent changes beats a larger one made of
    many changes either way."""
    def q_obj(ds: DevSet, system: str, qid: str) -> float:
        ranking = runs[ds.name][system].get(qid, [])
        key = (ds.name, qid, tuple(i for i, _ in ranking))
        if key not in memo:
            memo[key] = objective(ds.measure({qid: ranking}, [qid]))
        return memo[key]

    qids = {ds.name: [q for q, _ in ds.topics if any(q in ds.folds[f] for f in train)]
            for ds in sets}

    def key(f: str) -> tuple[float, float, int]:
        lcbs, means = [], []
        for ds in sets:
            d = np.array([q_obj(ds, f, q) - q_obj(ds, names[0], q) for q in qids[ds.name]])
            se = float(d.std(ddof=1)) / np.sqrt(len(d)) if len(d) > 1 else 0.0
            lcbs.append(round(float(d.mean()) - z * se, 9))
            means.append(float(d.mean()))
        return min(lcbs), float(np.mean(means)), -names.index(f)
    return max(names, key=key)


def main() -> None:
    from indexer.eval.liveqa import default_cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--small", action="store_true", help="no title cosine, no nofocus gate")
    args = ap.parse_args()
    start = time.monotonic()
    cache = default_cache_dir() / "hybrid"
    sets = dev_sets(args.shared, args.folds)
    pols = [p for p in policies() if not (args.small and (p.title or p.gate == "nofocus"))]
    names = [p.name for p in pols]
    titles_cache = cache / "titles"
    titles_cache.mkdir(parents=True, exist_ok=True)

    def titles_of(s: object, ds: DevSet) -> np.ndarray:
        return record_titles(s, ds, titles_cache)

    runs = {ds.name: policy_runs(ds, cache, pols, titles_of) for ds in sets}
    memo: dict = {}
    print(f"{len(pols)} policies, {time.monotonic() - start:.0f} s")
    for b in range(args.folds):
        best = choose(sets, runs, names, [f for f in range(args.folds) if f != b], memo)
        cells = held_out_cells(sets, runs, names[0], best, b)
        print(f"held-out fold {b + 1}: chosen on the other: {best}\n  " + "\n  ".join(cells))
        train = [f for f in range(args.folds) if f != b]
        for z in (0.5, 1.0):
            best = choose_lcb(sets, runs, names, train, memo, z)
            cells = held_out_cells(sets, runs, names[0], best, b)
            print(f"  lcb z={z}: {best}\n    " + "\n    ".join(cells))
    print("on all questions, objective - lexical (x100), best by worst set:")
    rows = []
    for n in names[1:]:
        gains = [memo_obj(ds, runs, n, memo) - memo_obj(ds, runs, names[0], memo)
                 for ds in sets]
        per_fold = [[memo_fold(ds, runs, n, f, memo) - memo_fold(ds, runs, names[0], f, memo)
                     for ds in sets] for f in range(args.folds)]
        rows.append((min(min(g) for g in per_fold), float(np.mean(gains)), n, per_fold))
    rows.sort(key=lambda r: (-r[0], -r[1]))
    print("policy: worst (set, fold) | mean | per set: fold gains "
          + " ".join(ds.name for ds in sets))
    for worst, mean, n, per_fold in rows[:args.top]:
        print(f"{n:44s} {worst * 100:+.2f} | {mean * 100:+.2f} | " + "  ".join(
            "/".join(f"{f[i] * 100:+.1f}" for f in per_fold) for i in range(len(sets))))


def memo_obj(ds: DevSet, runs: dict, system: str, memo: dict) -> float:
    return memo_fold(ds, runs, system, None, memo)


def memo_fold(ds: DevSet, runs: dict, system: str, fold: int | None, memo: dict) -> float:
    key = (ds.name, system, fold)
    if key not in memo:
        qids = [q for q, _ in ds.topics if fold is None or q in ds.folds[fold]]
        memo[key] = objective(ds.measure(runs[ds.name][system], qids))
    return memo[key]


def record_titles(s: object, ds: DevSet, cache: Path) -> np.ndarray:
    """Each ranking row's record question (else its title) embedded; cached per corpus."""
    from indexer.text.embed import embedder

    by_id = {r.id: r.question or r.title for r in ds.records}
    key = cache / f"{ds.cache or 'medquad'}-{len(by_id)}-{s.data.n_rows}.npy"
    if key.exists():
        return np.load(key)
    texts = [by_id.get(rid, "") if rid is not None else "" for rid in s.data.ids]
    mat = embedder().encode(texts)
    np.save(key, mat)
    return mat


if __name__ == "__main__":
    main()
