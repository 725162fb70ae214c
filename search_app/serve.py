"""`qasearch serve`: the app under a production WSGI server.

- Default on Unix (`--workers 0`): gunicorn with one process per core (`serving_mode`).
- `--workers N` (N > 1): gunicorn, N processes forked from one app (Unix only). With
  `--threads 1` (the default there) each process serves one request at a time (no lock
  contention between threads: the fastest for CPU-bound searches on a few cores, measured
  in the README); its gthread workers keep a client's connection open between requests
  (`--worker-class sync` closes it after each one, which costs both sides a reconnection;
  on the public internet put a buffering reverse proxy in front either way). All processes
  share one rate-limit budget per client through a SQLite file (search_app.limitstore) in
  a private temporary directory removed at exit (or `rate_limit_storage` when set).
- `--workers 1`, a single core, or Windows (no fork): waitress, one process with `--threads`
  threads (default 8). The rate limiter's counters and the index live in that one process.

Where gunicorn's processes get their memory (`bench/memory.py --workers 2` on MedQuAD, same
run, alternating): the app is imported in the master before the fork (`preload_app`), each
worker opens and warms the generation after it. An app-less master would lower the summed RSS
(the figure the issue's target names) by ~31 MB (master 76 -> 38 MB) but raise what the
server really holds (summed PSS) by ~20 MB: the workers would each import the libraries
instead of sharing the master's pages. Warming the generation in the master before the fork
does the opposite: PSS -26 MB, summed RSS +75 MB (a page the workers share counts in the RSS
of every process). So the app is preloaded and the generation warmed per worker.

Both log without client addresses, accept request lines up to the API's own limits and
answer the requests they refuse themselves in the service's format (search_app.servers).
A port already in use, or a setting that cannot be used, is one line on stderr (exit 1 / 2).

Settings come from defaults, then QASEARCH_* environment variables, then these flags.
"""

from __future__ import annotations

import errno
import gc
import importlib.util
import logging
import os
import shutil
import socket
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from search_app import servers
from search_app.index import freeze_warm_objects, warm_up
from search_app.limitstore import storage_uri
from search_app.settings import WORKER_CLASSES, Settings


class SettingError(click.ClickException):
    """A setting that cannot be used: one line, exit status 2 (as a bad flag)."""

    exit_code = 2


@click.command("serve", epilog="""\b
Examples:
  qasearch serve --index index --port 5000
  qasearch serve --workers 2 --public-url https://search.example.org
  qasearch serve --cors-origin https://partner.example --rate-limit 60/minute
  qasearch serve --workers 1 --threads 8      # waitress, one process""")
@click.option("--host", help="Address to listen on [QASEARCH_HOST; default 127.0.0.1].")
@click.option("--port", type=click.IntRange(0, 65535),
              help="Port to listen on [QASEARCH_PORT; default 5000].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Index directory [QASEARCH_INDEX_DIR; default index].")
@click.option("--threads", type=click.IntRange(0, 256),
              help="Threads per process; 0: 8 under waitress, 1 under gunicorn "
              "[QASEARCH_THREADS; default 0].")
@click.option("--worker-class", type=click.Choice(WORKER_CLASSES),
              help="gunicorn's workers: gthread keeps each client's connection open between "
              "requests, sync closes it after each [QASEARCH_WORKER_CLASS; default gthread].")
@click.option("--workers", type=click.IntRange(0, 64),
              help="Server processes; 0: one per core; more than 1 runs gunicorn (Unix), 1 "
              "runs waitress [QASEARCH_WORKERS; default 0].")
@click.option("--public-url", help="Public base URL, used in links and widget snippets "
              "[QASEARCH_PUBLIC_URL].")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="Origin allowed to call the API from a browser; repeat for more, '*' for "
              "any [QASEARCH_CORS_ORIGINS, comma-separated].")
@click.option("--rate-limit", help="Per-client API limit, e.g. '120/minute'; '' disables "
              "[QASEARCH_RATE_LIMIT].")
@click.option("--suggest-rate-limit", help="Per-client limit on as-you-type calls, e.g. "
              "'600/minute'; '' disables [QASEARCH_SUGGEST_RATE_LIMIT].")
@click.option("--ask-url", help="Where visitors can ask a new question [QASEARCH_ASK_URL].")
@click.option("--trusted-proxies", type=click.IntRange(0, 10),
              help="Reverse proxies whose X-Forwarded-* headers are trusted "
              "[QASEARCH_TRUSTED_PROXIES; default 0].")
