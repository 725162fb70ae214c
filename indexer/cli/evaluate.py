"""`qasearch eval lay|mediqa|all` (issue F): the dev sets scored side by side with stock Whoosh
BM25F, with cross-validated folds; thin wrappers over `indexer.eval.report`.

`register(eval_group)` adds the commands to the `eval` group that `indexer.cli.search` makes.
Every run also writes its figures to `bench/results/eval-<time>.json` (git-ignored) so that
changes can be compared; `--no-save` skips that.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from indexer.cli.common import eval_cache_hint, library_errors, output_format

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
RESULTS = REPO / "bench" / "results"


def _options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command here shares."""
    opts = [
        click.option("--folds", type=click.IntRange(0, 26), default=2, show_default=True,
                     help="Also report each set's metrics on K disjoint parts of its "
                          "questions and their mean (0 or 1: none)."),
        click.option("--baseline/--no-baseline", default=True, show_default=True,
                     help="Also rank with stock Whoosh BM25F (same analyzer, no query "
                          "understanding) on the same records."),
        output_format("text", "json", help="Output format: text (a table) or json (the rows)."),
        click.option("--shared", "shared", type=click.Path(file_okay=False), metavar="DIR",
                     help="The shared data folder (default: ../shared)."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False), metavar="DIR",
                     help="Where evaluation indexes are cached (default: $QASEARCH_CACHE_DIR "
                          "or ~/.cache/qasearch)."),
        click.option("--save/--no-save", default=True, show_default=True,
                     help="Write the figures to bench/results/eval-<time>.json."),
        click.option("--hybrid", is_flag=True,
                     help="Also rank with hybrid search (words + embeddings fused as "
                          "indexer/data/hybrid_weights.json says). "
                          "Its indexes, with embeddings, are cached in CACHE/hybrid."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _run(sets: Sequence[str], folds: int, baseline: bool, fmt: str, shared: str | None,
         cache_dir: str | None, save: bool, hybrid: bool = False) -> None:
    from indexer.eval.liveqa import default_cache_dir
    from indexer.eval.report import evaluate_all, format_rows, save_rows

    root = Path(shared) if shared else SHARED
    if not (root / "data").is_dir():
        raise click.ClickException(f"evaluation data not found: {root / 'data'}")
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    if hybrid:
        from indexer.text.embed import EmbeddingUnavailable, require

        try:
            require()  # before the lexical runs: say at once what to install
        except EmbeddingUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
    start = time.monotonic()
    with library_errors(also=(ValueError,), hint=eval_cache_hint):
        rows = evaluate_all(root, cache, sets=sets, folds=folds, baseline=baseline,
                            say=lambda msg: click.echo(msg, err=True))
        if hybrid:
            rows = _with_hybrid(rows, root, cache, sets, folds)
    seconds = time.monotonic() - start
    click.echo(json.dumps(rows, indent=1) if fmt == "json" else format_rows(rows))
    if save:
        params = {"sets": list(sets), "folds": folds, "baseline": baseline, "hybrid": hybrid}
        path = save_rows(rows, RESULTS, params=params, seconds=seconds)
        click.echo(f"{seconds:.0f} s; figures saved to {path}", err=True)


def _with_hybrid(rows: list[dict[str, Any]], root: Path, cache: Path, sets: Sequence[str],
                 folds: int) -> list[dict[str, Any]]:
    """`rows` with a "qasearch-hybrid" row after each set's qasearch row: the same sets run
    with QASEARCH_HYBRID=1 on indexes built with embeddings (cache/hybrid)."""
    import os

    from indexer.eval.report import QASEARCH, evaluate_all

    before = os.environ.get("QASEARCH_HYBRID")
    os.environ["QASEARCH_HYBRID"] = "1"
    try:
        extra = evaluate_all(root, cache / "hybrid", sets=sets, folds=folds, baseline=False,
                             say=lambda msg: click.echo(f"hybrid: {msg}", err=True))
    finally:
        if before is None:
            os.environ.pop("QASEARCH_HYBRID", None)
        else:
            os.environ["QASEARCH_HYBRID"] = before
    by_set = {r["set"]: {**r, "system": f"{QASEARCH}-hybrid"} for r in extra}
    out = []
    for r in rows:
        out.append(r)
        if r["system"] == QASEARCH and r["set"] in by_set:
            out.append(by_set[r["set"]])
    return out


@click.command("lay", epilog="""\b
Examples:
  qasearch eval lay                                 # data from ../shared, 2 folds
  qasearch eval lay --folds 0 --no-baseline --no-save
  qasearch eval lay --format json --cache /tmp/qasearch-cache
""")
@_options
def eval_lay(**kwargs: Any) -> None:
    """The 80 lay searches over the MedQuAD evaluation corpus, scored at condition level:
    P@1, Success@3 and MRR@10, overall and per kind of search."""
    _run(("lay",), **kwargs)


@click.command("mediqa", epilog="""\b
Examples:
  qasearch eval mediqa
  qasearch eval mediqa --shared ../shared --format json --no-save
""")
@_options
def eval_mediqa(**kwargs: Any) -> None:
    """The MEDIQA 2019 QA questions over all their graded answers, in the plain form (heading
    as title only) and the structured form (condition and section as focus and qtype):
    avgScore, P@1, MRR@10, nDCG@10, judged@10."""
    _run(("mediqa",), **kwargs)


@click.command("all", epilog="""\b
Examples:
  qasearch eval all --folds 2                       # judge a ranking change on every set
  qasearch eval all --hybrid --format json > figures.json
""")
@_options
def eval_all(**kwargs: Any) -> None:
    """Every dev set (lay, mediqa, liveqa) in one table."""
    from indexer.eval.report import SETS

    _run(SETS, **kwargs)


def register(eval_group: click.Group) -> None:
    """Add `lay`, `mediqa` and `all` to the `qasearch eval` group."""
    for command in (eval_lay, eval_mediqa, eval_all):
        eval_group.add_command(command)
