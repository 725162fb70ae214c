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
