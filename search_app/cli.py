"""Console entry point `qasearch`: the indexer's commands plus `serve`."""

from __future__ import annotations

from indexer.cli import cli
from search_app.serve import serve_command

cli.add_command(serve_command)


def main() -> None:
    cli()
