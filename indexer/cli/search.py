"""The search core's commands (issue B): `index`, `search` and `eval liveqa`.

Thin wrappers over `indexer.index.build`, `indexer.search` and `indexer.eval.liveqa`; `indexer.cli`
registers them on the `qasearch` group.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from indexer.cli.common import (
    Failure,
    batch_format,
    eval_cache_hint,
    library_errors,
    output_format,
)
from indexer.settings import Settings

if TYPE_CHECKING:
    from indexer.eval.liveqa import LiveQAPaths
    from indexer.index.build import BuildReport

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def _settings(index_dir: str | None, sources: tuple[str, ...] | None = None) -> Settings:
    return Settings.load(overrides={"index_dir": index_dir, "source_paths": sources or None})


# --------------------------------------------------------------------------- index
@click.command("index", epilog="""\b
Examples:
  qasearch index                                    # the configured sources (scraped/) -> index/
  qasearch index --source scraped --index index
  qasearch index --source records.jsonl --source ../shared/data/medquad --index medquad-index
  qasearch index --full -q                          # rebuild from scratch, no progress bar
""")
@click.option("--source", "sources", multiple=True, metavar="PATH",
              help="Page store, HTML/text pages, records (.jsonl) or MedQuAD; repeatable. "
                   "Default: the configured sources (scraped/).")
@click.option("--index", "index_dir", metavar="DIR", help="Index directory (default: index/).")
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of reusing unchanged "
                                           "records of the live index.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--allow-empty", is_flag=True, help="Swap in an index even when the sources "
                                                  "gave no records.")
def index_command(sources: tuple[str, ...], index_dir: str | None, full: bool, quiet: bool,
                  allow_empty: bool) -> None:
    """Build the search index from SOURCES into a new generation and swap it in atomically.

    The live index keeps serving until the new one is complete; unchanged records are not
    re-indexed. Malformed pages are reported and skipped.
    """
    settings = _settings(index_dir, sources)
    paths = [Path(p) for p in settings.source_paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"source not found: {', '.join(missing)}")
    with library_errors():
        _index(settings, paths, quiet, allow_empty, full)


def _index(settings: Settings, paths: list[Path], quiet: bool, allow_empty: bool,
           full: bool) -> None:
    from indexer.index.build import BuildError, build_index
    from indexer.ingest.parse import parse_paths

    if not quiet:
        click.echo(f"reading {', '.join(map(str, paths))}", err=True)
    result = parse_paths(paths)
    for problem in result.problems[:20]:
        click.echo(str(problem), err=True)  # "<page>, <position>: <level>: <message>"
    if len(result.problems) > 20:
        click.echo(f"... and {len(result.problems) - 20} more problems", err=True)
    if not result.records and not allow_empty:
        raise click.ClickException(
            "the sources gave no records; the live index was left as it is "
            "(use --allow-empty to build an empty index)"
        )
    try:
        report = build_index(result.records, settings.index_dir, progress=not quiet, full=full,
                             on_searchable=None if quiet else _searchable)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in report.problems:  # records rejected by the build, a damaged live index
        click.echo(f"note: {problem}", err=True)
    report.problems = [f"{p.path}: {p.message}" for p in result.problems] + report.problems
    click.echo(report.summary())
    if report.problems:
        click.echo(f"{len(report.problems)} input problem(s) reported above", err=True)


def _searchable(report: BuildReport) -> None:
    """Said when the new generation is live, before the build stores its duplicate groups."""
    rest = "" if "duplicates" in report.stages else "; storing its duplicate groups"
    click.echo(f"generation {report.generation} is live: searchable after "
               f"{report.searchable:.1f} s ({report.records} records){rest}", err=True)


# --------------------------------------------------------------------------- search
def _render_segments(segments: list, color: bool) -> str:
    out = []
    for seg in segments:
        if seg.highlight:
            out.append(click.style(seg.text, bold=True, fg="yellow") if color else f"[{seg.text}]")
        else:
            out.append(seg.text)
    return "".join(out)


def _print_result(result: object, color: bool) -> None:
    r = result  # SearchResult
    if r.corrected:
        click.echo(f"Showing results for: {r.did_you_mean}  (instead of: {r.query}; "
                   "--no-autocorrect searches it as typed)")
    elif r.did_you_mean:
        click.echo(f"Did you mean: {r.did_you_mean}?")
    for syn in r.synonyms:
        click.echo(f"Also searched for: {', '.join(syn.alternatives)} ({syn.phrase})")
    for notice in r.notices:
        click.echo(f"Note: {notice}")
    shown = f"{r.offset + 1}-{r.offset + len(r.hits)}" if r.hits else "0"
    click.echo(f"{r.total} result(s); showing {shown}\n")
    full = r.understood.get("all_words")
    for hit in r.hits:
        if full is not None and hit.rank == full + 1:
            click.echo("     --- answers with some of your words ---\n")
        cats = "; ".join(" > ".join(p) for p in hit.categories)
        click.echo(f"{hit.rank:>3}. {_render_segments(hit.question_parts, color)}")
        click.echo(f"     id={hit.id}  score={hit.score:.3f}" + (f"  [{cats}]" if cats else ""))
        if hit.answer_parts:
            click.echo(f"     {_render_segments(hit.answer_parts, color)}")
        if hit.url:
            click.echo(f"     {hit.url}")
        click.echo()


@click.command("search", epilog="""\b
Examples:
  qasearch search "accupuncture for sciatia"
  qasearch search "back pain" --category "muscles and bones" --limit 5
  qasearch search '"lower back" -epidural' --format json --index index
  qasearch search --batch topics.tsv --run-out run.txt   # topics.tsv: 'qid<TAB>query' lines

