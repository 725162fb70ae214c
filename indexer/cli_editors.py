"""The editors' commands (issue D): `similar`, `duplicates`, `report queries`, `eval rqe`.

Thin wrappers over `indexer.similar`, `indexer.duplicates`, `indexer.querylog` and
`indexer.rqe_eval`; `indexer.cli` registers them on the `qasearch` group.
"""

from __future__ import annotations

from pathlib import Path

import click

from indexer.settings import Settings


@click.group("report")
def report_group() -> None:
    """Reports for editors (query statistics)."""


@report_group.command("queries")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
    show_default=True, help="Output format.",
)
@click.option("--days", type=int, default=None, help="Period in days (default: the retention).")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows per list.")
@click.option("--k", "k", type=int, default=None,
              help="Minimum distinct sessions per query (never below QASEARCH_QUERY_LOG_K).")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Query statistics directory (default: QASEARCH_QUERY_LOG_DIR).")
def report_queries(fmt: str, days: int | None, limit: int, k: int | None,
                   log_dir: Path | None) -> None:
    """What visitors searched for and what they could not find (k-anonymous counts)."""
    from indexer.querylog import QueryLog, render_report

    settings = Settings.load(overrides={"query_log_dir": log_dir})
    if limit < 1:
        raise click.BadParameter("must be at least 1", param_hint="--limit")
    log = QueryLog(settings)
    try:
        click.echo(render_report(log.report(days=days, limit=limit, k=k), fmt))
    finally:
        log.close()


def register(cli: click.Group) -> None:
    """Add the editors' commands to the `qasearch` group."""
    cli.add_command(report_group)
