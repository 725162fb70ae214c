"""Server-rendered pages, fully usable without JavaScript. Each links its JSON twin."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask.wrappers import Response

from indexer.editors.similar import similar_questions
from indexer.limits import API_MAX_OFFSET
from indexer.search import category_tree, get_record, index_stats, records_in_category
from search_app import categories as cats
from search_app import params, present, zerohelp
from search_app.index import searcher
from search_app.present import paragraphs, record_path, safe_url
from search_app.responses import ApiError
from search_app.searching import is_corrected, run_search, settings

log = logging.getLogger(__name__)
bp = Blueprint("views", __name__)

CATEGORY_PAGE = 20


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    cfg = settings()
    return {
        "site_name": cfg.site_name,
        "ask_url": safe_url(cfg.ask_url),
        "record_path": record_path,
        "category_url": lambda path: url_for("views.category", slugs=cats.slug_path(path)),
        "safe_url": safe_url,
        "title_of": present.title,
        "is_within": cats.is_within,
    }


@bp.get("/")
def home() -> str:
    s = searcher()
    tree = category_tree(s)
    stats = index_stats(s)
    return render_template(
        "home.html", tree=tree, total_records=stats.get("records", 0),
        json_url=url_for("api.api_categories"),
    )


@bp.get("/search")
def search() -> Response | str:
    q = params.query(required=False)
    category = params.category()
    if not q:
        if category:
            return redirect(url_for("views.category", slugs=cats.slug_path(category)))
        return redirect(url_for("views.home"))
    per_page = max(1, settings().results_per_page)
    last_page = API_MAX_OFFSET // per_page + 1  # pages beyond it are never served
    page, page_note = _page(request.args.get("page"), last_page)
    correct = params.flag("correct") if "correct" in request.args else True
    outcome = run_search(q, category=category, limit=per_page, offset=(page - 1) * per_page,
                         correct=correct)
    res = outcome.result
    pages = max(1, min(last_page, -(-res.total // per_page)))
    if page > pages:  # past the last page of these results: show the last one, and say so
        page_note = (f"There {'is' if pages == 1 else 'are'} only {pages} "
                     f"page{'' if pages == 1 else 's'} of results, so this is the last one.")
        page = pages
        outcome = run_search(q, category=category, limit=per_page,
                             offset=(page - 1) * per_page, correct=correct, log_query=False)
        res = outcome.result
    offset = (page - 1) * per_page
    broader = zerohelp.broader(q, zerohelp.query_units(res), category) if res.total == 0 else []
    api_args: list[tuple[str, Any]] = [("q", q)] + [("category", c) for c in category or []]
    api_args += [("limit", per_page), ("offset", offset)]
    if not correct:
        api_args.append(("correct", 0))
    tree = category_tree(searcher()) if res.total == 0 else []
    current = {"q": q, "category": category, "correct": None if correct else 0}
    # hits found through a spelling correction (the core may correct inside the query)
    corrected = is_corrected(res)
    uncorrected_url = (_search_url(current, correct=0, page=None)
                       if corrected else None)
    record_args = {"q": q, "category": category, "page": page if page > 1 else None}
    return render_template(
        "results.html",
        q=q,
        res=res,
        corrected=corrected,
        uncorrected_url=uncorrected_url,
        category=category,
        page=page,
        pages=pages,
        per_page=per_page,
        reachable=min(res.total, last_page * per_page),
        page_note=page_note,
        page_links=_page_window(page, pages),
        urgent=outcome.urgent,
        broader=broader,
        tree=tree,
        facet_tree=cats.facet_tree(res.facets),
        search_url=lambda **kw: _search_url(current, **kw),
        page_url=lambda n: _search_url(current, page=n),
        hit_url=lambda hit: record_path(hit.id) + "?" + urlencode(
            [(k, v) for k, v in record_args.items() if v and k != "category"]
            + [("category", c) for c in category or []]),
        json_url=url_for("api.api_search") + "?" + urlencode(api_args),
    )


def _page(raw: str | None, last_page: int) -> tuple[int, str]:
    """The page asked for, kept within 1..last_page, and a note when it had to be changed
    (a bad page number never loses the search)."""
    if raw is None or not raw.strip():
        return 1, ""
    try:
        page = int(raw.strip())
    except ValueError:
        return 1, f"“{raw[:20]}” is not a page number, so this is the first page."
    if page < 1:
        return 1, "Pages start at 1, so this is the first page."
    if page > last_page:
        return last_page, (f"Only the first {last_page} pages of results can be shown; "
                           "add words or choose a topic to find the others.")
    return page, ""


def _search_url(current: dict[str, Any], **changes: Any) -> str:
    """URL of the results page for the current search with `changes` (None drops one)."""
    args = {**current, **changes}
    args = {k: v for k, v in args.items() if v not in (None, [], "")}
    if args.get("page") == 1:
        del args["page"]
    return url_for("views.search", **args)


def _page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """Page numbers to link, with None for a gap: 1 … 4 5 [6] 7 8 … 20."""
    keep = {1, pages} | set(range(max(1, page - width), min(pages, page + width) + 1))
    out: list[int | None] = []
    prev = 0
    for n in sorted(keep):
        if n - prev > 1:
            out.append(None)
        out.append(n)
        prev = n
    return out


@bp.get("/records/<path:record_id>")
def record(record_id: str) -> str:
    s = searcher()
    rec = get_record(s, record_id)
    if rec is None:
        raise ApiError(404, "not_found", "There is no answer with this address. "
                                         "It may have been removed from the archive.")
    similar = []
    try:
        similar = similar_questions(s, rec.display_question, limit=5, exclude_id=rec.id)
    except Exception:  # a failing extra must not take the answer down
        log.exception("similar questions failed for %s", rec.id)
    back_q = params.query(required=False)
    back_url = ""
    if back_q:  # the results page this answer was opened from: same page and topic filter
        page, _ = _page(request.args.get("page"), API_MAX_OFFSET + 1)
        back_url = _search_url({"q": back_q, "category": params.category()}, page=page)
    heading = present.title(rec.question) if rec.question else None
    return render_template(
        "record.html",
        rec=rec,
        heading=heading if heading and heading.section else None,
        back_url=back_url,
        answer=paragraphs(rec.answer),
        question=paragraphs(rec.question),
        source_url=safe_url(rec.url),
        source_host=urlsplit(safe_url(rec.url)).hostname or "",
        similar=similar,
        back_q=back_q,
        json_url=url_for("api.api_record", record_id=rec.id),
    )


@bp.get("/categories/")
@bp.get("/categories")
def categories() -> str:
    s = searcher()
    tree = category_tree(s)
    return render_template("categories.html", tree=tree,
                           json_url=url_for("api.api_categories"))


@bp.get("/categories/<path:slugs>")
def category(slugs: str) -> str:
    s = searcher()
    tree = category_tree(s)
    parts = [p for p in slugs.split("/") if p]
    node = cats.find(tree, parts)
    if node is None:
        raise ApiError(404, "not_found", "There is no such category.")
    total = node.count
    pages = max(1, -(-total // CATEGORY_PAGE))
    page = params.integer("page", 1, minimum=1, maximum=max(pages, 1))
    offset = (page - 1) * CATEGORY_PAGE
    total, records = records_in_category(s, node.path, limit=CATEGORY_PAGE, offset=offset)
    pages = max(1, -(-total // CATEGORY_PAGE))
    crumbs = [cats.find(tree, parts[: i + 1]) for i in range(len(parts) - 1)]
    return render_template(
        "category.html",
        node=node,
        crumbs=[c for c in crumbs if c is not None],
        records=records,
        total=total,
        page=page,
        pages=pages,
        page_links=_page_window(page, pages),
        page_url=lambda n: url_for("views.category", slugs=slugs, page=n if n > 1 else None),
        json_url=url_for("api.api_category", slugs=slugs, limit=CATEGORY_PAGE, offset=offset),
    )