\b
Exit status (as grep): 0 when results are shown, 1 when there is none to show,
2 on an error (a bad option, a missing or damaged index).
""")
@click.argument("query", required=False)
@output_format("text", "json", "trec",
               help="Output format: text, json (the result as the API gives it), or trec "
                    "(the only format of a --batch run).")
@click.option("--limit", type=int, default=10, show_default=True, help="Results per page.")
@click.option("--offset", type=int, default=0, show_default=True, help="Results to skip.")
@click.option("--category", "category", multiple=True, metavar="NAME",
              help="Only records in this category; repeat for a path, e.g. "
                   "--category 'muscles and bones' --category 'back / spine'.")
@click.option("--index", "index_dir", metavar="DIR", help="Index directory (default: index/).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False), metavar="TOPICS",
              help="Run every line 'qid<TAB>query' of TOPICS; write a TREC run (--run-out).")
@click.option("--run-out", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Where --batch writes its run ('-' for standard output).")
@click.option("--tag", default="qasearch", show_default=True, help="Run tag for --batch.")
@click.option("--no-autocorrect", "exact", is_flag=True,
              help="Search the query exactly as typed: no spelling corrections.")
def search_command(query: str | None, fmt: str, limit: int, offset: int,
                   category: tuple[str, ...], index_dir: str | None, batch: str | None,
                   run_out: str | None, tag: str, exact: bool) -> None:
    """Search the index for QUERY (any text: keywords, "phrases", -exclusions, a OR b)."""
    from indexer.index.store import IndexStore
    from indexer.results import QueryError

    batch_format(fmt, batch is not None)
    settings = _settings(index_dir)
    store = IndexStore(settings.index_dir)
    if not store.exists():
        raise Failure(f"no index in {settings.index_dir}: build one with `qasearch index`")
    if batch:
        if not run_out:
            raise click.UsageError("--batch needs --run-out FILE")
        with library_errors(Failure):
            _run_batch(store, Path(batch), run_out, limit if limit != 10 else 1000, tag)
        return
    if query is None:
        raise click.UsageError("give a QUERY (or --batch TOPICS --run-out FILE)")
    from indexer.search import search

    try:
        with library_errors(Failure), store.searcher() as s:
            result = search(s, query, category=list(category) or None, limit=limit,
                            offset=offset, autocorrect=not exact)
    except QueryError as exc:
        raise click.UsageError(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_result(result, color=sys.stdout.isatty())
    if not result.hits:
        raise click.exceptions.Exit(1)  # nothing to show: grep's "no lines selected"


def _run_batch(store: object, topics: Path, run_out: str, limit: int, tag: str) -> None:
    from indexer.eval.liveqa import read_topics, run_topics, write_run

    try:
        items = read_topics(topics)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    limit = max(1, min(limit, 1000))
    with store.searcher() as s:  # type: ignore[attr-defined]
        run = run_topics(s, items, limit=limit)
    if run_out == "-":
        write_run(run, sys.stdout, tag)
    else:
        with open(run_out, "w", encoding="utf-8") as fh:
            write_run(run, fh, tag)
        click.echo(f"{len(items)} topic(s) -> {run_out}", err=True)


# --------------------------------------------------------------------------- eval liveqa
@click.command("liveqa", epilog="""\b
Examples:
  qasearch eval liveqa                              # both forms, data from ../shared
  qasearch eval liveqa --form summary --folds 2 --format json
  qasearch eval liveqa --per-question --run-out /tmp/liveqa   # + /tmp/liveqa-<form>.txt
