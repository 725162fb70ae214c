"""Record embeddings of a generation, for hybrid search.

A build with hybrid search on (`QASEARCH_HYBRID=1` or `Settings.hybrid`) writes beside the
ranking data:

    vectors.npy    float32 (rows x dims), row i = the record of ranking row i (deleted rows 0)
    vectors.json   {"model", "dims", "rows", "embedded", "cached"}

Embeddings are cached by record content hash (and model) in a SQLite file under the cache
directory (`$QASEARCH_CACHE_DIR/vectors/<model>.sqlite`, default ~/.cache/qasearch), so an
incremental build embeds only new and changed records, and a full rebuild of the same
records embeds nothing. The searcher memory-maps `vectors.npy` (`load_vectors`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.records import Record

VECTORS = "vectors.npy"
VECTORS_META = "vectors.json"
CACHE_SUBDIR = "vectors"


@dataclass
class VectorReport:
    rows: int
    embedded: int  # records encoded by the model in this build
    cached: int  # records whose embedding came from the cache


@dataclass
class Vectors:
    """A generation's embeddings (memory-mapped) and the model that made them."""

    matrix: np.ndarray
    model: str

    def cosines(self, vec: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cosine of every row (or of `rows` only) with a unit vector (float32)."""
        matrix = self.matrix if rows is None else self.matrix[np.asarray(rows, np.int64)]
        return np.asarray(matrix @ vec.astype(np.float32), dtype=np.float32)


def cache_root() -> Path:
    """$QASEARCH_CACHE_DIR/vectors, else $XDG_CACHE_HOME (or ~/.cache)/qasearch/vectors."""
    if os.environ.get("QASEARCH_CACHE_DIR"):
        return Path(os.environ["QASEARCH_CACHE_DIR"]) / CACHE_SUBDIR
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "qasearch" / CACHE_SUBDIR


class VectorCache:
    """content hash -> embedding, in one SQLite file per model (shared by processes)."""

    def __init__(self, directory: Path, model: str, dims: int) -> None:
        from indexer.sqlitewal import connect

        directory.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", model)
        self.dims = dims
        self.conn = connect(directory / f"{safe}.sqlite")
        self.conn.execute("CREATE TABLE IF NOT EXISTS vec (hash TEXT PRIMARY KEY, v BLOB)")

    def get(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        want = list(dict.fromkeys(hashes))
        for start in range(0, len(want), 500):
            part = want[start:start + 500]
            marks = ",".join("?" * len(part))
            for h, blob in self.conn.execute(
                    f"SELECT hash, v FROM vec WHERE hash IN ({marks})", part):  # noqa: S608
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self.dims,):
                    out[h] = vec
        return out

    def put(self, items: Mapping[str, np.ndarray]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO vec (hash, v) VALUES (?, ?)",
                [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()])

    def close(self) -> None:
        self.conn.close()


def build_vectors(gen_dir: Path, row_ids: Sequence[str | None], records: Mapping[str, Record],
                  embedder: Any, *, cache_dir: Path | None = None,
                  progress: Callable[[int], None] | None = None) -> VectorReport:
    """Write the embeddings of `records` in ranking-row order (`row_ids`; None = deleted row)
    into `gen_dir`, taking what the cache has and encoding the rest."""
    from indexer.text.embed import record_text

    dims = int(embedder.dims)
    matrix = np.zeros((len(row_ids), dims), dtype=np.float32)
    rows = [(i, records[rid]) for i, rid in enumerate(row_ids) if rid is not None
            and rid in records]
    cache: VectorCache | None = None
    found: dict[str, np.ndarray] = {}
    try:
        cache = VectorCache(cache_dir or cache_root(), embedder.model_id, dims)
        found = cache.get([r.content_hash for _, r in rows])
    except (OSError, sqlite3.Error):
        cache = None  # an unwritable cache only costs the re-encoding
    todo: dict[str, Record] = {}
    for _, rec in rows:
        if rec.content_hash not in found:
            todo.setdefault(rec.content_hash, rec)
    if todo:
        texts = [record_text(r.title, r.question, r.answer, r.focus) for r in todo.values()]
        new = embedder.encode(texts, progress=progress)
        fresh = dict(zip(todo, new, strict=True))
        found.update(fresh)
        if cache is not None:
            with contextlib.suppress(sqlite3.Error):
                cache.put(fresh)
    if cache is not None:
        cache.close()
    for i, rec in rows:
        matrix[i] = found[rec.content_hash]
    np.save(gen_dir / VECTORS, matrix)
    report = VectorReport(rows=len(row_ids), embedded=len(todo),
                          cached=len(rows) - sum(1 for _, r in rows if r.content_hash in todo))
    meta = {"model": embedder.model_id, "dims": dims, "rows": report.rows,
            "embedded": report.embedded, "cached": report.cached}
    (gen_dir / VECTORS_META).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return report


def load_vectors(gen_dir: Path, rows: int | None = None) -> Vectors | None:
    """The generation's embeddings, memory-mapped; None when it has none (or they do not
    match its `rows` ranking rows)."""
    try:
        meta = json.loads((gen_dir / VECTORS_META).read_text(encoding="utf-8"))
        matrix = np.load(gen_dir / VECTORS, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if matrix.ndim != 2 or (rows is not None and matrix.shape[0] != rows):
        return None
    return Vectors(matrix=matrix, model=str(meta.get("model", "")))


def build_if_enabled(gen_dir: Path, row_ids: Sequence[str | None],
                     records: Mapping[str, Record], *, progress: bool = False
                     ) -> VectorReport | None:
    """The build's hook: embeddings when hybrid search is on (`Settings.hybrid`), else
    nothing. Raises BuildError (with the install command) when hybrid search is on but the
    embedding libraries are missing."""
    from indexer.progress import progress_bar
    from indexer.settings import Settings
    from indexer.text.embed import EmbeddingUnavailable, embedder

    if not Settings.load().hybrid:
        return None
    try:
        model = embedder()
    except EmbeddingUnavailable as exc:
        from indexer.index.build import BuildError

        raise BuildError(str(exc)) from exc
    bar = progress_bar(len(records), unit="rec", desc="embedding", enabled=progress, leave=True)
    try:
        return build_vectors(gen_dir, row_ids, records, model, progress=bar.update)
    finally:
        bar.close()
