"""Choose the hybrid fusion by cross-validation on every dev set at once.

    QASEARCH_CACHE_DIR=/tmp/me/cache python bench/hybrid_fit.py [--folds 2] [--write]

Needs the hybrid extra. Builds (or reuses) the evaluation indexes with embeddings under
`$QASEARCH_CACHE_DIR/hybrid` (record and question embeddings are cached by content: the
first run embeds the 17,912 MedQuAD records, ~25 min on 2 cores; later runs embed nothing),
runs every dev question once as `search` does (stock Whoosh, the lexical ranking, cosine
alone), then re-ranks the lexical outcome with each fusion of the grid exactly as `search`
would (`indexer.search.fuse.rerank`).

A fusion is a family (method: score with the cosine or its rank / rrf; cosine cut-off for
rows the word search did not list), a keyword-search side (weight, records with all the
words kept first, gates: at most `few` full matches, not phrased as a question) and a
message side (weight, gates: at least `long_words` words, no condition recognised; the share
of the record's question alone in the cosine). The gates read the query's form and outcome,
never its words. A query is a keyword search or a message, so it is ranked by one side only,
and every measure is a mean over questions: a set's figure for a fusion is the sum of its
keyword searches' figures under the keyword side and its messages' under the message side.
So the sides are run apart (each query once per side setting) and every pair is scored
exactly by adding per-question figures (`SideTable`): 10^5 fusions cost what 10^3 did.

Each set's objective: lay searches (P@1 + Success@3) / 2, the others avgScore / 3.
Cross-validation: the fusion is chosen on one fold of every set's questions by its worst
set: the largest smallest gain over the lexical ranking across the sets (then the largest
mean gain, then the simplest), so a gain on one set that costs another is no gain (weight 0
on both sides is the lexical ranking itself: the choice never loses on its own folds); it
is reported on the other fold (folds as `qasearch eval all --folds K`: LiveQA's own split, a
hash split for the others). `--write` stores the fusion chosen the same way on all dev
questions (its worst set on its worst fold) in `indexer/data/hybrid_weights.json`, with the
held-out figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.search.fuse import ANY

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# the grid. Families: method x cosine side (score only) x cut-off for added rows.
METHODS = {"score": ("raw", "rank"), "rrf": ("rank",)}
CUTOFFS = (2.0, 0.6)  # 2.0: the embedding side adds no rows
# keyword searches (most lay ones, MEDIQA's short questions): weight x gates
KW_WEIGHTS = {"score": (0.0, 0.03, 0.05, 0.1, 0.2, 0.3), "rrf": (0.0, 0.2, 0.3, 0.5)}
FEW = (3, 10, 30, 100, ANY)  # a keyword search's full matches, at most
# whole messages (most MEDIQA and LiveQA questions): weight (1.0: the cosine alone orders
# the candidates) x gates x share of the record's question alone in the cosine
MSG_WEIGHTS = {"score": (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
               "rrf": (0.0, 0.2, 0.3, 0.5, 0.7, 1.0)}
LONG_WORDS = (0, 20, 40, 60)  # a message's words, at least
QUESTION_SHARES = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class Family:
    method: str
    cos_norm: str
    cutoff: float


@dataclass(frozen=True)
class KeywordSide:
    weight: float = 0.0
    levels: bool = True
    few: int = ANY
    questions: bool = True


@dataclass(frozen=True)
class MessageSide:
    weight: float = 0.0
    long_words: int = 0
    known: bool = True  # messages in which a condition was recognised are fused too
    share: float = 0.0  # of the record's question alone in the cosine


def families() -> list[Family]:
    return [Family(m, cn, c) for m, norms in METHODS.items() for cn in norms for c in CUTOFFS]


def keyword_sides(fam: Family, any_order: bool = False) -> list[KeywordSide]:
    """Simplest first (weight 0, no gate: the lexical ranking when no rows are added)."""
    out = []
    for w, lv in itertools.product(KW_WEIGHTS[fam.method], (True, False) if any_order
                                   else (True,)):
        active = w > 0 or fam.cutoff <= 1
        gates = itertools.product(FEW, (True, False)) if active else [(ANY, True)]
        out += [KeywordSide(w, lv, f, q) for f, q in gates]
    return out


def message_sides(fam: Family) -> list[MessageSide]:
    out = []
    for w in MSG_WEIGHTS[fam.method]:
        active = w > 0 or fam.cutoff <= 1
        combos = (itertools.product(LONG_WORDS, (True, False), QUESTION_SHARES) if active
                  else [(0, True, 0.0)])
        out += [MessageSide(w, lw, k, sh) for lw, k, sh in combos]
    return out


def make_fusion(fam: Family, kw: KeywordSide, msg: MessageSide) -> object:
    from indexer.search.fuse import Fusion

    return Fusion(fam.method, kw.weight, msg.weight, cutoff=fam.cutoff, levels=kw.levels,
                  cos_norm=fam.cos_norm, few=kw.few, long_words=msg.long_words,
                  questions=kw.questions, known_messages=msg.known,
                  message_question=msg.share)


def label(fam: Family, kw: KeywordSide, msg: MessageSide) -> str:
    """score#@0.6 kw0.3<=100!q~ msg0.5>=40w?q0.5: `#` cosine rank, `@c` cut-off for added
    rows, `<=n` keyword searches with at most n full matches, `!q` not those phrased as a
    question, `~` levels mixed, `>=nw` messages of n words on, `?` only messages with no
    recognised condition, `q0.5` the question-only share of the cosine."""
    head = fam.method + ("#" if fam.method == "score" and fam.cos_norm == "rank" else "")
    head += f"@{fam.cutoff}" if fam.cutoff <= 1 else ""
    k = (f"kw{kw.weight}" + (f"<={kw.few}" if kw.few < ANY else "")
         + ("" if kw.questions else "!q") + ("" if kw.levels else "~"))
    m = (f"msg{msg.weight}" + (f">={msg.long_words}w" if msg.long_words else "")
         + ("" if msg.known else "?") + (f"q{msg.share}" if msg.share else ""))
    return f"{head} {k} {m}"


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


class DenseCosines:
    """A generation's embeddings with the last query's cosines kept (the grid re-scores the
    same query hundreds of times)."""

    def __init__(self, vectors: object) -> None:
        self.vectors = vectors
        self.key: bytes = b""
        self.dense: dict[float, np.ndarray] = {}

    def cosines(self, vec: np.ndarray, rows: np.ndarray | None = None,
                question_share: float = 0.0) -> np.ndarray:
        if vec.tobytes() != self.key:
            self.key, self.dense = vec.tobytes(), {}
        if question_share not in self.dense:
            self.dense[question_share] = self.vectors.cosines(vec,
                                                              question_share=question_share)
        dense = self.dense[question_share]
        return dense if rows is None else dense[np.asarray(rows, np.int64)]


@dataclass
class SetRuns:
    """One dev set's questions run once: stock, lexical and cosine-alone rankings, each
    question's distinct fused rankings (index 0: the lexical one) with their objective, and
    per family which ranking each side setting gives (`choice[family][qid]`, by the query's
    kind: "kw", "msg", or "none" for a query whose words match nothing)."""

    name: str
    stock: dict[str, list[str]] = field(default_factory=dict)
    lexical: dict[str, list[str]] = field(default_factory=dict)
    cosine: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)
    rankings: dict[str, list[list[str]]] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    choice: dict[Family, dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass
class Grid:
    families: list[Family]
    kw: dict[Family, list[KeywordSide]]
    msg: dict[Family, list[MessageSide]]

    @classmethod
    def make(cls, any_order: bool = False) -> Grid:
        fams = families()
        return cls(fams, {f: keyword_sides(f, any_order) for f in fams},
                   {f: message_sides(f) for f in fams})

    def size(self) -> int:
        return sum(len(self.kw[f]) * len(self.msg[f]) for f in self.families)


def set_runs(ds: DevSet, grid: Grid, cache: Path, stock_cache: Path) -> SetRuns:
    """Every question of `ds` searched as `search` does, then re-ranked by each side
    setting of every family (`indexer.search.fuse.rerank`); fusions that rank a query alike
    are run once."""
    from indexer.eval.baseline import stock_run
    from indexer.eval.liveqa import cached_index
    from indexer.index.store import IndexStore
    from indexer.index.vectors import load_vectors
    from indexer.search import rank_ids
    from indexer.search.execute import run
    from indexer.search.fuse import query_words, recognised, rerank
    from indexer.search.plan import is_question
    from indexer.text.embed import embedder

    os.environ["QASEARCH_HYBRID"] = "1"  # the build embeds the records and their questions
    index_dir = cached_index(ds.records, cache / ds.cache if ds.cache else cache)
    os.environ["QASEARCH_HYBRID"] = "0"  # lexical ranking alone, fused below
    sr = SetRuns(ds.name, stock={q: [d for d, _ in r] for q, r in
                                 stock_run(ds.records, ds.topics, stock_cache).items()})
    fusions = {f: ([make_fusion(f, k, MessageSide()) for k in grid.kw[f]],
                   [make_fusion(f, KeywordSide(), m) for m in grid.msg[f]])
               for f in grid.families}
    qvecs = embedder().encode([t for _, t in ds.topics])
    with IndexStore(index_dir).searcher() as s:
        vectors = load_vectors(s.gen.path, s.data.n_rows)
        if vectors is None or vectors.questions is None:
            raise SystemExit(f"{index_dir}: no record or question embeddings")
        dense = DenseCosines(vectors)
        ids, live = s.data.ids, s.data.live
        for (qid, text), qv in zip(ds.topics, qvecs, strict=True):
            sr.lexical[qid] = [d for d, _ in rank_ids(s, text, limit=10)]
            cos = dense.cosines(qv)
            sr.cosine[qid] = [ids[i] for i in np.argsort(-np.where(live, cos, -np.inf))[:10]]
            sr.words[qid] = query_words(text)
            seen = {tuple(sr.lexical[qid]): 0}
            out = run(s, text, None, 10)  # what `search` fuses: see fuse.apply_hybrid
            if out.plan is None or out.ranked is None or not out.ranked.total:
                sr.kinds[qid] = "none"  # words that match nothing stay so
            else:
                message = out.plan.min_match == 0
                sr.kinds[qid] = "msg" if message else "kw"
                form = (message, out.ranked.complete + out.ranked.about, query_words(text),
                        is_question(out.parsed), recognised(out.plan))
                done: dict[tuple, int] = {}
                for fam, (kw_fusions, msg_fusions) in fusions.items():
                    picked = np.zeros(len(msg_fusions if message else kw_fusions), np.int32)
                    for j, fusion in enumerate(msg_fusions if message else kw_fusions):
                        if not fusion.fuses(*form):
                            continue  # as `search` leaves it: the lexical ranking
                        key = (fam, fusion.weight_of(*form), fusion.levels or message,
                               fusion.question_share(message))
                        if key not in done:
                            ranked = rerank(s, out, dense, qv, None, fusion, form[2]).ranked
                            got = tuple(ids[r] for r in ranked.rows[:10])
                            done[key] = seen.setdefault(got, len(seen))
                        picked[j] = done[key]
                    sr.choice.setdefault(fam, {})[qid] = picked
            sr.rankings[qid] = [list(r) for r in seen]
            sr.values[qid] = np.array([objective(ds.measure({qid: r}, [qid]))
                                       for r in sr.rankings[qid]])
    return sr


class SideTable:
    """Per family, set and fold: each keyword-side setting's summed objective over the
    fold's keyword searches (A), each message-side setting's over its messages (B), the
    rest (C, queries that match nothing) and the number of questions: a fusion's objective
    on the fold is (A[kw] + B[msg] + C) / n."""

    def __init__(self, grid: Grid, sets: list[DevSet], runs: dict[str, SetRuns],
                 messages_from: int = 0, messages_only: bool = False) -> None:
        self.grid, self.sets, self.runs = grid, sets, runs
        # message settings that may be chosen: those that leave messages of fewer than
        # `messages_from` words lexical
        self.msg_ok = {f: np.array([m.long_words >= messages_from
                                    or (m.weight == 0 and f.cutoff > 1) for m in grid.msg[f]])
                       for f in grid.families}
        # keyword settings that may be chosen: all, or (`messages_only`) the lexical one
        self.kw_ok = {f: np.array([not messages_only or (k.weight == 0 and f.cutoff > 1)
                                   for k in grid.kw[f]]) for f in grid.families}
        self.memo: dict[tuple, tuple[np.ndarray, np.ndarray, float, int]] = {}

    def qids(self, ds: DevSet, fold: int | None) -> list[str]:
        return [q for q, _ in ds.topics if fold is None or q in ds.folds[fold]]

    def arrays(self, fam: Family, ds: DevSet, fold: int | None
               ) -> tuple[np.ndarray, np.ndarray, float, int]:
        key = (fam, ds.name, fold)
        if key not in self.memo:
            sr = self.runs[ds.name]
            a, b, c = np.zeros(len(self.grid.kw[fam])), np.zeros(len(self.grid.msg[fam])), 0.0
            qids = self.qids(ds, fold)
            for q in qids:
                v, kind = sr.values[q], sr.kinds[q]
                if kind == "kw":
                    a += v[sr.choice[fam][q]]
                elif kind == "msg":
                    b += v[sr.choice[fam][q]]
                else:
                    c += float(v[0])
            self.memo[key] = (a, b, c, max(len(qids), 1))
        return self.memo[key]

    def lexical(self, ds: DevSet, fold: int | None) -> float:
        sr = self.runs[ds.name]
        qids = self.qids(ds, fold)
        return float(sum(sr.values[q][0] for q in qids)) / max(len(qids), 1)

    def gains(self, fam: Family, parts: list[tuple[DevSet, int | None]]) -> np.ndarray:
        """(parts, keyword settings, message settings): objective - lexical, per part."""
        out = []
        for ds, fold in parts:
            a, b, c, n = self.arrays(fam, ds, fold)
            out.append(np.round((a[:, None] + b[None, :] + c) / n - self.lexical(ds, fold), 9))
        return np.stack(out)

    def choose(self, folds: list[int]) -> tuple[Family, KeywordSide, MessageSide]:
        """The fusion whose worst (set, fold) of `folds` gains most, then the best mean gain,
        then the simplest (the first family, the first settings)."""
        parts = [(ds, f) for ds in self.sets for f in folds]
        best: tuple | None = None
        for fi, fam in enumerate(self.grid.families):
            g = self.gains(fam, parts)
            g[:, :, ~self.msg_ok[fam]] = -np.inf
            g[:, ~self.kw_ok[fam], :] = -np.inf
            worst, mean = g.min(0).ravel(), np.round(g.mean(0), 9).ravel()
            i = int(np.lexsort((np.arange(len(worst)), -mean, -worst))[0])
            cand = (worst[i], mean[i], -fi, -i)
            if best is None or cand > best[0]:
                nm = len(self.grid.msg[fam])
                best = (cand, (fam, self.grid.kw[fam][i // nm], self.grid.msg[fam][i % nm]))
        assert best is not None
        return best[1]

    def run_of(self, ds: DevSet, fusion: tuple[Family, KeywordSide, MessageSide]
               ) -> dict[str, list[str]]:
        """The rankings of `ds`'s questions under one fusion of the grid."""
        fam, kw, msg = fusion
        sr = self.runs[ds.name]
        ki, mi = self.grid.kw[fam].index(kw), self.grid.msg[fam].index(msg)
        out = {}
        for q, _ in ds.topics:
            kind = sr.kinds[q]
            pick = 0 if kind == "none" else int(sr.choice[fam][q][ki if kind == "kw" else mi])
            out[q] = sr.rankings[q][pick]
        return out

    def leaders(self, folds: int, n: int = 12) -> list[tuple[float, float, str, list]]:
        """The `n` fusions with the best worst (set, fold) gain, then mean gain: (worst, mean,
        label, per set: gain per fold)."""
        parts = [(ds, f) for ds in self.sets for f in range(folds)]
        rows = []
        for fam in self.grid.families:
            g = self.gains(fam, parts)
            g[:, :, ~self.msg_ok[fam]] = -np.inf
            g[:, ~self.kw_ok[fam], :] = -np.inf
            worst, mean = g.min(0).ravel(), g.mean(0).ravel()
            nm = len(self.grid.msg[fam])
            for i in np.lexsort((-mean, -worst))[:n]:
                per = g[:, i // nm, i % nm].reshape(len(self.sets), folds).tolist()
                rows.append((float(worst[i]), float(mean[i]), label(
                    fam, self.grid.kw[fam][i // nm], self.grid.msg[fam][i % nm]), per))
        rows.sort(key=lambda r: (-r[0], -r[1]))
        return rows[:n]


def fit(sets: list[DevSet], table: SideTable, folds: int) -> dict:
    """Per held-out fold: the fusion chosen on the other folds (`SideTable.choose`), scored
    on it; then the fusion chosen on all folds (its worst set on its worst fold)."""
    systems = ("stock", "lexical", "cosine", "hybrid")
    held: dict = {"chosen": [], "sets": {ds.name: {k: [] for k in systems} for ds in sets}}
    for b in range(folds):
        best = table.choose([f for f in range(folds) if f != b])
        held["chosen"].append(label(*best))
        for ds in sets:
            sr = table.runs[ds.name]
            qids = table.qids(ds, b)
            named = {"stock": sr.stock, "lexical": sr.lexical, "cosine": sr.cosine,
                     "hybrid": table.run_of(ds, best)}
            for name in systems:
                held["sets"][ds.name][name].append(ds.measure(named[name], qids))
    final = table.choose(list(range(folds)))
    held["final"], held["final_fusion"] = label(*final), make_fusion(*final)
    held["all_sets"] = {ds.name: {name: {k: round(v, 3) for k, v in ds.measure(
        table.run_of(ds, final) if name == "hybrid" else table.runs[ds.name].lexical,
        table.qids(ds, None)).items()} for name in ("lexical", "hybrid")} for ds in sets}
    held["all_folds"] = {ds.name: {name: [ds.measure(
        table.run_of(ds, final) if name == "hybrid" else table.runs[ds.name].lexical,
        table.qids(ds, f)) for f in range(folds)] for name in ("lexical", "hybrid")}
        for ds in sets}
    return held


def report(held: dict) -> str:
    lines = [f"fusion chosen per held-out fold: {held['chosen']}; on all questions: "
             f"{held['final']}", "held out (each fold's choice made on the other):"]
    lines += table_lines(held["sets"])
    lines.append(f"the fusion chosen on all questions ({held['final']}), in-sample:")
    lines += table_lines(held["all_folds"])
    return "\n".join(lines)


def table_lines(sets: dict) -> list[str]:
    lines = []
    for name, systems in sets.items():
        for label_, per_fold in systems.items():
            keys = list(per_fold[0])
            cells = "; ".join(
                f"{k} " + " ".join(f"{f[k]:.3f}" for f in per_fold)
                + f" | {np.mean([f[k] for f in per_fold]):.3f}" for k in keys)
            lines.append(f"  {name:18s} {label_:8s} {cells}")
    return lines


def kinds_report(sets: list[DevSet], runs: dict[str, SetRuns], folds: int) -> str:
    """Per set and query kind (keyword search / message of < or >= 40 words): how many, and
    the lexical ranking's and the cosine alone's objective (x100) per fold."""
    lines = ["by query kind: n, objective x100 per fold, lexical -> cosine alone"]
    for ds in sets:
        sr = runs[ds.name]
        for kind in ("keyword", "message<40w", "message>=40w"):
            cells = []
            for f in range(folds):
                qids = [q for q, _ in ds.topics if q in ds.folds[f]
                        and query_kind(sr, q) == kind]
                if not qids:
                    cells.append("-")
                    continue
                lex, cos = (objective(ds.measure(r, qids)) * 100 for r in (sr.lexical,
                                                                            sr.cosine))
                cells.append(f"n={len(qids)} {lex:.1f} -> {cos:.1f}")
            lines.append(f"  {ds.name:18s} {kind:13s} " + " | ".join(cells))
    return "\n".join(lines)


def query_kind(sr: SetRuns, qid: str) -> str:
    if sr.kinds[qid] != "msg":
        return "keyword" if sr.kinds[qid] == "kw" else "none"
    return "message>=40w" if sr.words[qid] >= 40 else "message<40w"


def main() -> None:
    from indexer.eval.liveqa import default_cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--any-order", action="store_true",
                    help="also choose among fusions that mix a keyword search's levels "
                         "(records with all the words first)")
    ap.add_argument("--runs", type=Path,
                    help="keep the runs in this file (pickle), or read them from it")
    ap.add_argument("--messages-from", type=int, default=0, metavar="N",
                    help="choose only among fusions that leave messages of fewer than N "
                         "words lexical (the family for long consumer messages)")
    ap.add_argument("--messages-only", action="store_true",
                    help="choose only among fusions that leave keyword searches lexical")
    ap.add_argument("--write", action="store_true",
                    help="store the fusion chosen on all dev questions in hybrid_weights.json")
    args = ap.parse_args()
    cache = default_cache_dir()
    start = time.monotonic()
    sets = dev_sets(args.shared, args.folds)
    grid = Grid.make(args.any_order)
    if args.runs and args.runs.exists():
        runs = pickle.loads(args.runs.read_bytes())  # noqa: S301 (our own file)
    else:
        runs = {ds.name: set_runs(ds, grid, cache / "hybrid", cache) for ds in sets}
        if args.runs:
            args.runs.write_bytes(pickle.dumps(runs))
    table = SideTable(grid, sets, runs, args.messages_from, args.messages_only)
    held = fit(sets, table, args.folds)
    print(f"{grid.size()} fusions")
    print(report(held))
    print(kinds_report(sets, runs, args.folds))
    print("best fusions on all questions: worst (set, fold) gain | mean | per set: fold "
          "gains (objective - lexical, x100) " + " ".join(ds.name for ds in sets))
    for worst, mean, name, per in table.leaders(args.folds):
        print(f"  {name:40s} {worst * 100:+.2f} | {mean * 100:+.2f} | " + "  ".join(
            "/".join(f"{g * 100:+.1f}" for g in p) for p in per))
    print(f"{time.monotonic() - start:.0f} s")
    if args.write:
        write(held, args.folds, args.messages_from, args.messages_only)


def write(held: dict, folds: int, messages_from: int = 0, messages_only: bool = False
          ) -> None:
    from indexer.search.fuse import WEIGHTS_FILE

    held_out = {name: {label_: {k: round(float(np.mean([f[k] for f in per])), 3)
                                for k in per[0]} for label_, per in systems.items()}
                for name, systems in held["sets"].items()}
    flags = ((" --messages-only" if messages_only else "")
             + (f" --messages-from {messages_from}" if messages_from else ""))
    family = ((f"; family: only messages of {messages_from}+ words fused"
               if messages_from else "")
              + ("; family: keyword searches left lexical" if messages_only else ""))
    source = (f"bench/hybrid_fit.py --folds {folds}{flags} --write, "
              f"{time.strftime('%Y-%m-%d')}: "
              "the fusion (family: method, cosine or its rank, cut-off for added rows; "
              "keyword-search and message sides: weights and gates, the message side's "
              "share of the record's question alone) whose worst dev set (lay, MEDIQA "
              "plain/structured, LiveQA original/summary) on its worst fold gains most over "
              "the lexical ranking, then the best mean gain; chosen per held-out fold: "
              f"{held['chosen']}; held_out_mean: each fold's choice scored on the other; "
              f"all_dev: the chosen fusion ({held['final']}, fitted on them) on all dev "
              f"questions{family}")
    payload = {"source": source, "fusion": held["final_fusion"].to_dict(),
               "held_out_mean": held_out, "all_dev": held["all_sets"]}
    WEIGHTS_FILE.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
