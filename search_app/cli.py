"""Console entry point `qasearch`: the indexer's commands plus `serve` and `editor-token`."""

from __future__ import annotations

import secrets

import click

from indexer.cli import cli
from search_app.serve import serve_command
from search_app.settings import check_editor_token

TOKEN_BYTES = 32  # 256 random bits: 43 URL-safe characters


@click.command("editor-token")
def editor_token_command() -> None:
    """Print a new random editor token (for QASEARCH_EDITOR_TOKEN).

    \b
    Examples:
      qasearch editor-token                      # 43 random URL-safe characters
      export QASEARCH_EDITOR_TOKEN="$(qasearch editor-token)"
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    check_editor_token(token)
    click.echo(token)


cli.add_command(serve_command)
cli.add_command(editor_token_command)


def main() -> None:
    cli()
