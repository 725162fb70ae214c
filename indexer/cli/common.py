"""What every `qasearch` command shares: the `--format` option and one-line errors.

Output format: each command that prints data takes `--format` with the formats it supports
(`text`, for people, is the default where it exists; `json` wherever the output is data), and
a hidden `--json`, the older spelling of `--format json`, kept so that scripts keep working.

Errors: a library error (no index, a damaged index, an unreadable file, a bad data file...)
becomes one line on stderr (`click.ClickException`), never a traceback. `search` and `similar`
exit like grep: 0 when something was found, 1 when nothing was, 2 on an error (`Failure`).
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import click
from click.core import ParameterSource

JSON = "json"


class Failure(click.ClickException):
    """A one-line error that exits with status 2, as grep does (1 means "nothing found")."""

    exit_code = 2


def output_format(*choices: str, default: str = "text",
                  help: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator adding `--format` (passed as `fmt`) and the hidden alias `--json`."""
    if default not in choices:
        raise ValueError(f"default format {default!r} is not one of {choices}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, fmt: str, as_json: bool, **kwargs: Any) -> Any:
            if as_json:
                source = click.get_current_context().get_parameter_source("fmt")
                if source is ParameterSource.COMMANDLINE and fmt != JSON:
                    raise click.UsageError(f"--json means --format json, not --format {fmt}")
                fmt = JSON
            return fn(*args, fmt=fmt, **kwargs)

        wrapper = click.option("--json", "as_json", is_flag=True, hidden=True,
                               help="The same as --format json.")(wrapper)
        return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                            show_default=True, help=help or "Output format.")(wrapper)

    return decorate


def one_line(message: str) -> str:
    """`message` with its lines joined by spaces (an error is one line)."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    text = str(exc) or type(exc).__name__
    return one_line(text)


def _library_errors() -> tuple[type[BaseException], ...]:
    """The errors the library raises for bad input, missing data or a damaged index."""
    from indexer.editors.duplicates.decisions import DecisionError
    from indexer.index.build import BuildError
    from indexer.index.lock import LockBusy
    from indexer.index.store import IndexNotFound
    from indexer.records import RecordError
    from indexer.text.embed import EmbeddingUnavailable
    from indexer.text.semantic import SemanticUnavailable

    return (IndexNotFound, OSError, sqlite3.Error, DecisionError, BuildError, LockBusy,
            RecordError, EmbeddingUnavailable, SemanticUnavailable)


@contextlib.contextmanager
def library_errors(error: type[click.ClickException] = click.ClickException,
                   also: tuple[type[BaseException], ...] = (),
                   hint: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn the library's errors raised inside the block (and `also`) into one line.

    `error` is the exception to raise (`Failure` for exit status 2); `hint` may rewrite the
    message. A broken pipe (`qasearch ... | head`) is left to click."""
    try:
        yield
    except click.ClickException:
        raise
    except BrokenPipeError:
        raise
    except (*_library_errors(), *also) as exc:
        message = _message(exc)
        raise error(hint(message) if hint else message) from exc


def batch_format(fmt: str, batch: bool) -> None:
    """A --batch run is a TREC run (`--format trec`, its default); a single query or draft
    is printed as text or JSON (`search`, `similar`)."""
    source = click.get_current_context().get_parameter_source("fmt")
    explicit = source is ParameterSource.COMMANDLINE or fmt == JSON  # json: maybe --json
    if batch and explicit and fmt != "trec":
        raise click.UsageError(f"--batch writes a TREC run: --format {fmt} does not apply "
                               "(leave it out or give --format trec)")
    if not batch and fmt == "trec":
        raise click.UsageError("--format trec is the output of --batch runs")


_REBUILD = re.compile(r"rebuild it with `qasearch index --full --index (?P<dir>[^`]+)`")
_BUILD = "build one with `qasearch index`"
_AGAIN = "run again (evaluation indexes are rebuilt when missing)"


def eval_cache_hint(message: str) -> str:
    """An evaluation index is rebuilt by deleting it, not by `qasearch index` (which would
    index the configured sources into it): say so in the message of a damaged one."""
    return _REBUILD.sub(rf"delete \g<dir> and {_AGAIN}", message).replace(_BUILD, _AGAIN)
