"""Input format readers: page bytes and dataset files -> records.

`parse_paths` is the one entry point (the `qasearch parse` command and the index build use it).
Each input path is classified:

- a directory is walked (sorted; dot-directories, dot-files and ``*.meta.json`` sidecars
  skipped) and every file in it classified as below; a directory holding MedQuAD XML goes to
  the MedQuAD reader;
- ``.html``/``.htm``/``.php`` or no suffix (a page of a raw page store, whose file names may
  carry ``@<query>``) -> K2 page parser (`k2.py`); the page URL is the ``url`` of its
  ``.meta.json`` sidecar, else rebuilt from the store layout ``<host>/<path>``;
- ``.txt`` -> plain-text dump parser (`text.py`); inside a walked directory a ``.txt`` without
  any Q/A label (a readme, robots.txt) is skipped with a note;
- ``.jsonl`` -> records passed through with their ids kept;
- MedQuAD ``.xml`` and ``judged-answers.csv`` -> `indexer.ingest.parse.medquad.parse_medquad`.

Items from K2 pages and text dumps are merged (`merge.py`); record ids are unique across the
whole result (a repeated id keeps its first record and is reported).

Bad input never stops the run: an empty, binary, unreadable or too large page (over
`MAX_BYTES`, 20 MB) is reported as a Problem and skipped; a page that is not UTF-8 is decoded
as cp1252 (reported as a note) and parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from indexer.ingest.parse.clean import declared_charset, decode_bytes, looks_binary
from indexer.ingest.parse.files import walk_files
from indexer.ingest.parse.items import LISTING, OTHER, PageParse, Problem, RawItem
from indexer.ingest.parse.merge import merge_items
from indexer.records import Record

__all__ = ["MAX_BYTES", "PageParse", "ParseResult", "Problem", "classify", "parse_paths"]

MAX_BYTES = 20 * 1024 * 1024
PAGE_SUFFIXES = frozenset({".html", ".htm", ".php", ".shtml", ""})

K2, TEXT, JSONL, MEDQUAD, JUDGED, SKIP = "k2", "text", "jsonl", "medquad", "judged", "skip"

Report = Callable[[Path, int, int], None]


@dataclass
class ParseResult:
    """Records and problems of one parse run, with counts for the summary."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    pages: list[PageParse] = field(default_factory=list)  # one per K2 page / text dump parsed
    files: int = 0  # input files looked at
    skipped: int = 0  # input files skipped (bad input, unsupported type)
    raw_items: int = 0  # items seen on pages before merging
    merged: int = 0  # raw items folded into another record
    by_kind: dict[str, int] = field(default_factory=dict)  # records per input kind

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.by_kind.items())) or "none"
        listing = sum(1 for p in self.pages if p.kind == LISTING)
        return (
            f"{len(self.records)} records ({kinds}) from {self.files} files "
            f"({len(self.pages)} pages parsed, {listing} listings, {self.skipped} skipped); "
            f"{self.raw_items} page items, {self.merged} merged into others; "
            f"{len(self.problems)} problems"
        )


def _medquad_module() -> Any:
    try:
        from indexer.ingest.parse import medquad
    except ImportError:
        return None
    return medquad


def _page_suffix(path: Path) -> str:
    name = path.name.split("@", 1)[0]
    return Path(name).suffix.lower()


def classify(path: Path, *, walked: bool = False) -> str:
    """The reader for one file: k2, text, jsonl, medquad, judged or skip."""
    name = path.name
    if name.endswith(".meta.json") or (walked and name.startswith(".")):
        return SKIP
    suffix = _page_suffix(path)
    medquad = _medquad_module()
    if suffix == ".csv":
        return JUDGED if medquad is not None and medquad.is_judged_csv(path) else SKIP
    if suffix == ".xml":
        return MEDQUAD if medquad is None or medquad.is_medquad_xml(path) else SKIP
    if suffix == ".jsonl":
        return JSONL
    if suffix == ".txt":
        return TEXT
    if suffix in PAGE_SUFFIXES:
        return K2
    return SKIP


