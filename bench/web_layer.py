"""CPU time of the web layer alone per `/api/search` request, in-process.

Every request of a path list (bench/api_load.py --paths-out) goes through the Flask app
(`app.wsgi_app` with a prepared WSGI environ: no HTTP server, no test-client overhead),
with the search core replaced by the result it gave for that request beforehand; so what
is timed is what the app adds around a search: parameter parsing, rate limiting, the HTTP
cache hooks, urgent help, query statistics, presenting hits, JSON, gzip, security headers.

    .venv/bin/python bench/web_layer.py --index /tmp/mq --paths /tmp/paths-mixed.txt
    .venv/bin/python bench/web_layer.py --index /tmp/mq --paths P --limits --profile

`--limits` turns on both rate limits (with budgets no run reaches) in the SQLite store that
`qasearch serve` uses for several processes; `--gzip` sends Accept-Encoding: gzip. The
search core's own time is printed alongside (same requests, searched for real).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from werkzeug.test import EnvironBuilder


def _environs(paths: list[str], gzip: bool) -> list[dict[str, Any]]:
    headers = {"Accept": "application/json"}
    if gzip:
        headers["Accept-Encoding"] = "gzip"
    out = []
    for i, p in enumerate(paths):
        u = urlsplit(p)
        out.append(EnvironBuilder(path=u.path, query_string=u.query, headers=headers,
                                  environ_base={"REMOTE_ADDR": f"10.0.0.{i % 200}"}
                                  ).get_environ())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", required=True, type=Path)
    ap.add_argument("--paths", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--limits", action="store_true", help="rate limits on (SQLite store)")
    ap.add_argument("--gzip", action="store_true", help="clients accept gzip")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the web layer")
    args = ap.parse_args()

    from indexer.search import search
    from search_app import create_app, searching
    from search_app.index import warm_up
    from search_app.limitstore import storage_uri
    from search_app.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="web-layer-"))
    overrides: dict[str, Any] = {
        "index_dir": args.index, "search_cache": 0, "query_log_dir": work / "qlog",
        "rate_limit": "", "suggest_rate_limit": ""}
    if args.limits:
        overrides.update(rate_limit="100000000/minute", suggest_rate_limit="100000000/minute",
                         rate_limit_storage=storage_uri(work / "ratelimit.sqlite3"))
    app = create_app(Settings.load(overrides=overrides))
    warm_up(app)
    paths = [line.strip() for line in args.paths.read_text().splitlines() if line.strip()]
    environs = _environs(paths, args.gzip)

    answers: dict[tuple[Any, ...], Any] = {}

    def recorded(session: Any, q: str, **kw: Any) -> Any:
        key = (q, tuple(sorted((k, str(v)) for k, v in kw.items())))
        if key not in answers:
            answers[key] = search(session, q, **kw)
        return answers[key]

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"unexpected status {status}")

    def requests() -> None:
        for env in environs:
            body = app.wsgi_app(dict(env), start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()

    searching.search = recorded  # type: ignore[attr-defined]
    requests()  # records every search's result (and warms the app)
    store = app.extensions["qasearch.store"]
    queries = [parse_qs(urlsplit(p).query)["q"][0] for p in paths]

    def core() -> None:
        for q in queries:
            with store.searcher() as session:
                search(session, q, limit=10)

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        requests()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
        return
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, run in (("web layer", requests), ("search core", core)):
            t0 = time.process_time()
            run()
            ms = (time.process_time() - t0) * 1000 / len(paths)
            best[name] = min(best.get(name, ms), ms)
    flags = ", ".join(f for f, on in (("limits", args.limits), ("gzip", args.gzip)) if on)
    print(f"{len(paths)} requests ({flags or 'no limits, no gzip'}), CPU ms a request, best of "
          f"{args.rounds}: web layer {best['web layer']:.3f}, search core "
          f"{best['search core']:.3f}")


if __name__ == "__main__":
    main()