""")
@click.option("--qrels", type=click.Path(dir_okay=False), metavar="FILE",
              help="Judgments 'n grade answer-id' (default: ../shared/data/liveqa/qrels-dev.txt).")
@click.option("--medquad", type=click.Path(file_okay=False), metavar="DIR",
              help="MedQuAD XML folder (default: ../shared/data/medquad).")
@click.option("--judged", type=click.Path(dir_okay=False), metavar="CSV",
              help="judged-answers.csv (default: ../shared/data/liveqa/judged-answers.csv).")
@click.option("--questions", type=click.Path(dir_okay=False), metavar="XML",
              help="LiveQA test questions (default: the file in ../shared/data/liveqa).")
@click.option("--form", "forms", multiple=True, type=click.Choice(["original", "summary"]),
              help="Question form(s) to run (default: both).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Where evaluation indexes are cached (default: ~/.cache/qasearch).")
@output_format("text", "json", help="Output format of the metrics.")
@click.option("--per-question", is_flag=True, help="Also print each question's metrics.")
@click.option("--run-out", metavar="PREFIX",
              help="Write each form's TREC run to PREFIX-<form>.txt.")
@click.option("--folds", type=click.IntRange(0, 26), default=0, show_default=True,
              help="Also print the metrics on N disjoint parts of the questions (rows "
                   "<form>/<part>; part of question n: n // 2 mod N), to see how much a "
                   "change depends on which questions it is measured on.")
@click.option("--condensed", is_flag=True,
              help="Also print the metrics with unjudged answers removed from the rankings "
                   "(rows <form>/condensed): how much an unjudged answer at the top costs.")
def eval_liveqa(qrels: str | None, medquad: str | None, judged: str | None,
                questions: str | None, forms: tuple[str, ...], cache_dir: str | None,
                fmt: str, per_question: bool, run_out: str | None, folds: int,
                condensed: bool) -> None:
    """Rank the LiveQA medical questions against MedQuAD and print avgScore, P@1, MRR@10,
    nDCG@10 and judged@10 for the original wording and the NLM summaries."""
    from indexer.eval.liveqa import LiveQAPaths

    paths = LiveQAPaths.defaults(SHARED)
    if qrels:
        paths.qrels = Path(qrels)
    if medquad:
        paths.medquad = Path(medquad)
    if judged:
        paths.judged = Path(judged)
    if questions:
        paths.questions = Path(questions)
    missing = paths.missing()
    if missing:
        raise click.ClickException(f"evaluation data not found: {', '.join(missing)}")
    with library_errors(also=(ValueError,), hint=eval_cache_hint):
        _liveqa(paths, forms, cache_dir, fmt, per_question, run_out, folds, condensed)


def _liveqa(paths: LiveQAPaths, forms: tuple[str, ...], cache_dir: str | None, fmt: str,
            per_question: bool, run_out: str | None, folds: int, condensed: bool) -> None:
    from indexer.eval.datasets import load_qrels
    from indexer.eval.liveqa import (
        cached_index,
        default_cache_dir,
        eval_corpus,
        evaluate_folds,
        evaluate_liveqa,
        evaluate_run,
        format_table,
        metrics_json,
        write_run,
    )
    from indexer.index.store import IndexStore

    click.echo("reading the evaluation corpus (MedQuAD + judged answers)", err=True)
    problems: list = []
    records = list(eval_corpus(paths, problems))
    index_dir = cached_index(records, Path(cache_dir) if cache_dir else default_cache_dir(),
                             progress=True)
    click.echo(f"{len(records)} records; index {index_dir}", err=True)
    store = IndexStore(index_dir)
    with store.searcher() as s:
        results = evaluate_liveqa(s, paths, forms=forms or ("original", "summary"),
                                  limit=100 if condensed else 10)
    metrics = {form: m for form, (m, _run) in results.items()}
    if folds > 1:
        metrics.update(evaluate_folds(results, load_qrels(paths.qrels), folds))
    if condensed:
        judged_qrels = load_qrels(paths.qrels)
        for form, (_m, run) in results.items():
            metrics[f"{form}/condensed"] = evaluate_run(run, judged_qrels, condensed=True)
    click.echo(metrics_json(metrics) if fmt == "json" else format_table(metrics))
    if per_question:
        for form, (m, _run) in results.items():
            for qid, row in sorted(m.per_question.items(), key=lambda kv: int(kv[0][2:])):
                cells = "  ".join(f"{k}={v:.2f}" for k, v in row.items())
                click.echo(f"{form:<9} {qid:<6} {cells}")
    if run_out:
        for form, (_m, run) in results.items():
            with open(f"{run_out}-{form}.txt", "w", encoding="utf-8") as fh:
                write_run(run, fh, f"qasearch-{form}")


EVAL_EXAMPLES = """\b
Examples:
  qasearch eval all --folds 2          # every dev set, with stock Whoosh beside qasearch
  qasearch eval liveqa --format json
  qasearch eval rqe --distractors
"""


def register(cli: click.Group) -> None:
    """Add `index`, `search` and `eval liveqa` to the `qasearch` group."""
    cli.add_command(index_command)
    cli.add_command(search_command)
    group = cli.commands.get("eval")
    if not isinstance(group, click.Group):
        group = click.Group("eval", help="Measure search quality on the shared data sets.",
                            epilog=EVAL_EXAMPLES)
        cli.add_command(group)
    group.add_command(eval_liveqa)