def _sidecar(path: Path) -> dict[str, Any]:
    """The page's ``.meta.json`` sidecar as a dict; {} when absent or unreadable."""
    meta = path.with_name(path.name + ".meta.json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _store_url(path: Path, root: Path | None) -> str:
    """The URL of a stored page: its sidecar's ``url``, else rebuilt from ``<host>/<path>``."""
    url = _sidecar(path).get("url")
    if isinstance(url, str) and url:
        return url
    if root is not None:
        rel = path.relative_to(root).parts
        if len(rel) >= 2 and "." in rel[0]:
            host, *segments = rel
            name, _, query = segments[-1].partition("@")
            segments[-1] = "" if name == "index.html" else name
            url = f"https://{host.replace('_', ':')}/" + "/".join(segments)
            return url + (f"?{unquote(query)}" if query else "")
    return path.resolve().as_uri()


@dataclass
class _Inputs:
    k2: list[tuple[Path, Path | None]] = field(default_factory=list)
    text: list[Path] = field(default_factory=list)
    jsonl: list[Path] = field(default_factory=list)
    medquad: list[Path] = field(default_factory=list)
    judged: list[Path] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(x) for x in (self.k2, self.text, self.jsonl, self.medquad, self.judged))


def _collect(paths: Sequence[str | Path], result: ParseResult) -> _Inputs:
    inputs = _Inputs()
    medquad = _medquad_module()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if medquad is not None and medquad.is_medquad_xml(path):
                inputs.medquad.append(path)  # the reader walks it (and skips its readme)
                continue
            for file in walk_files(path):
                _add_file(inputs, file, path, result, walked=True)
        elif path.is_file():
            _add_file(inputs, path, None, result, walked=False)
        else:
            result.problems.append(Problem(str(path), "no such file or directory"))
    return inputs


def _add_file(inputs: _Inputs, path: Path, root: Path | None, result: ParseResult,
              walked: bool) -> None:
    kind = classify(path, walked=walked)
    if kind == SKIP:
        if not path.name.endswith(".meta.json"):
            result.files += 1
            result.skipped += 1
            result.problems.append(Problem(str(path), "not a supported input; skipped",
                                           "note" if walked else "error"))
        return
    if kind == K2:
        inputs.k2.append((path, root))
    else:
        getattr(inputs, kind).append(path)


