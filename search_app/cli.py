"""Console entry point `qasearch`: the indexer's commands plus `serve`."""

from __future__ import annotations

from indexer.cli import cli


def main() -> None:
    cli()
