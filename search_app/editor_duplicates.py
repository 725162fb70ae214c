"""The editors' duplicate groups: page, downloads, decisions and API (routes of `editor_bp`,
behind its access guard).

- ``GET /editor/duplicates?kind=&page=&decided=1``: the groups the index build stored with the
  live generation (instant); for an older generation, computed in the background while the
  page shows how far it got and reloads itself. Groups editors decided are left out (listed
  with ``decided=1``).
- ``GET /editor/duplicates.csv`` / ``.json``: the same groups as downloads.
- ``POST /editor/duplicates/decide``: "not duplicates", "merged" or "undo" for one group,
  stored by its record ids (`indexer.editors.duplicates.decisions`).
- ``GET /api/editor/duplicates?kind=&decided=1&limit=&offset=`` (202 with progress while
  computing; ``decided=1``: the decided groups with their decisions), ``POST
  /api/editor/duplicates`` with ``{"ids": [...], "decision": "not duplicates" | "merged" |
  "undo"}``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from flask.wrappers import Response

from indexer.editors import duplicates as dup
from indexer.editors import report
from indexer.editors.duplicates import decisions as dec
from indexer.editors.duplicates.store import COMPUTING, FAILED, READY
from search_app import params
from search_app.editor import editor_bp, settings
from search_app.index import searcher
from search_app.present import record_path
from search_app.responses import ApiError, ok

PER_PAGE = 50
DECISIONS_KEY = "qasearch.duplicate_decisions"
UNDO = "undo"
RETRY_SECONDS = 3  # how soon the page reloads / an API client asks again while computing


def _decisions() -> dec.Decisions:
    store = current_app.extensions.get(DECISIONS_KEY)
    if store is None:
        store = current_app.extensions[DECISIONS_KEY] = dec.Decisions(settings().query_log_dir)
    return store


def _kind() -> str:
    kind = (request.values.get("kind") or "").strip()
    if kind and kind not in dup.KINDS:
        raise ApiError(400, "invalid_parameter",
                       "kind must be 'same question' or 'stock answer'", "kind")
    return kind


def _report(kind: str) -> tuple[dup.Groups, dec.Sorted]:
    groups = dup.generation_groups(searcher())
    clusters = [c for c in groups.clusters if not kind or c.kind == kind]
    return groups, dec.apply(clusters, _decisions().all())


def _not_ready(groups: dup.Groups) -> Response | None:
    if groups.state == READY:
        return None
    status = 503 if groups.state == FAILED else 200
    html = render_template("editor/duplicates_progress.html", groups=groups,
                           retry=RETRY_SECONDS, editor_nav="duplicates")
    resp = Response(html, status=status, mimetype="text/html")
    if status == 200:
        resp.headers["Refresh"] = str(RETRY_SECONDS)
    return resp


@editor_bp.get("/editor/duplicates")
def duplicates_page() -> Response | str:
    page = params.integer("page", 1, minimum=1, maximum=10**5)
    kind = _kind()
    show_decided = params.flag("decided")
    groups, split = _report(kind)
    waiting = _not_ready(groups)
    if waiting is not None:
        return waiting
    listed = [c for c, _d in split.decided] if show_decided else split.open
    pages = max(1, (len(listed) + PER_PAGE - 1) // PER_PAGE)
    shown = listed[(page - 1) * PER_PAGE: page * PER_PAGE]
    same = sum(1 for c in split.open if c.kind == dup.SAME_QUESTION)
    return render_template(
        "editor/duplicates.html", clusters=shown, listed=len(listed), page=page, pages=pages,
        kind=kind, start=(page - 1) * PER_PAGE, editor_nav="duplicates", groups=groups,
        same=same, stock=len(split.open) - same, n_decided=len(split.decided),
        show_decided=show_decided, decide_url=url_for("editor.duplicates_decide"),
        decisions={c.canonical_id: d for c, d in split.decided},
        back_url=request.full_path.rstrip("?"), record_href=record_path)


@editor_bp.get("/editor/duplicates.<fmt>")
def duplicates_download(fmt: str) -> Response:
    if fmt not in ("csv", "json"):
        raise ApiError(404, "not_found", "downloads are duplicates.csv and duplicates.json")
    kind = _kind()
    groups, split = _report(kind)
    waiting = _not_ready(groups)
    if waiting is not None:
        return waiting
    clusters = [c for c, _d in split.decided] if params.flag("decided") else split.open
    body = report.render(clusters, fmt)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    resp = Response(body, mimetype=mimetype)
    name = "duplicates" + (f"-{kind.replace(' ', '-')}" if kind else "") + f".{fmt}"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def _same_origin() -> bool:
    """A browser's POST comes from this site (SameSite=Strict already keeps the cookie off
    cross-site requests; this refuses them outright)."""
    origin = request.headers.get("Origin")
    return not origin or urlsplit(origin).netloc == request.host


def _back() -> str:
    """Where a decision form returns: the duplicates page it was sent from."""
    back = request.form.get("back", "")
    if back.startswith("/editor/duplicates") and not back.startswith("//"):
        return back
    return url_for("editor.duplicates_page")


def _current_group(ids: list[str]) -> dup.Cluster:
    """The group of the live report whose records are exactly `ids`."""
    wanted = set(ids)
    groups = dup.generation_groups(searcher())
    if groups.state != READY:
        raise ApiError(409, "not_ready", "the duplicate groups are still being computed")
    for c in groups.clusters:
        if set(c.ids) == wanted:
            return c
    raise ApiError(409, "no_such_group", "no group of the current report has exactly these "
                                         "records (the index was rebuilt?): reload the page",
                   "id")


def _decide(ids: list[str], decision: str) -> dict[str, Any]:
    try:
        clean = dec.check_ids(ids)
        group = _current_group(clean)
        if decision == UNDO:
            return {"undone": _decisions().undo(clean), "ids": clean}
        return _decisions().record(clean, decision, group.kind).to_dict()
    except dec.DecisionError as exc:
        raise ApiError(400, "invalid_parameter", str(exc), "decision") from exc


@editor_bp.post("/editor/duplicates/decide")
def duplicates_decide() -> Response:
    if not _same_origin():
        raise ApiError(403, "forbidden", "decisions are taken on this site's own pages")
    decision = (request.form.get("decision") or "").strip()
    if decision not in (*dec.DECISIONS, UNDO):
        raise ApiError(400, "invalid_parameter", "decision must be 'not duplicates', "
                                                 "'merged' or 'undo'", "decision")
    _decide(request.form.getlist("id"), decision)
    return redirect(_back(), code=303)


@editor_bp.get("/api/editor/duplicates")
def api_editor_duplicates() -> Response:
    limit = params.integer("limit", 100, minimum=1, maximum=5000)
    offset = params.integer("offset", 0, minimum=0, maximum=10**6)
    kind = _kind()
    groups, split = _report(kind)
    if groups.state != READY:
        resp = ok({"status": groups.status(), "clusters": []},
                  status=202 if groups.state == COMPUTING else 503)
        resp.headers["Retry-After"] = str(RETRY_SECONDS)
        return resp
    if params.flag("decided"):  # the decided groups, each with its decision
        listed = [{**c.to_dict(), "decision": d.to_dict()} for c, d in split.decided]
    else:
        listed = [c.to_dict() for c in split.open]
    return ok({"total": len(listed), "offset": offset, "limit": limit,
               "decided": len(split.decided), "status": groups.status(),
               "clusters": listed[offset: offset + limit]})


@editor_bp.post("/api/editor/duplicates")
def api_editor_decide() -> Response:
    """Record an editor's decision about one group: JSON {"ids": [...], "decision": ...}."""
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise ApiError(400, "invalid_json", "the body must be JSON: "
                                            '{"ids": [...], "decision": "..."}') from exc
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise ApiError(400, "invalid_parameter", 'the body must be {"ids": [record ids], '
                                                 '"decision": "not duplicates" | "merged" | '
                                                 '"undo"}', "ids")
    decision = str(body.get("decision") or "")
    if decision not in (*dec.DECISIONS, UNDO):
        raise ApiError(400, "invalid_parameter", "decision must be 'not duplicates', "
                                                 "'merged' or 'undo'", "decision")
    return ok(_decide([str(i) for i in body["ids"]], decision))
