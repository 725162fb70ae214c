"""`qasearch parse PATH... --out records.jsonl`: archive pages, dumps and datasets -> JSON Lines."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from indexer.ingest.parse import MAX_BYTES, ParseResult, parse_paths
from indexer.progress import progress_bar
from indexer.records import write_jsonl


def _progress(quiet: bool):
    """A `report` callback drawing a progress bar on stderr once there are many files."""
    state: dict = {}

    def report(path: Path, done: int, total: int) -> None:
        if quiet or total < 20:
            return
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = progress_bar(total, unit="file", desc="parsing")
        bar.update(1)
        if done >= total:
            bar.close()

    return report


def _write(result: ParseResult, out: str) -> None:
    if out == "-":
        write_jsonl(result.records, sys.stdout)
        return
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write_jsonl(result.records, fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("parse", epilog="""\b
Examples:
  qasearch parse scraped/ --out records.jsonl        # a page store written by `qasearch scrape`
  qasearch parse scraped/ ../shared/data/medquad ../shared/data/liveqa/judged-answers.csv \\
      -o records.jsonl
  qasearch parse scraped/ --source askacupuncture --strict -q | head
""")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "-o", default="-", show_default=True, metavar="FILE",
              help="Where to write the records as JSON Lines ('-' for standard output).")
@click.option("--include-empty", is_flag=True,
              help="Keep items whose answer is empty (MedQuAD pairs without text, cut-off items).")
@click.option("--max-mb", type=click.FloatRange(min=0.001), default=MAX_BYTES / 1024 / 1024,
              show_default=True, help="Skip (and report) page files larger than this.")
@click.option("--max-problems", type=int, default=50, show_default=True,
              help="How many problems to list (all are counted).")
@click.option("--source", default=None, metavar="NAME",
              help="Source name of the archive (record ids NAME-<item id>) [default: from each "
                   "page's host].")
@click.option("--strict", is_flag=True,
              help="Exit with status 2 when any item block with text gave no record.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no problem list.")
def parse_command(paths: tuple[Path, ...], out: str, include_empty: bool, max_mb: float,
                  max_problems: int, source: str | None, strict: bool, quiet: bool) -> None:
    """Parse archive pages, text dumps, record files and MedQuAD into records.

    PATH may be a raw page store (as written by `qasearch scrape`), K2 HTML pages, plain-text
    dumps (.txt), records (.jsonl), a MedQuAD directory or XML files, and judged-answers.csv.
    The summary and every problem go to stderr. Exit status 1 when nothing parsed; with
    --strict, 2 when any item block was skipped (each is listed as a warning)."""
    result = parse_paths(list(paths), include_empty=include_empty, report=_progress(quiet),
                         max_bytes=int(max_mb * 1024 * 1024), source=source)
    if result.records:
        _write(result, out)
    click.echo(result.summary(), err=True)
    if not quiet:
        for problem in result.problems[:max_problems]:
            click.echo(f"  {problem}", err=True)
        if len(result.problems) > max_problems:
            click.echo(f"  ... and {len(result.problems) - max_problems} more problems",
                       err=True)
    if not result.records:
        click.echo("error: nothing parsed", err=True)
        sys.exit(1)
    if out != "-":
        click.echo(f"wrote {len(result.records)} records to {out}", err=True)
    if strict and result.skipped_blocks:
        click.echo(f"error: {result.skipped_blocks} item block(s) skipped (--strict)", err=True)
        sys.exit(2)
