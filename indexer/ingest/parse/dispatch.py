"""Which reader gets each input, and reading one input file (bad input reported, not raised).

`classify` names the reader of a file; `collect` walks the input paths into `Inputs` (one list
per reader); `read_k2_file`, `read_text_file` and `read_jsonl` read one file each, adding what
went wrong to the run's `ParseResult`. The rules are in the package doc (`indexer.ingest.parse`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from indexer.ingest.parse import medquad
from indexer.ingest.parse.clean import (
    declared_charset,
    decode_bytes,
    looks_binary,
    transcode_unicode,
)
from indexer.ingest.parse.files import walk_files
from indexer.ingest.parse.items import PageParse, ParseResult, Problem
from indexer.records import Record

MAX_BYTES = 20 * 1024 * 1024
PAGE_SUFFIXES = frozenset({".html", ".htm", ".php", ".shtml", ""})

K2, TEXT, JSONL, MEDQUAD, JUDGED, SKIP = "k2", "text", "jsonl", "medquad", "judged", "skip"


def _page_suffix(path: Path) -> str:
    name = path.name.split("@", 1)[0]
    return Path(name).suffix.lower()


def classify(path: Path, *, walked: bool = False) -> str:
    """The reader for one file: k2, text, jsonl, medquad, judged or skip."""
    name = path.name
    if name.endswith(".meta.json") or (walked and name.startswith(".")):
        return SKIP
    suffix = _page_suffix(path)
    if suffix == ".csv":
        return JUDGED if medquad.is_judged_csv(path) else SKIP
    if suffix == ".xml":
        return MEDQUAD if medquad.is_medquad_xml(path) else SKIP
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
class Inputs:
    k2: list[tuple[Path, Path | None]] = field(default_factory=list)
    text: list[Path] = field(default_factory=list)
    jsonl: list[Path] = field(default_factory=list)
    medquad: list[Path] = field(default_factory=list)
    judged: list[Path] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(x) for x in (self.k2, self.text, self.jsonl, self.medquad, self.judged))


def collect(paths: Sequence[str | Path], result: ParseResult) -> Inputs:
    inputs = Inputs()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            if medquad.is_medquad_xml(path):
                inputs.medquad.append(path)  # the reader walks it (and skips its readme)
                continue
            for file in walk_files(path):
                _add_file(inputs, file, path, result, walked=True)
        elif path.is_file():
            _add_file(inputs, path, None, result, walked=False)
        else:
            result.problems.append(Problem(str(path), "no such file or directory"))
    return inputs


def _add_file(inputs: Inputs, path: Path, root: Path | None, result: ParseResult,
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
    data, note, error = transcode_unicode(data)
    if error:
        result.problems.append(Problem(str(path), f"{error}; skipped"))
        return None
    if note:
        result.problems.append(Problem(str(path), note, "note"))
    if not data.strip():
        result.problems.append(Problem(str(path), "empty file; skipped"))
        return None
    if looks_binary(data):
        result.problems.append(Problem(str(path), "binary data, not a page; skipped"))
        return None
    return data


def read_k2_file(path: Path, root: Path | None, result: ParseResult,
                   max_bytes: int) -> PageParse | None:
    from indexer.ingest.parse.k2 import parse_k2

    data = _read_page(path, result, max_bytes)
    if data is None:
        return None
    encoding = "utf-8"  # also for a page transcoded from UTF-16, whose <meta> says UTF-16
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


def read_text_file(path: Path, result: ParseResult, max_bytes: int) -> PageParse | None:
    from indexer.ingest.parse.text import parse_text

    data = _read_page(path, result, max_bytes)
    if data is None:
        return None
    text, note = decode_bytes(data)
    if note:
        result.problems.append(Problem(str(path), note, "note"))
    return parse_text(text, str(path))


def read_jsonl(path: Path, result: ParseResult) -> list[Record]:
    records: list[Record] = []
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
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


def walked(path: Path, roots: Sequence[str | Path]) -> bool:
    """Whether `path` was found by walking a directory rather than named itself."""
    return all(Path(r) != path for r in roots)
