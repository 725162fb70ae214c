"""Fusing the lexical ranking with embedding cosine (hybrid search).

Candidates are the lexical ranking's best `depth` rows and the `depth` rows nearest to the
query's embedding. Two fusions, chosen (with their weights) by cross-validation on the dev
sets and kept in `indexer/data/hybrid_weights.json`:

  score  (1 - w) * lexical / best lexical score of the query + w * cosine
  rrf    (1 - w) / (k + lexical rank) + w / (k + cosine rank)    (reciprocal-rank fusion)

A candidate the lexical ranking did not list has lexical score 0 (rank: past the list).
Ties break on the row number, so the same index and query always give the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "data" / "hybrid_weights.json"
METHODS = ("score", "rrf")


@dataclass(frozen=True)
class Fusion:
    method: str = "score"
    weight: float = 0.5  # share of the embedding side, 0..1
    k: float = 60.0  # RRF's rank offset
    depth: int = 200  # candidates taken from each side

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion {self.method!r}: expected one of {METHODS}")
        if not 0.0 <= self.weight <= 1.0:
            raise ValueError(f"fusion weight {self.weight} is not in 0..1")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fusion:
        return cls(method=str(data.get("method", "score")), weight=float(data["weight"]),
                   k=float(data.get("k", 60.0)), depth=int(data.get("depth", 200)))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "weight": self.weight, "k": self.k, "depth": self.depth}


def load_fusion(path: Path = WEIGHTS_FILE) -> Fusion:
    """The fitted fusion (`qasearch eval all --hybrid --fit --write` writes it)."""
    return Fusion.from_dict(json.loads(Path(path).read_text(encoding="utf-8"))["fusion"])


def nearest(cosines: np.ndarray, allowed: np.ndarray | None, depth: int) -> np.ndarray:
    """Rows with the `depth` highest cosines (among `allowed` rows), best first."""
    sims = cosines if allowed is None else np.where(allowed, cosines, -np.inf)
    k = min(depth, int(np.count_nonzero(np.isfinite(sims))))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-sims, k - 1)[:k]
    return top[np.lexsort((top, -sims[top]))]


def fuse(lex_rows: np.ndarray, lex_scores: np.ndarray, cosines: np.ndarray, fusion: Fusion,
         allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows best first, their fused scores). `lex_rows`: the lexical ranking, best first;
    `lex_scores`: lexical score per row (dense); `cosines`: cosine per row (dense);
    `allowed`: rows that may be added from the embedding side (live, in the category)."""
    lex_rows = np.asarray(lex_rows, dtype=np.int64)[: fusion.depth]
    vec_rows = nearest(cosines, allowed, fusion.depth)
    rows = np.union1d(lex_rows, vec_rows)
    if not len(rows):
        return rows, np.zeros(0, dtype=np.float64)
    w = fusion.weight
    if fusion.method == "score":
        lex = np.zeros(len(rows))
        listed = np.isin(rows, lex_rows)
        best = float(np.max(lex_scores[lex_rows], initial=0.0)) if len(lex_rows) else 0.0
        if best > 0:
            lex[listed] = lex_scores[rows[listed]] / best
        fused = (1.0 - w) * lex + w * cosines[rows].astype(np.float64)
    else:
        fused = (1.0 - w) / (fusion.k + _ranks(rows, lex_rows)) + w / (
            fusion.k + _ranks(rows, vec_rows))
    order = np.lexsort((rows, -fused))
    return rows[order], fused[order]


def lexical_rows(ranked: Any, allowed: np.ndarray, depth: int) -> np.ndarray:
    """The lexical ranking's best `depth` rows: the rows the search ordered (`ranked.rows`,
    the first page or more), then the other matching `allowed` rows by score."""
    head = np.asarray(ranked.rows, dtype=np.int64)[:depth]
    if len(head) >= depth:
        return head
    rest = ranked.matched & allowed
    rest[head] = False
    more = np.flatnonzero(rest)
    if len(more) > depth - len(head):
        scores = ranked.scores[more]
        keep = np.argpartition(-scores, depth - len(head) - 1)[: depth - len(head)]
        more = more[keep]
    more = more[np.lexsort((more, -ranked.scores[more]))]
    return np.concatenate([head, more])


def fuse_ranked(ranked: Any, cosines: np.ndarray, fusion: Fusion, allowed: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """`fuse` of a search's lexical outcome (`indexer.search.execute.Ranked`)."""
    lex = lexical_rows(ranked, allowed, fusion.depth)
    return fuse(lex, ranked.scores, cosines, fusion, allowed)


def _ranks(rows: np.ndarray, ranking: np.ndarray) -> np.ndarray:
    """1-based rank of each of `rows` in `ranking`; rows not in it rank just past its end."""
    pos = {int(r): i for i, r in enumerate(ranking, 1)}
    missing = len(ranking) + 1
    return np.fromiter((pos.get(int(r), missing) for r in rows), dtype=np.float64,
                       count=len(rows))


# --------------------------------------------------------------------------- the search hook
NO_VECTORS = ("Hybrid search is on, but this index has no embeddings: rebuild it with "
              "QASEARCH_HYBRID=1 (ranked by words alone).")


def hybrid_enabled() -> bool:
    """Whether hybrid search is asked for (`Settings.hybrid`, QASEARCH_HYBRID)."""
    from indexer.settings import Settings

    return Settings.load().hybrid


def _generation_vectors(s: Any) -> Any:
    """The session's generation embeddings (loaded once per generation), or None."""
    from indexer.index.vectors import load_vectors

    cache = s.gen.cache
    if "vectors" not in cache:
        with s.gen.lock:
            if "vectors" not in cache:
                cache["vectors"] = load_vectors(s.gen.path, s.data.n_rows)
    return cache["vectors"]


def _fusion(s: Any) -> Fusion:
    cache = s.gen.cache
    if "fusion" not in cache:
        cache["fusion"] = load_fusion()
    return cache["fusion"]


def apply_hybrid(s: Any, text: str, out: Any, category: list[str] | None) -> Any:
    """The search's outcome re-ranked with the query's embedding when hybrid search is on
    and the generation has embeddings; else `out` as it was (with a notice saying why, when
    hybrid search was asked for). A query whose words match nothing stays empty."""
    if out.plan is None or out.ranked is None or not out.ranked.total or not hybrid_enabled():
        return out
    from dataclasses import replace

    from indexer.search.execute import category_rows
    from indexer.text.embed import EmbeddingUnavailable, embedder

    vectors = _generation_vectors(s)
    if vectors is None:
        out.plan.notices.append(NO_VECTORS)
        return out
    try:
        qvec = embedder().encode([text])[0]
    except EmbeddingUnavailable as exc:
        out.plan.notices.append(f"{exc} (ranked by words alone).")
        return out
    data, ranked = s.data, out.ranked
    allowed = data.live & category_rows(data, category) if category else data.live
    rows, fused = fuse_ranked(ranked, vectors.cosines(qvec), _fusion(s), allowed)
    rest = ranked.rows[~np.isin(ranked.rows, rows)]
    scores = np.zeros(data.n_rows, dtype=np.float32)
    scores[rows] = fused
    matched = ranked.matched.copy()
    matched[rows] = True
    total = ranked.total + int(np.count_nonzero(~ranked.matched[rows]))
    new = replace(ranked, rows=np.concatenate([rows, rest]), scores=scores, total=total,
                  matched=matched, complete=total, relaxed=False)
    return replace(out, ranked=new)
