"""The small JSON tables of a generation (foci and the condition gazetteer, question types,
category paths: `indexer.index.ranking`), stored gzipped as `rank.json.gz` (0.9 -> 0.3 MB on
MedQuAD; read once per process and generation). Generations written before schema 8 hold
them as plain `rank.json`, read when there is no `rank.json.gz`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

RANK_JSON_GZ = "rank.json.gz"
RANK_JSON = "rank.json"  # plain: generations written before schema 8
GZIP_LEVEL = 6


def write_tables(folder: Path, tables: dict[str, Any]) -> None:
    """Write `tables` as the generation's `rank.json.gz` (the same bytes for the same
    tables: no time stamp)."""
    text = json.dumps(tables, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    (folder / RANK_JSON_GZ).write_bytes(gzip.compress(text, GZIP_LEVEL, mtime=0))


def read_tables(folder: Path) -> dict[str, Any]:
    """The generation's tables: `rank.json.gz`, else (a generation written before schema 8)
    `rank.json`."""
    try:
        raw = (folder / RANK_JSON_GZ).read_bytes()
    except FileNotFoundError:
        with (folder / RANK_JSON).open(encoding="utf-8") as fh:
            return json.load(fh)
    return json.loads(gzip.decompress(raw).decode("utf-8"))
