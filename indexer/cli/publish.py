"""`qasearch publish`: send a built generation to the index folders of replicas.

Thin wrapper over `indexer.index.publish` (copy or rsync, verify at the receiving side, swap
CURRENT atomically); `--receive` is the receiving step, run on a replica over ssh.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from indexer.cli.common import output_format
from indexer.settings import Settings


@click.command("publish", epilog="""\b
Examples:
  qasearch publish --index build/index --to /srv/qasearch/index
  qasearch publish --to web1:/srv/qasearch/index --to web2:/srv/qasearch/index
  qasearch publish --to web3:/srv/qasearch/index --rsh 'ssh -p 2222' \\
      --remote-qasearch /opt/qasearch/.venv/bin/qasearch
  qasearch publish --generation gen-20260101T000000-ab12cd34 --allow-older --to ...  # roll back
  qasearch publish --receive /srv/qasearch/index/.incoming-gen-... --index /srv/qasearch/index

\b
Each replica verifies every file against the generation's checksums before its CURRENT is
swapped; servers reading the folder use the new generation from their next search.
Exit status: 0 when every target is live on the generation, 1 otherwise.
""")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="The index published from (default: QASEARCH_INDEX_DIR or "
              "./index); with --receive, the replica's own index folder.")
@click.option("--to", "targets", multiple=True, metavar="FOLDER|HOST:FOLDER",
              help="A replica's index folder, or [user@]host:/folder over ssh (rsync); repeat "
              "for each replica.")
@click.option("--generation", default=None, help="The generation to publish (default: the "
              "live one).")
@click.option("--allow-older", is_flag=True,
              help="Publish a generation older than a replica's live one (a roll-back).")
@click.option("--rsh", default="ssh", show_default=True,
              help="Remote shell for host:/folder targets, e.g. 'ssh -p 2222'.")
@click.option("--remote-qasearch", default="qasearch", show_default=True,
              help="The qasearch command on the replicas (run there to verify and swap).")
@click.option("--receive", "incoming", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="On a replica: verify INDEX/.incoming-<generation> (copied "
              "there by rsync) and make it live.")
@output_format("text", "json")
def publish_command(fmt: str, index_dir: Path | None, targets: tuple[str, ...],
                    generation: str | None, allow_older: bool, rsh: str,
                    remote_qasearch: str, incoming: Path | None) -> None:
    """Publish a built index generation to replicas: copied, verified there, swapped in."""
    from indexer.index.publish import PublishError, publish, receive

    index_dir = Settings.load(overrides={"index_dir": index_dir}).index_dir
    if incoming is not None:
        if targets or generation:
            raise click.UsageError("--receive takes only --index (the replica's folder)")
        try:
            report = receive(index_dir, incoming, allow_older=allow_older)
        except PublishError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(report.to_dict()) if fmt == "json" else report.summary())
        return
    if not targets:
        raise click.UsageError("give at least one --to FOLDER or --to HOST:FOLDER")
    done, failed = [], []
    for target in targets:
        try:
            report = publish(index_dir, target, generation=generation, rsh=rsh,
                             remote_qasearch=remote_qasearch, allow_older=allow_older)
        except PublishError as exc:
            failed.append({"target": target, "error": str(exc)})
            if fmt != "json":
                click.echo(f"error: {target}: {exc}", err=True)
            continue
        done.append(report.to_dict())
        if fmt != "json":
            click.echo(report.summary())
    if fmt == "json":
        click.echo(json.dumps({"published": done, "failed": failed}))
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(targets)} targets not published")
