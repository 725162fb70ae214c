"""The small JSON tables of a generation (foci and the condition gazetteer, question types,
category paths: `indexer.index.ranking`), stored gzipped as `rank.json.gz` (0.9 -> 0.3 MB on
MedQuAD; read once per process and generation). Generations written before schema 8 hold
them as plain `rank.json`, read when there is no `rank.json.gz`.

Each server process holds them as Python objects, so `shared_objects` makes one object per
distinct string and focus id (a focus key is also a gazetteer name; json makes a new
`int` for every id above 256), in lists of their exact length: 4.5 -> 3.3 MB per process on
MedQuAD (tracemalloc), the same values and types."""

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


def shared_objects(tables: dict[str, Any]) -> dict[str, Any]:
    """`tables` with the same values in fewer objects: each gazetteer entry's focus ids a
    list of one shared `int` per id, the focus keys and the name-case table's keys and
    values the gazetteer's own string objects when equal (a copy; `tables` is not changed)."""
    out = dict(tables)
    pool: dict[str, str] = {}
    ids: dict[int, int] = {}

    def same(text: str) -> str:
        return pool.setdefault(text, text)

    if "gazetteer" in tables:
        out["gazetteer"] = {same(name): list(tuple(ids.setdefault(k, k) for k in keys))
                            for name, keys in tables["gazetteer"].items()}
    if "focus_keys" in tables:
        out["focus_keys"] = [same(k) for k in tables["focus_keys"]]
    extra = tables.get("extra")
    if isinstance(extra, dict) and isinstance(extra.get("name_case"), dict):
        out["extra"] = {**extra, "name_case": {same(k): same(v)
                                               for k, v in extra["name_case"].items()}}
    return out


def read_tables(folder: Path) -> dict[str, Any]:
    """The generation's tables: `rank.json.gz`, else (a generation written before schema 8)
    `rank.json`."""
    try:
        raw = (folder / RANK_JSON_GZ).read_bytes()
    except FileNotFoundError:
        with (folder / RANK_JSON).open(encoding="utf-8") as fh:
            return json.load(fh)
    return json.loads(gzip.decompress(raw).decode("utf-8"))