@click.option("--search-cache", type=click.IntRange(0, 1_000_000),
              help="Search results kept in memory; 0 disables [QASEARCH_SEARCH_CACHE; "
              "default 2048].")
@click.option("--query-log-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where query statistics are kept [QASEARCH_QUERY_LOG_DIR; default var].")
@click.option("--rate-limit-storage", help="Rate-limit counters shared by several servers: a "
              "`limits` storage URI such as redis://host:6379/0 or memory:// "
              "[QASEARCH_RATE_LIMIT_STORAGE; default: this host only].")
@click.option("--query-log-storage", help="Query statistics shared by several servers: "
              "redis://host:6379/0 [QASEARCH_QUERY_LOG_STORAGE; default: the SQLite file in "
              "--query-log-dir].")
def serve_command(cors_origins: tuple[str, ...], **options: Any) -> None:
    """Serve the search pages, JSON API and widget (gunicorn, a process per core; waitress
    with --workers 1 or on Windows)."""
    overrides = dict(options)
    if cors_origins:
        overrides["cors_origins"] = cors_origins
    with ExitStack() as cleanup:
        try:
            settings = Settings.load(overrides=overrides)
            mode = serving_mode(settings.workers, settings.threads)
            if mode.note:
                click.echo(f"warning: {mode.note}", err=True)
            settings = settings.with_overrides(workers=mode.workers, threads=mode.threads)
            if mode.server == "gunicorn" and settings.worker_class == "sync" \
                    and settings.threads > 1:
                raise ValueError(f"sync workers have one thread each ({settings.threads} "
                                 "asked for): use --worker-class gthread")
            if settings.workers > 1 and not settings.rate_limit_storage:
                tmp = _private_dir(cleanup)
                settings = settings.with_overrides(
                    rate_limit_storage=storage_uri(tmp / "ratelimit.sqlite3"))
            from search_app import create_app

            app = create_app(settings)
        except ValueError as exc:
            raise SettingError(str(exc)) from exc
        problem = port_problem(settings.host, settings.port)
        if problem:
            raise click.ClickException(problem)
        keep = servers.listening_addresses(settings.host)
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        servers.protect_handlers(logging.getLogger().handlers, keep)
        if not _index_built(app):
            click.echo(
                f"warning: no index at {settings.index_dir}: pages answer 503 until you run "
                f"`qasearch index --index {settings.index_dir}`",
                err=True,
            )
        limits = ", ".join(f"{name} {value or 'off'}" for name, value in (
            ("rate limit", settings.rate_limit), ("as-you-type", settings.suggest_rate_limit)))
        if settings.workers > 1:
            kind = ("sync" if settings.worker_class == "sync" else
                    f"{settings.threads} thread{'s' if settings.threads > 1 else ''} each, "
                    "connections kept alive")
            click.echo(f"qasearch: serving {settings.index_dir} on http://{settings.host}:"
                       f"{settings.port} (gunicorn, {settings.workers} processes, {kind}; "
                       f"{limits})")
            from indexer.editors.querylog import prime_session_keys

            prime_session_keys()  # before the fork: every worker ratchets the same key
            run_gunicorn(app, settings)
            return
        server = _waitress_server(app, settings)
        click.echo(
            f"qasearch: serving {settings.index_dir} on http://{settings.host}:{settings.port} "
            f"({settings.threads} threads; {limits})"
        )
        if warm_up(app):
            freeze_warm_objects(app)
        server.print_listen("Serving on http://{}:{}")
        server.run()


WAITRESS_THREADS = 8  # one process: threads overlap I/O and the parts of a search without the GIL
GUNICORN_THREADS = 1  # per process: the best p99 and throughput measured (README)


@dataclass(frozen=True)
class Mode:
    """How `serve` runs: the server, its processes and threads per process."""

    server: str  # "gunicorn" or "waitress"
    workers: int
    threads: int
    note: str = ""  # why the processes asked for cannot be had here


def cores() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def can_fork_workers() -> bool:
    """Can gunicorn run here (Unix, with gunicorn installed)?"""
    return os.name == "posix" and importlib.util.find_spec("gunicorn") is not None


