"""One place where pages and the API run a search: the search core, the urgent-symptom
notice and privacy-safe query logging (through the editors' QueryLog, issue D)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, request
from indexer.search import search

from indexer.querylog import QueryLog, session_key
from indexer.results import SearchResult
from indexer.settings import Settings
from search_app import urgent
from search_app.index import searcher

log = logging.getLogger(__name__)
QLOG_KEY = "qasearch.querylog"


@dataclass
class Outcome:
    result: SearchResult
    urgent_notice: str | None


def settings() -> Settings:
    return current_app.config["QASEARCH"]


def run_search(
    q: str,
    *,
    category: list[str] | None = None,
    limit: int = 10,
    offset: int = 0,
    log_query: bool = True,
) -> Outcome:
    result = search(searcher(), q, category=category, limit=limit, offset=offset)
    cfg = settings()
    notice = None
    if cfg.emergency_notice and urgent.load(cfg.urgent_terms_file).match(q, result.searched):
        notice = cfg.emergency_notice
    if log_query and offset == 0:
        log_search(q, result.total)
    return Outcome(result, notice)


def log_search(query: str, n_results: int) -> None:
    """Count a search in the query statistics under a salted, daily-rotated session key:
    the client address and user agent are used to derive it and never stored."""
    qlog: QueryLog | None = current_app.extensions.get(QLOG_KEY)
    if qlog is None:
        return
    try:
        key = session_key(request.remote_addr or "", request.user_agent.string or "")
        qlog.record(query, key, n_results)
    except Exception:  # statistics must never break a search
        log.exception("could not record a query in the statistics")
