"""Input format readers: page bytes and dataset files -> records.

`parse_paths` is the one entry point (the `qasearch parse` command and the index build use it).
Each input path is classified:

- a directory is walked (sorted; dot-directories, dot-files and ``*.meta.json`` sidecars
  skipped) and every file in it classified as below; a directory holding MedQuAD XML goes to
  the MedQuAD reader;
- ``.html``/``.htm``/``.php`` or no suffix (a page of a raw page store, whose file names may
  carry ``@<query>``) -> K2 page parser (`k2.py`); the page URL is the ``url`` of its
  ``.meta.json`` sidecar, else rebuilt from the store layout ``<host>/<path>``; a page without
  K2 markup is read like a text dump (labels, "Dear Dr X" columns, numbered FAQs) and gives
  records only when a question there has an answer;
- ``.txt`` -> plain-text dump parser (`text.py`); inside a walked directory a ``.txt`` without
  any Q/A label (a readme, robots.txt) is skipped with a note;
- ``.jsonl`` -> records passed through with their ids kept;
- MedQuAD ``.xml`` and ``judged-answers.csv`` -> `indexer.ingest.parse.medquad.parse_medquad`.

Items from K2 pages and text dumps are merged (`merge.py`); record ids are unique across the
whole result (a repeated id keeps its first record and is reported).

Bad input never stops the run: an empty, binary, unreadable or too large page (over
`MAX_BYTES`, 20 MB) is reported as a Problem and skipped; a page in UTF-16/UTF-32 (byte order
mark, or BOM-less UTF-16) is decoded as such and one that is not UTF-8 as cp1252 (each reported
as a note) and parsed. A block with text that gives no record is a warning with its page and
position (``Problem.lost``, counted as "item blocks lost"); a cut-off copy of an item whose
text a complete copy supplied is only a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from indexer.ingest.parse import medquad
from indexer.ingest.parse.dispatch import (
    MAX_BYTES,
    Inputs,
    classify,
    collect,
    read_jsonl,
    read_k2_file,
    read_text_file,
    walked,
)
from indexer.ingest.parse.items import LISTING, OTHER, PageParse, ParseResult, Problem, RawItem
from indexer.ingest.parse.merge import merge_groups
from indexer.records import INTRO_ONLY, TRUNCATED, Record

__all__ = ["MAX_BYTES", "PageParse", "ParseResult", "Problem", "classify", "parse_paths"]

Report = Callable[[Path, int, int], None]


def parse_paths(
    paths: Sequence[str | Path] | str | Path,
    *,
    include_empty: bool = False,
    report: Report | None = None,
    max_bytes: int = MAX_BYTES,
    source: str | None = None,
) -> ParseResult:
    """Parse every input under `paths` into records (see the module doc).

    `report(path, done, total)` is called after each input file (for a progress bar);
    `include_empty` keeps items whose answer is empty (MedQuAD pairs, cut-off items);
    `source` names the archive of every page and dump (record ids ``<source>-<K2 id>``) instead
    of the name taken from each page's host."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    result = ParseResult()
    inputs = collect(paths, result)
    total, done = inputs.count(), 0

    def tick(path: Path) -> None:
        nonlocal done
        done += 1
        result.files += 1
        if report is not None:
            report(path, done, total)

    raw: list[RawItem] = []
    category_urls: dict[str, list[str]] = {}
    for path, root in inputs.k2:
        page = read_k2_file(path, root, result, max_bytes)
        tick(path)
        if page is None:
            result.skipped += 1
            continue
        _take_page(page, path, result, raw, category_urls, source)
    for path in inputs.text:
        page = read_text_file(path, result, max_bytes)
        tick(path)
        if page is None:
            result.skipped += 1
            continue
        if not page.items and walked(path, paths):
            result.problems.append(Problem(str(path), "no question/answer labels; skipped",
                                           "note"))
            result.skipped += 1
            continue
        _take_page(page, path, result, raw, category_urls, source)

    result.raw_items = len(raw)
    merged = merge_groups(raw, category_urls)
    result.merged = len(raw) - len(merged)
    _recovered(merged)
    pages_out = _keep_answered(merged, include_empty, result)
    _add_records(result, pages_out, "archive")

    for path in inputs.jsonl:
        _add_records(result, read_jsonl(path, result), "jsonl")
        tick(path)
    if inputs.medquad or inputs.judged:
        _add_records(result, _parse_medquad(inputs, include_empty, result), "medquad")
        for path in [*inputs.medquad, *inputs.judged]:
            tick(path)
    result.skipped_blocks = sum(1 for p in result.problems if p.lost)
    return result


