"""The `qasearch` command line: a thin click group over the library functions.

Each command lives beside the library code it drives and only parses options, calls the
library and prints. `search_app.cli` adds `serve` on top of this group.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qasearch")
def cli() -> None:
    """Search archives of expert answers: scrape, parse, index, search, serve."""


def _register_editor_commands() -> None:
    # The editors' commands (issue D) live in indexer/cli_editors.py.
    from indexer.cli_editors import register

    register(cli)


_register_editor_commands()


def _register_scrape_command() -> None:
    # `qasearch scrape` (the crawler, issue A) lives in indexer/scrape.py.
    from indexer.scrape import scrape_command

    cli.add_command(scrape_command)


_register_scrape_command()


def _register_parse_command() -> None:
    # `qasearch parse` (the parsers, issue A) lives in indexer/parse/command.py.
    from indexer.parse.command import parse_command

    cli.add_command(parse_command)


_register_parse_command()


def _register_search_commands() -> None:
    # `qasearch index`, `search` and `eval liveqa` (the search core, issue B) live in
    # indexer/cli_search.py.
    from indexer.cli_search import register

    register(cli)


_register_search_commands()
