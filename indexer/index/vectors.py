"""Record embeddings of a generation, for hybrid search.

A build with hybrid search on (`QASEARCH_HYBRID=1` or `Settings.hybrid`) writes beside the
ranking data:

    vectors.npy    float32 (rows x dims), row i = the record of ranking row i (deleted rows 0)
    questions.npy  float32 (rows x dims), row i = that record's question alone (else its
                   title; 0 when it has neither): the hybrid's question-only cosine
    vectors.json   {"model", "dims", "rows", "embedded", "cached", "questions"}

Embeddings are cached in a SQLite file under the cache directory
(`$QASEARCH_CACHE_DIR/vectors/<model>.sqlite`, default ~/.cache/qasearch): a record's by its
content hash, a question's by the hash of its text ("q:" keys), so an incremental build embeds
only new and changed records (and questions), and a full rebuild of the same records embeds
nothing. The searcher memory-maps both files (`load_vectors`).
"""

from __future__ import annotations

import contextlib
import hashlib
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
QUESTIONS = "questions.npy"
VECTORS_META = "vectors.json"
CACHE_SUBDIR = "vectors"


@dataclass
class VectorReport:
    rows: int
    embedded: int  # records encoded by the model in this build
    cached: int  # records whose embedding came from the cache
    questions_embedded: int = 0  # distinct question texts encoded in this build


@dataclass
class Vectors:
    """A generation's embeddings (memory-mapped) and the model that made them; `questions`:
    each record's question alone (None in a generation built before they were written)."""

    matrix: np.ndarray
    model: str
    questions: np.ndarray | None = None

    def cosines(self, vec: np.ndarray, rows: np.ndarray | None = None,
                question_share: float = 0.0) -> np.ndarray:
        """Cosine of every row (or of `rows` only) with a unit vector (float32): with the
        whole record, or `question_share` of it with the record's question alone (the rest
        with the whole record; the whole record alone when there are no question rows)."""
        idx = None if rows is None else np.asarray(rows, np.int64)
        q = vec.astype(np.float32)
        whole = _dot(self.matrix, q, idx)
        if question_share <= 0 or self.questions is None:
            return whole
        asked = _dot(self.questions, q, idx)
        if question_share >= 1:
            return asked
        return ((1.0 - question_share) * whole + question_share * asked).astype(np.float32)


def _dot(matrix: np.ndarray, vec: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    part = matrix if rows is None else matrix[rows]
    return np.asarray(part @ vec, dtype=np.float32)


def question_text(rec: Record) -> str:
    """What of a record the question-only cosine compares with: its question, else its
    title."""
    return (rec.question or rec.title or "").strip()


def question_key(text: str) -> str:
    """The cache key of a question's embedding (its text's hash, apart from records')."""
    return "q:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    """Write the embeddings of `records` (whole records and their questions) in ranking-row
    order (`row_ids`; None = deleted row) into `gen_dir`, taking what the cache has and
    encoding the rest."""
    from indexer.text.embed import record_text

    dims = int(embedder.dims)
    rows = [(i, records[rid]) for i, rid in enumerate(row_ids) if rid is not None
            and rid in records]
    cache: VectorCache | None = None
    try:
        cache = VectorCache(cache_dir or cache_root(), embedder.model_id, dims)
    except (OSError, sqlite3.Error):
        cache = None  # an unwritable cache only costs the re-encoding
    whole = {r.content_hash: r for _, r in rows}
    asked = {question_key(t): t for t in (question_text(r) for _, r in rows) if t}
    try:
        found, embedded = _embed_missing(
            cache, embedder, {h: record_text(r.title, r.question, r.answer, r.focus)
                              for h, r in whole.items()}, progress)
        found_q, embedded_q = _embed_missing(cache, embedder, asked, None)
    finally:
        if cache is not None:
            cache.close()
    matrix = np.zeros((len(row_ids), dims), dtype=np.float32)
    questions = np.zeros((len(row_ids), dims), dtype=np.float32)
    for i, rec in rows:
        matrix[i] = found[rec.content_hash]
        text = question_text(rec)
        if text:
            questions[i] = found_q[question_key(text)]
    np.save(gen_dir / VECTORS, matrix)
    np.save(gen_dir / QUESTIONS, questions)
    report = VectorReport(rows=len(row_ids), embedded=len(embedded), cached=len(rows) - sum(
        1 for _, r in rows if r.content_hash in embedded), questions_embedded=len(embedded_q))
    meta = {"model": embedder.model_id, "dims": dims, "rows": report.rows,
            "embedded": report.embedded, "cached": report.cached,
            "questions": True, "questions_embedded": report.questions_embedded}
    (gen_dir / VECTORS_META).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return report


def _embed_missing(cache: VectorCache | None, embedder: Any, texts: Mapping[str, str],
                   progress: Callable[[int], None] | None
                   ) -> tuple[dict[str, np.ndarray], set[str]]:
    """({key: embedding} for every key of `texts`, the keys encoded now): the cache's, and
    the rest encoded (and cached)."""
    found: dict[str, np.ndarray] = {}
    if cache is not None:
        with contextlib.suppress(sqlite3.Error):
            found = cache.get(list(texts))
    todo = [k for k in texts if k not in found]
    if todo:
        fresh = dict(zip(todo, embedder.encode([texts[k] for k in todo], progress=progress),
                         strict=True))
        found.update(fresh)
        if cache is not None:
            with contextlib.suppress(sqlite3.Error):
                cache.put(fresh)
    return found, set(todo)


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
    questions: np.ndarray | None = None
    if meta.get("questions"):
        try:
            questions = np.load(gen_dir / QUESTIONS, mmap_mode="r")
        except (OSError, ValueError):
            questions = None
        if questions is not None and questions.shape != matrix.shape:
            questions = None
    return Vectors(matrix=matrix, model=str(meta.get("model", "")), questions=questions)


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