def _take_page(page: PageParse, path: Path, result: ParseResult, raw: list[RawItem],
               category_urls: dict[str, list[str]], source: str | None) -> None:
    result.pages.append(page)
    if source:
        for item in page.items:
            item.source = source
    here = (str(path), path.resolve().as_uri())
    for problem in page.problems:  # the same objects the items point at
        if problem.path == here[1]:
            problem.path = here[0]
        elif problem.path != here[0]:
            problem.path = f"{path} ({problem.path})"
    result.problems.extend(page.problems)
    if page.kind == OTHER:
        result.problems.append(Problem(str(path), "no K2 archive content (not a listing or "
                                                  "item page); skipped", "note"))
        return
    if page.kind == LISTING and page.category and (page.page in (None, 1)):
        category_urls.setdefault(page.url, page.category)
    raw.extend(page.items)


def _recovered(merged: list[tuple[Record, list[RawItem]]]) -> None:
    """A copy reported as cut short or unanswered whose item took its text from a complete copy
    elsewhere lost nothing: its warning becomes a note saying where the text came from."""
    for rec, items in merged:
        if TRUNCATED in rec.flags or INTRO_ONLY in rec.flags or not rec.answer.strip():
            continue
        source = next((it for it in items if it.problem is None and it.answer == rec.answer),
                      None)
        for item in items:
            problem = item.problem
            if problem is None or problem.level != "warning":
                continue
            problem.level = "note"
            where = f" from {source.page_url}" if source is not None else ""
            problem.message += f"; nothing lost: the record has the complete text{where}"


def _keep_answered(merged: list[tuple[Record, list[RawItem]]], include_empty: bool,
                   result: ParseResult) -> list[Record]:
    if include_empty:
        return [rec for rec, _ in merged]
    kept = []
    for rec, items in merged:
        if rec.answer.strip():
            kept.append(rec)
            continue
        reported = [it.problem for it in items if it.problem is not None]
        if reported:  # already said why (a question without an answer): now it is lost
            for problem in reported:
                problem.lost = True
            reported[0].message += "; skipped: no answer in any copy"
            continue
        first = items[0]
        seen = f" (seen on {len(items)} pages)" if len(items) > 1 else ""
        result.problems.append(Problem(
            first.page_url or rec.id,
            f"item {rec.title or rec.question[:60]!r} has no answer text{seen}; skipped",
            "warning", position=first.position, lost=True))
    return kept


def _parse_medquad(inputs: Inputs, include_empty: bool, result: ParseResult) -> list[Record]:
    return list(medquad.parse_medquad(inputs.medquad, inputs.judged,
                                      include_empty=include_empty, problems=result.problems))


def _add_records(result: ParseResult, records: Iterable[Record], kind: str) -> None:
    seen = {r.id for r in result.records}
    n = 0
    for rec in records:
        if rec.id in seen:
            result.problems.append(Problem(
                rec.url or rec.id, f"duplicate record id {rec.id!r}; later copy skipped",
                "warning"))
            continue
        seen.add(rec.id)
        result.records.append(rec)
        n += 1
    if n:
        result.by_kind[kind] = result.by_kind.get(kind, 0) + n
