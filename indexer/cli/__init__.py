"""The `qasearch` command line: click commands only, thin calls into the library packages.

One module per part of the flow (`scrape`, `parse`, `search`: index/search/eval liveqa, `evaluate`:
eval lay/mediqa/all, `editors`), and `common`: the `--format` option and the one-line errors
they all share; no other module of `indexer` imports click. `search_app.cli` adds `serve` on top
of this group.
"""

from __future__ import annotations

import click

from indexer.cli import editors, evaluate, parse, publish, scrape, search


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="""\b
Examples:
  qasearch index --source scraped --index index
  qasearch search "accupuncture for sciatia" --index index
  qasearch serve --index index --port 5000
  qasearch search --help                  # each command's options, examples, exit status

\b
Output: --format text (the default, for people) or json (for scripts) on every command
that prints data; csv, html or trec where a command can write them.
""")
@click.version_option(package_name="qasearch")
def cli() -> None:
    """Search archives of expert answers: scrape, parse, index, search, serve."""


cli.add_command(scrape.scrape_command)
cli.add_command(parse.parse_command)
search.register(cli)
evaluate.register(cli.commands["eval"])
editors.register(cli)
cli.add_command(publish.publish_command)
