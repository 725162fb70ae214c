"""Console entry point `qasearch`: the indexer's commands plus `serve` and `editor-token`.

`qasearch serve` is dispatched to its command without importing the other commands: they
pull in the scraper's and parsers' libraries (ftfy, lxml, protego: ~10 MB of the server's
master process, and of every worker forked from it, that no request uses). `cli`, the whole
group, is built on first use (`from search_app.cli import cli`).
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

import click

from search_app.settings import check_editor_token

TOKEN_BYTES = 32  # 256 random bits: 43 URL-safe characters
HELP_OPTIONS = ["-h", "--help"]  # as the group's context settings (indexer.cli)


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


def full_cli() -> click.Group:
    """The `qasearch` group with every command (the indexer's, `serve`, `editor-token`)."""
    from indexer.cli import cli
    from search_app.serve import serve_command

    cli.add_command(serve_command)
    cli.add_command(editor_token_command)
    return cli


def __getattr__(name: str) -> Any:
    if name == "cli":
        return full_cli()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        from search_app.serve import serve_command

        serve_command.main(args[1:], prog_name="qasearch serve",
                           help_option_names=HELP_OPTIONS)
        return
    full_cli().main(args, prog_name="qasearch")
