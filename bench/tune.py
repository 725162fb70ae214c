"""Choose a ranking setting on one half of the LiveQA dev questions, report it on the other.

    .venv/bin/python bench/tune.py search.plan.FOCUS_BOOST 0.3 0.5 0.7
    .venv/bin/python bench/tune.py search.plan.QTYPE_BOOST 0 0.25 0.5 \
        --set search.plan.FOCUS_BOOST=0.6
    .venv/bin/python bench/tune.py search.plan.FEEDBACK_DOCS 3 5 8 --objective ndcg --form summary

The setting is a module-level constant of `indexer.<module>` (read at query time). Every value
is run on both question forms; the dev questions are split into two disjoint folds (question n
is in fold n // 2 mod 2, as `qasearch eval liveqa --folds 2`). For each fold, the value that
scores best on the *other* fold is picked and its metrics on this fold are reported: the
cross-validated estimate of what choosing by this sweep is worth on questions it was not
chosen on. Ties go to the current value (no change without evidence).

--condensed scores condensed lists (unjudged answers dropped), a second view that does not
punish a ranking for answers the judges never saw.

--all-sets sweeps every dev set of `qasearch eval all` at once (lay P@1 and Success@3, MEDIQA
plain and structured avgScore, LiveQA original and summary avgScore, on the same folds): for
each fold, per set, the value best on the other fold and its figure on this one, and whether
any set loses against the current value (issue F: a change is kept only when none does).
Indexes come from $QASEARCH_CACHE_DIR (built when missing). A setting of
`index.conditions` (the condition table is written at build time) is swept by computing the
table again in memory for each value, from each index's own ranking arrays (no index rebuild).

Objectives (averaged over the forms run): `combined` = (avgScore / 3 + nDCG@10) / 2 (default),
`avg`, `p1`, `ndcg`.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("QASEARCH_SHARED", ROOT.parent / "shared"))  # a worktree: set it
sys.path.insert(0, str(ROOT))

from indexer.eval.datasets import load_qrels  # noqa: E402
from indexer.eval.liveqa import (  # noqa: E402
    LiveQAPaths,
    Metrics,
    cached_index,
    default_cache_dir,
    eval_corpus,
    evaluate_run,
    liveqa_topics,
    run_topics,
    split_qrels,
)
from indexer.index.store import IndexStore  # noqa: E402

FOLDS = 2


def objective(ms: list[Metrics], kind: str) -> float:
    def one(m: Metrics) -> float:
        if kind == "avg":
            return m.avg_score
        if kind == "p1":
            return m.p_at_1
        if kind == "ndcg":
            return m.ndcg_at_10
        return (m.avg_score / 3 + m.ndcg_at_10) / 2

    return sum(one(m) for m in ms) / len(ms)


def per_question_objective(row: dict[str, float], kind: str) -> float:
    keys = {"avg": "score", "p1": "p1", "ndcg": "ndcg"}
    if kind in keys:
        return row[keys[kind]]
    return (row["score"] / 3 + row["ndcg"]) / 2


def resolve(name: str) -> tuple[object, str]:
    mod, _, attr = name.rpartition(".")
    module = importlib.import_module(f"indexer.{mod}")
    if not hasattr(module, attr):
        raise SystemExit(f"indexer.{mod} has no setting {attr}")
    return module, attr


def parse_value(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _all_sets(cache: Path) -> list[tuple[str, Path, list, object, list]]:
    """(name, index, topics, metric(run, qids) -> value, fold qid sets) of every dev set."""
    from indexer.eval import lay, mediqa
    from indexer.eval.folds import fold_members

    shared = SHARED
    paths = LiveQAPaths.defaults(shared)
    medquad = list(eval_corpus(paths))
    out = []
    queries = lay.load_lay(shared / "data" / "lay" / "dev.jsonl")
    foci = lay.focus_of(medquad)
    for name in ("P@1", "Success@3"):
        def lay_metric(run, qids, name=name):
            return lay.evaluate_lay(run, [q for q in queries if q.qid in qids], foci).values[name]
        out.append((f"lay {name}", cached_index(medquad, cache), lay.lay_topics(queries),
                    lay_metric, fold_members((q.qid for q in queries), FOLDS)))
    questions = mediqa.load_mediqa(mediqa.default_files(shared))
    for form in mediqa.FORMS:
        records, qrels = mediqa.mediqa_corpus(questions, form)
        out.append((f"mediqa-{form}", cached_index(records, cache / f"mediqa-{form}"),
                    mediqa.mediqa_topics(questions),
                    lambda run, qids, q=qrels: evaluate_run(run, {k: q[k] for k in qids}).avg_score,
                    fold_members((q.qid for q in questions), FOLDS)))
    qrels = load_qrels(paths.qrels)
    for form in ("original", "summary"):
        out.append((f"liveqa-{form}", cached_index(medquad, cache),
                    [(q, t) for q, t in liveqa_topics(paths.questions, form) if q in qrels],
                    lambda run, qids: evaluate_run(run, {k: qrels[k] for k in qids}).avg_score,
                    [set(p) for p in split_qrels(qrels, FOLDS)]))
    return out


def rebuild_conditions_per_value(module: object, attr: str) -> None:
    """Make search read a condition table computed for the current value of a build-time
    setting of `indexer.index.conditions` (written once per index and value, in a temp dir)."""
    from indexer.index import conditions as built
    from indexer.search import conditions as searched

    if module is not built:
        return
    tmp = Path(tempfile.mkdtemp(prefix="tune-conditions-"))
    tables: dict[tuple[int, str], object] = {}

    def condition_table(data: object) -> object:
        key = (id(data), repr(getattr(built, attr)))
        if key not in tables:
            folder = tmp / str(len(tables))
            folder.mkdir()
            built.save(folder, data)
            tables[key] = built.load(folder)
        return tables[key]

    searched.condition_table = condition_table


def sweep_all_sets(module: object, attr: str, values: list) -> None:
    """--all-sets: every value on every set and fold; cross-validated choice per set."""
    current = getattr(module, attr)
    rebuild_conditions_per_value(module, attr)
    sets = _all_sets(default_cache_dir())
    fig: dict[tuple[str, int], list[float]] = {}  # (set, value index) -> per fold
    for vi, value in enumerate(values):
        setattr(module, attr, value)
        for name, index_dir, topics, metric, folds in sets:
            with IndexStore(index_dir).searcher() as s:
                run = run_topics(s, topics, limit=10)
            fig[name, vi] = [metric(run, qids) for qids in folds]
        print(f"{value!s:>10}  " + "  ".join(
            f"{name} {' '.join(f'{x:.3f}' for x in fig[name, vi])}" for name, *_ in sets),
            flush=True)
    setattr(module, attr, current)
    cur = values.index(current)
    losers = []
    for name, *_ in sets:
        got = []
        for k in range(FOLDS):
            best = max(range(len(values)), key=lambda vi: (
                sum(fig[name, vi][j] for j in range(FOLDS) if j != k), vi == cur))
            got.append((values[best], fig[name, best][k]))
        cv = sum(x for _, x in got) / FOLDS
        base = sum(fig[name, cur]) / FOLDS
        print(f"{name:>20}: chosen per fold {[v for v, _ in got]} -> {cv:.3f} "
              f"(current {current!r}: {base:.3f})")
        losers += [(name, values[vi]) for vi in range(len(values))
                   if any(fig[name, vi][k] < fig[name, cur][k] - 1e-9 for k in range(FOLDS))]
    for vi, value in enumerate(values):
        lost = [n for n, v in losers if v == value]
        if vi != cur:
            print(f"{value!s:>10}: " + (f"loses on {', '.join(lost)}" if lost else
                                        "no set loses on any fold"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("setting", help="module.NAME under indexer, e.g. search.plan.FOCUS_BOOST")
    ap.add_argument("values", nargs="+", help="values to try (Python literals)")
    ap.add_argument("--set", action="append", default=[], metavar="module.NAME=VALUE",
                    help="fixed overrides applied before the sweep")
    ap.add_argument("--form", action="append", choices=["original", "summary"])
    ap.add_argument("--objective", default="combined", choices=["combined", "avg", "p1", "ndcg"])
    ap.add_argument("--condensed", action="store_true",
                    help="score condensed lists (unjudged answers dropped from the rankings)")
    ap.add_argument("--all-sets", action="store_true",
                    help="sweep every dev set of 'qasearch eval all' (lay, MEDIQA, LiveQA)")
    args = ap.parse_args()
    if args.all_sets:
        for item in args.set:
            name, _, value = item.partition("=")
            setattr(*resolve(name), parse_value(value))
        module, attr = resolve(args.setting)
        values = [parse_value(v) for v in args.values]
        if getattr(module, attr) not in values:
            values.insert(0, getattr(module, attr))
        sweep_all_sets(module, attr, values)
        return

    paths = LiveQAPaths.defaults(SHARED)
    store = IndexStore(cached_index(eval_corpus(paths), default_cache_dir()))
    qrels = load_qrels(paths.qrels)
    parts = split_qrels(qrels, FOLDS)
    forms = args.form or ["original", "summary"]
    topics = {f: [(q, t) for q, t in liveqa_topics(paths.questions, f) if q in qrels]
              for f in forms}
    for item in args.set:
        name, _, value = item.partition("=")
        module, attr = resolve(name)
        setattr(module, attr, parse_value(value))
    module, attr = resolve(args.setting)
    current = getattr(module, attr)
    values = [parse_value(v) for v in args.values]
    if current not in values:
        values.insert(0, current)

    # table[value][fold] = [Metrics per form]; fold -1 = all questions
    table: dict[int, dict[int, list[Metrics]]] = {}
    with store.searcher() as s:
        for vi, value in enumerate(values):
            setattr(module, attr, value)
            table[vi] = {-1: [], **{k: [] for k in range(FOLDS)}}
            for form in forms:
                run = run_topics(s, topics[form], limit=100 if args.condensed else 10)
                table[vi][-1].append(evaluate_run(run, qrels, condensed=args.condensed))
                for k, part in enumerate(parts):
                    table[vi][k].append(evaluate_run(run, part, condensed=args.condensed))
    setattr(module, attr, current)

    print(f"{args.setting}  (current {current!r}; objective {args.objective}; forms "
          f"{', '.join(forms)})")
    head = f"{'value':>10} {'fold':>5}" + "".join(
        f" {f[:4] + ' ' + c:>14}" for f in forms for c in ("avg", "P@1", "nDCG")
    ) + f" {'objective':>10}"
    print(head)
    for vi, value in enumerate(values):
        for k in (-1, *range(FOLDS)):
            ms = table[vi][k]
            cells = "".join(f" {x:>14.3f}" for m in ms
                            for x in (m.avg_score, m.p_at_1, m.ndcg_at_10))
            label = "all" if k < 0 else str(k + 1)
            print(f"{value!s:>10} {label:>5}{cells} {objective(ms, args.objective):>10.3f}")
    print()
    cur_i = values.index(current)
    cv_total = 0.0
    cur_total = 0.0
    for k in range(FOLDS):
        others = [j for j in range(FOLDS) if j != k]

        def score_on_others(vi: int, others: list[int] = others) -> float:
            return sum(objective(table[vi][j], args.objective) for j in others)

        best = max(range(len(values)), key=lambda vi: (score_on_others(vi), vi == cur_i))
        got = objective(table[best][k], args.objective)
        cur = objective(table[cur_i][k], args.objective)
        cv_total += got
        cur_total += cur
        print(f"fold {k + 1}: chosen on the other fold(s): {values[best]!r} -> {got:.3f} here "
              f"(current {current!r}: {cur:.3f})")
    print(f"cross-validated objective {cv_total / FOLDS:.3f} vs current {cur_total / FOLDS:.3f}")
    print("\nper question (both forms), against the current value: better / worse")
    for vi, value in enumerate(values):
        if vi == cur_i:
            continue
        better = worse = 0
        for mine, cur in zip(table[vi][-1], table[cur_i][-1], strict=True):
            for qid, row in mine.per_question.items():
                d = per_question_objective(row, args.objective) - per_question_objective(
                    cur.per_question[qid], args.objective)
                better += d > 1e-9
                worse += d < -1e-9
        print(f"{value!s:>10}: {better} / {worse}")


if __name__ == "__main__":
    main()