def _read_page(path: Path, result: ParseResult, max_bytes: int) -> bytes | None:
    """The bytes of a page or dump, or None (reported) when it cannot be parsed."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            result.problems.append(Problem(
                str(path), f"file too large ({size / 2**20:.1f} MB > {max_bytes / 2**20:g} MB "
                           "cap); skipped"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        result.problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
        return None
    if not data.strip():
        result.problems.append(Problem(str(path), "empty file; skipped"))
        return None
    if looks_binary(data):
        result.problems.append(Problem(str(path), "binary data, not a page; skipped"))
        return None
    return data


def _parse_k2_file(path: Path, root: Path | None, result: ParseResult,
                   max_bytes: int) -> PageParse | None:
    from indexer.ingest.parse.k2 import parse_k2

    data = _read_page(path, result, max_bytes)
    if data is None:
        return None
    encoding = None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        declared = declared_charset(data)
        if declared is None or declared.replace("-", "").replace("_", "") in ("utf8", "utf8mb4"):
            encoding = "cp1252"
            result.problems.append(Problem(
                str(path), "not valid UTF-8; decoded as cp1252", "note"))
        else:
            encoding = declared
    return parse_k2(data, _store_url(path, root), encoding=encoding,
                    fetched_url=_sidecar(path).get("fetched_url"))


def _parse_text_file(path: Path, result: ParseResult, max_bytes: int) -> PageParse | None:
    from indexer.ingest.parse.text import parse_text

    data = _read_page(path, result, max_bytes)
    if data is None:
        return None
    text, note = decode_bytes(data)
    if note:
        result.problems.append(Problem(str(path), note, "note"))
    return parse_text(text, str(path))


def _read_jsonl(path: Path, result: ParseResult) -> list[Record]:
    records: list[Record] = []
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    records.append(Record.from_dict(json.loads(line)))
                except (ValueError, TypeError, AttributeError) as exc:
                    result.problems.append(Problem(f"{path}:{lineno}",
                                                   f"not a record: {exc}; line skipped"))
    except OSError as exc:
        result.problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
    return records


def parse_paths(
    paths: Sequence[str | Path] | str | Path,
    *,
    include_empty: bool = False,
    report: Report | None = None,
    max_bytes: int = MAX_BYTES,
) -> ParseResult:
    """Parse every input under `paths` into records (see the module doc).

    `report(path, done, total)` is called after each input file (for a progress bar);
    `include_empty` keeps items whose answer is empty (MedQuAD pairs, cut-off items)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    result = ParseResult()
    inputs = _collect(paths, result)
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
        page = _parse_k2_file(path, root, result, max_bytes)
        tick(path)
        if page is None:
            result.skipped += 1
            continue
        _take_page(page, path, result, raw, category_urls)
    for path in inputs.text:
        page = _parse_text_file(path, result, max_bytes)
        tick(path)
        if page is None:
            result.skipped += 1
            continue
        if not page.items and _walked(path, paths):
            result.problems.append(Problem(str(path), "no question/answer labels; skipped",
                                           "note"))
            result.skipped += 1
            continue
        _take_page(page, path, result, raw, category_urls)

    result.raw_items = len(raw)
    merged = merge_items(raw, category_urls)
    result.merged = len(raw) - len(merged)
    pages_out = _keep_answered(merged, include_empty, result)
    _add_records(result, pages_out, "archive")

    for path in inputs.jsonl:
        _add_records(result, _read_jsonl(path, result), "jsonl")
        tick(path)
    if inputs.medquad or inputs.judged:
        _add_records(result, _parse_medquad(inputs, include_empty, result), "medquad")
        for path in [*inputs.medquad, *inputs.judged]:
            tick(path)
    return result


def _walked(path: Path, roots: Sequence[str | Path]) -> bool:
    """Whether `path` was found by walking a directory rather than named itself."""
    return all(Path(r) != path for r in roots)


def _take_page(page: PageParse, path: Path, result: ParseResult, raw: list[RawItem],
               category_urls: dict[str, list[str]]) -> None:
    result.pages.append(page)
    result.problems.extend(p if p.path == str(path) else
                           Problem(f"{path} ({p.path})", p.message, p.level)
                           for p in page.problems)
    if page.kind == OTHER:
        result.problems.append(Problem(str(path), "no K2 archive content (not a listing or "
                                                  "item page); skipped", "note"))
        return
    if page.kind == LISTING and page.category and (page.page in (None, 1)):
        category_urls.setdefault(page.url, page.category)
    raw.extend(page.items)


def _keep_answered(records: list[Record], include_empty: bool,
                   result: ParseResult) -> list[Record]:
    if include_empty:
        return records
    kept = []
    for rec in records:
        if rec.answer.strip():
            kept.append(rec)
        else:
            where = rec.urls[0] if rec.urls else rec.id
            result.problems.append(Problem(
                where, f"item {rec.title or rec.question[:60]!r} has no answer text; skipped",
                "warning"))
    return kept


def _parse_medquad(inputs: _Inputs, include_empty: bool, result: ParseResult) -> list[Record]:
    medquad = _medquad_module()
    if medquad is None:
        for path in [*inputs.medquad, *inputs.judged]:
            result.problems.append(Problem(str(path), "MedQuAD reader is not available"))
        return []
    problems: list[Any] = []
    records = list(medquad.parse_medquad(inputs.medquad, inputs.judged,
                                         include_empty=include_empty, problems=problems))
    for p in problems:
        result.problems.append(p if isinstance(p, Problem) else Problem(str(p[0]), str(p[1])))
    return records


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