def serving_mode(workers: int, threads: int, *, forking: bool | None = None,
                 n_cores: int | None = None) -> Mode:
    """The mode for the `workers` and `threads` settings (0: automatic) on this machine:
    gunicorn with a process per core where it can fork, else waitress."""
    forking = can_fork_workers() if forking is None else forking
    wanted = workers or (cores() if n_cores is None else n_cores)
    if wanted > 1 and not forking:
        note = (f"{wanted} processes need gunicorn, which runs on Unix only: serving with "
                "waitress, one process" if workers > 1 else "")
        return Mode("waitress", 1, threads or WAITRESS_THREADS, note)
    if wanted == 1:
        return Mode("waitress", 1, threads or WAITRESS_THREADS)
    return Mode("gunicorn", wanted, threads or GUNICORN_THREADS)


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (one line), or None when it can."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror}"
    family, _, _, _, address = infos[0]
    try:
        with socket.create_server(address, family=family):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = " (another server? pick one with --port)" if exc.errno == errno.EADDRINUSE else ""
        return f"cannot listen on {host}:{port}: {reason.lower()}{hint}"
    return None


def _waitress_server(app: Any, settings: Settings) -> Any:
    """waitress bound to host:port (a one-line error if it cannot bind)."""
    import waitress

    try:
        server = waitress.create_server(
            app,
            host=settings.host,
            port=settings.port,
            threads=settings.threads,
            ident="qasearch",
            # X-Forwarded-* reach the app (ProxyFix) only when proxies are trusted
            clear_untrusted_proxy_headers=settings.trusted_proxies == 0,
            channel_timeout=30,
            max_request_header_size=servers.REQUEST_HEAD_BYTES,
        )
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {settings.host}:{settings.port}: "
            f"{(exc.strerror or str(exc)).lower()}") from exc
    server.channel_class = servers.waitress_channel_class(app)
    return server


def _private_dir(cleanup: ExitStack) -> Path:
    """A temporary directory (mode 700) removed when this process (not a forked worker,
    which unwinds the same stack when it exits) is done with it."""
    owner = os.getpid()
    path = Path(tempfile.mkdtemp(prefix="qasearch-ratelimit-"))

    def remove() -> None:
        if os.getpid() == owner:
            shutil.rmtree(path, ignore_errors=True)

    cleanup.callback(remove)
    return path


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": servers.gunicorn_worker_class(settings.threads, settings.worker_class),
        "threads": settings.threads,
        "logger_class": servers.gunicorn_logger_class(
            servers.listening_addresses(settings.host)),
        "limit_request_line": servers.REQUEST_LINE_BYTES,
        "preload_app": True,  # one app (and rate-limit key) forked into every worker
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "control_socket_disable": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "qasearch",
        # trust X-Forwarded-* from proxies only when told to (ProxyFix does the rest)
        "forwarded_allow_ips": "*" if settings.trusted_proxies > 0 else "",
        # the app's objects, frozen before each fork, stay off the collector's lists
        "pre_fork": _freeze_before_fork,
        # each worker opens the index and builds its caches before taking requests
        "post_worker_init": _warm_worker,
    }


WORKER_READY = "Worker ready"  # a worker's log line once it is warm (benchmarks wait for it)


def _freeze_before_fork(_server: Any, _worker: Any) -> None:
    """In the master, before each fork: move the app's objects out of the cyclic garbage
    collector's reach (gc.freeze), so that a worker's collections never write to the pages
    it shares with the master (copy-on-write keeps them shared)."""
    gc.collect()
    gc.freeze()


def _warm_worker(worker: Any) -> None:
    """Open the index and build the caches in a new worker, then say so in the log, on the
    thread that will serve the requests (searchers are opened per thread): this one for a
    worker that serves on its own thread (one thread, servers.ServesInline), else the
    gthread pool's (with one thread there, its only thread)."""
    t0 = time.monotonic()
    pool = None if getattr(worker, "serves_inline", False) else getattr(worker, "tpool", None)
    if pool is not None:
        warmed = pool.submit(warm_up, worker.wsgi).result()
    else:
        warmed = warm_up(worker.wsgi)
    if warmed:
        freeze_warm_objects(worker.wsgi)
    worker.log.info("%s (pid: %s): %s in %.1f s", WORKER_READY, os.getpid(),
                    "index open, caches built" if warmed else "no index yet",
                    time.monotonic() - t0)


def run_gunicorn(app: Any, settings: Settings) -> None:
    """Run `app` under gunicorn's arbiter with `settings` (blocks until it stops)."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in gunicorn_options(settings).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    _Server().run()


def _index_built(app: Any) -> bool:
    from search_app.index import STORE_KEY

    return bool(app.extensions[STORE_KEY].exists())
