"""Fusing the lexical ranking with embedding cosine (hybrid search).

The embedding side re-scores the lexical ranking's candidates (its best `depth` rows: only
records the word search lists, so nothing it refuses as noise comes back) and may add a few
rows of its own (`extra` at most), only those whose cosine with the query reaches `cutoff`:
a query whose words match little is not padded with whatever is nearest. Two fusions,
chosen with their weights and the cut-off by cross-validation on every dev set at once and
kept in `indexer/data/hybrid_weights.json` (`bench/hybrid_fit.py`):

  score  (1 - w) * lexical / best lexical score of the query + w * cosine side
  rrf    (1 - w) / (k + lexical rank) + w / (k + cosine rank)    (reciprocal-rank fusion)

The score fusion's cosine side is the cosine itself (`cos_norm="raw"`) or the cosine's rank
among the candidates, as k / (k + rank) (`cos_norm="rank"`: the same at the top, whatever the
spread of the query's cosines; a long message's cosines bunch together, a short search's
spread out, so one weight fits both kinds better by rank).

The weight depends on the kind of query: `weight` for keyword searches, `message_weight`
for whole messages (the plans that rank every record with a score, `Plan.min_match == 0`),
and on the query's own form and outcome, never on its words: a keyword search is fused only
when at most `few` records have all of its words (or are about the condition it names: the
word search is least sure when few records match) and, unless `questions`, only when it
is not phrased as a question (`plan.is_question`: "what is X" says what it asks, a bare
list of symptoms does not), a message only when it has at least `long_words` words (a short
question's words say what it asks; a long message's may not) and,
unless `known_messages`, only when the search recognised no condition in it (over records
without condition fields it never does: the word search has least to go on there). Weight 0
for a query means it is not embedded at all.
For messages the cosine side may compare the query with the record's question alone
(`message_question`: its share of the cosine, the rest with the whole record; the question
embeddings are the generation's `questions.npy`, `indexer.index.vectors`): a consumer's
message says what it asks as a whole, which a record's question says more directly than
its answer.
The lexical score is divided by the query's best and made monotone in the lexical order (a
partial match never outscores a full match above it), so weight 0 is the lexical ranking.
An added row has lexical score 0 (rank: past the list). Equal fused scores keep the lexical
order, then break on the record id (the same records give the same order, whatever their
row numbers); near-duplicates collapse as in the lexical ranking (`indexer.search.distinct`).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "data" / "hybrid_weights.json"
METHODS = ("score", "rrf")
COS_NORMS = ("raw", "rank")
ORDERED = 10  # rows of the search's own order taken as they are (a first page)
NO_CUTOFF = 2.0  # a cosine never reaches it: the embedding side adds no rows
ANY = 10**9  # `few`: fused whatever the number of full matches


@dataclass(frozen=True)
class Fusion:
    method: str = "score"
    weight: float = 0.5  # share of the embedding side for keyword searches, 0..1
    message_weight: float = 0.5  # ...and for whole messages
    k: float = 60.0  # RRF's rank offset
    depth: int = 200  # lexical candidates re-scored
    cutoff: float = NO_CUTOFF  # cosine a row the word search did not list needs to be added
    extra: int = 10  # rows the embedding side may add, at most
    levels: bool = True  # keyword searches: records with all the words stay first
    cos_norm: str = "raw"  # score fusion's cosine side: the cosine, or k / (k + its rank)
    few: int = ANY  # keyword searches: fused only with at most this many full matches
    long_words: int = 0  # whole messages: fused only with at least this many words
    questions: bool = True  # keyword searches phrased as a question are fused too
    known_messages: bool = True  # messages in which a condition was recognised: fused too
    message_question: float = 0.0  # messages: share of the question-only cosine, 0..1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion {self.method!r}: expected one of {METHODS}")
        if self.cos_norm not in COS_NORMS:
            raise ValueError(f"unknown cosine normalisation {self.cos_norm!r}: expected one "
                             f"of {COS_NORMS}")
        for w in (self.weight, self.message_weight, self.message_question):
            if not 0.0 <= w <= 1.0:
                raise ValueError(f"fusion weight {w} is not in 0..1")
        if self.depth < 1 or self.extra < 0:
            raise ValueError("fusion depth must be >= 1 and extra >= 0")
        if self.few < 0 or self.long_words < 0:
            raise ValueError("fusion gates `few` and `long_words` must be >= 0")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fusion:
        weight = float(data["weight"])
        return cls(method=str(data.get("method", "score")), weight=weight,
                   message_weight=float(data.get("message_weight", weight)),
                   k=float(data.get("k", 60.0)), depth=int(data.get("depth", 200)),
                   cutoff=float(data.get("cutoff", NO_CUTOFF)), extra=int(data.get("extra", 10)),
                   levels=bool(data.get("levels", True)),
                   cos_norm=str(data.get("cos_norm", "raw")), few=int(data.get("few", ANY)),
                   long_words=int(data.get("long_words", 0)),
                   questions=bool(data.get("questions", True)),
                   known_messages=bool(data.get("known_messages", True)),
                   message_question=float(data.get("message_question", 0.0)))

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "weight": self.weight,
                "message_weight": self.message_weight, "k": self.k, "depth": self.depth,
                "cutoff": self.cutoff, "extra": self.extra, "levels": self.levels,
                "cos_norm": self.cos_norm, "few": self.few, "long_words": self.long_words,
                "questions": self.questions, "known_messages": self.known_messages,
                "message_question": self.message_question}

    def weight_for(self, message: bool) -> float:
        """The weight of a kind of query, before the gates (`weight_of`)."""
        return self.message_weight if message else self.weight

    def gated_in(self, message: bool, full: int, words: int, question: bool = False,
                 known: bool = False) -> bool:
        """Whether a query passes its kind's gate: a message of `words` words (`known`: a
        condition was recognised in it), or a keyword search with `full` full matches
        (`question`: phrased as a question)."""
        if message:
            return words >= self.long_words and (self.known_messages or not known)
        return full <= self.few and (self.questions or not question)

    def weight_of(self, message: bool, full: int, words: int, question: bool = False,
                  known: bool = False) -> float:
        """The weight for one query (0 when its gate keeps it lexical)."""
        if not self.gated_in(message, full, words, question, known):
            return 0.0
        return self.weight_for(message)

    def fuses(self, message: bool, full: int, words: int, question: bool = False,
              known: bool = False) -> bool:
        """Whether such a query is re-ranked at all (else it is not embedded)."""
        return self.gated_in(message, full, words, question, known) and (
            self.weight_for(message) > 0 or self.adds_rows)

    def question_share(self, message: bool) -> float:
        """The share of the question-only cosine in a query's cosine side."""
        return self.message_question if message else 0.0

    @property
    def adds_rows(self) -> bool:
        return self.extra > 0 and self.cutoff <= 1.0


def load_fusion(path: Path = WEIGHTS_FILE) -> Fusion:
    """The fitted fusion (`bench/hybrid_fit.py --write` writes it)."""
    return Fusion.from_dict(json.loads(Path(path).read_text(encoding="utf-8"))["fusion"])


def fuse(lex_rows: np.ndarray, lex_scores: np.ndarray, lex_cos: np.ndarray,
         add_rows: np.ndarray, add_cos: np.ndarray, fusion: Fusion, weight: float,
         tie: np.ndarray | None = None, top: int | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
    """(rows best first, their fused scores). `lex_rows`: the lexical candidates, best first,
    with their lexical scores and cosines; `add_rows`: rows the embedding side adds (not
    among them, best first), with their cosines; `tie`: a tie-break rank per row for equal
    cosines (default the row number); `top`: when given, the first `top` candidates (the
    records with all the words) stay before the others, each level re-ordered by itself."""
    rows = np.concatenate([np.asarray(lex_rows, np.int64), np.asarray(add_rows, np.int64)])
    if not len(rows):
        return rows, np.zeros(0, dtype=np.float64)
    n_lex = len(lex_rows)
    cos = np.concatenate([lex_cos, add_cos]).astype(np.float64)
    if fusion.method == "score":
        lex = np.zeros(len(rows))
        best = float(np.max(lex_scores, initial=0.0))
        if best > 0:  # made monotone in the lexical order (full matches before partial ones)
            lex[:n_lex] = np.minimum.accumulate(np.asarray(lex_scores, np.float64) / best)
        if fusion.cos_norm == "rank":
            cos = fusion.k / (fusion.k + cosine_ranks(rows, cos, tie))
        fused = (1.0 - weight) * lex + weight * cos
    else:
        lex_rank = np.concatenate([np.arange(1, n_lex + 1), np.full(len(add_rows), n_lex + 1)])
        cos_rank = cosine_ranks(rows, cos, tie)
        fused = (1.0 - weight) / (fusion.k + lex_rank) + weight / (fusion.k + cos_rank)
    level = np.zeros(len(rows), np.int8)
    if top is not None:
        level[min(top, n_lex):] = 1
    order = np.lexsort((np.arange(len(rows)), -fused, level))  # equal: the candidates' order
    return rows[order], fused[order]


def cosine_ranks(rows: np.ndarray, cos: np.ndarray, tie: np.ndarray | None = None
                 ) -> np.ndarray:
    """1-based rank of each of `rows` by its cosine (highest first; equal cosines by `tie`,
    a rank per row, default the row number)."""
    ranks = np.empty(len(rows))
    ties = rows if tie is None else np.asarray(tie)[rows]
    ranks[np.lexsort((ties, -cos))] = np.arange(1, len(rows) + 1)
    return ranks


def lexical_rows(ranked: Any, allowed: np.ndarray, depth: int) -> np.ndarray:
    """The lexical ranking's best `depth` rows: the first `ORDERED` rows the search ordered
    (`ranked.rows`), then the other listed `allowed` rows by score. Taking the same number
    of ordered rows whatever the page asked for keeps the fused order the same from one page
    to the next (the search orders only as many rows as the page needs)."""
    head = np.asarray(ranked.rows, dtype=np.int64)[:min(depth, ORDERED)]
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


def added_rows(vectors: Any, qvec: np.ndarray, fusion: Fusion, allowed: np.ndarray,
               listed: np.ndarray, tie: np.ndarray | None = None, share: float = 0.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cosines) the embedding side adds: `allowed` rows not `listed` whose cosine
    (`share` of it with the record's question alone) reaches the cut-off, the `extra` best
    (none when the fusion adds none)."""
    if not fusion.adds_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    cos = vectors.cosines(qvec, question_share=share)
    ok = allowed & (cos >= fusion.cutoff)
    ok[listed] = False
    rows = np.flatnonzero(ok)
    if len(rows) > fusion.extra:
        rows = rows[np.argpartition(-cos[rows], fusion.extra - 1)[: fusion.extra]]
    rows = rows[np.lexsort((rows if tie is None else tie[rows], -cos[rows]))]
    return rows, cos[rows]


def fuse_ranked(ranked: Any, vectors: Any, qvec: np.ndarray, fusion: Fusion,
                allowed: np.ndarray, message: bool, tie: np.ndarray | None = None,
                words: int = 0, question: bool = False, known: bool = False
                ) -> tuple[np.ndarray, np.ndarray]:
    """`fuse` of a search's lexical outcome (`indexer.search.execute.Ranked`) for a query
    of `words` words (`question`: phrased as a question; `known`: a condition was
    recognised in it)."""
    full = ranked.complete + ranked.about
    lex = lexical_rows(ranked, allowed, fusion.depth)
    gated = fusion.gated_in(message, full, words, question, known)
    share = fusion.question_share(message)
    add, add_cos = (added_rows(vectors, qvec, fusion, allowed, lex, tie, share) if gated
                    else (np.zeros(0, np.int64), np.zeros(0, np.float32)))
    top = full if fusion.levels and not message else None
    return fuse(lex, ranked.scores[lex], vectors.cosines(qvec, lex, question_share=share),
                add, add_cos, fusion, fusion.weight_of(message, full, words, question, known),
                tie, top)


# --------------------------------------------------------------------------- the search hook
NO_VECTORS = ("Hybrid search is on, but this index has no embeddings: rebuild it with "
              "QASEARCH_HYBRID=1 (ranked by words alone).")


def hybrid_enabled() -> bool:
    """Whether hybrid search is asked for (`Settings.hybrid`, QASEARCH_HYBRID); the setting
    is read once per value of the variable, not on every query."""
    return _hybrid_setting(os.environ.get("QASEARCH_HYBRID"))


@functools.lru_cache(maxsize=8)
def _hybrid_setting(raw: str | None) -> bool:
    from indexer.settings import Settings

    return Settings.load(environ={} if raw is None else {"QASEARCH_HYBRID": raw}).hybrid


def _generation_vectors(s: Any) -> Any:
    """The session's generation embeddings (loaded once per generation), or None."""
    from indexer.index.vectors import load_vectors

    cache = s.gen.cache
    if "vectors" not in cache:
        with s.gen.lock:
            if "vectors" not in cache:
                cache["vectors"] = load_vectors(s.gen.path, s.data.n_rows)
    return cache["vectors"]


@functools.cache
def _fusion() -> Fusion:
    return load_fusion()


def apply_hybrid(s: Any, text: str, out: Any, category: list[str] | None) -> Any:
    """The search's outcome re-ranked with the query's embedding when hybrid search is on
    and the generation has embeddings; else `out` as it was (with a notice saying why, when
    hybrid search was asked for). A query whose words match nothing stays empty."""
    if out.plan is None or out.ranked is None or not out.ranked.total or not hybrid_enabled():
        return out
    from indexer.search.plan import is_question

    fusion = _fusion()
    ranked = out.ranked
    if not fusion.fuses(out.plan.min_match == 0, ranked.complete + ranked.about,
                        query_words(text), is_question(out.parsed), recognised(out.plan)):
        return out  # this query is ranked by its words alone: nothing to embed
    from indexer.text.embed import EmbeddingUnavailable, query_embedder

    vectors = _generation_vectors(s)
    if vectors is None:
        out.plan.notices.append(NO_VECTORS)
        return out
    try:
        qvec = query_embedder().query(text)
    except EmbeddingUnavailable as exc:
        out.plan.notices.append(f"{exc} (ranked by words alone).")
        return out
    return rerank(s, out, vectors, qvec, category, fusion, query_words(text))


def query_words(text: str) -> int:
    """The words of a query as typed (whitespace-separated), for the message gate."""
    return len(text.split())


def recognised(plan: Any) -> bool:
    """Whether the search recognised a condition in the query (named or described)."""
    return bool(plan.understood.get("focus") or plan.understood.get("described"))


def rerank(s: Any, out: Any, vectors: Any, qvec: np.ndarray, category: list[str] | None,
           fusion: Fusion, words: int = 0) -> Any:
    """`out` (of a query of `words` words) with its ranking fused with the query embedding
    `qvec` (duplicates collapsed, ties by record id)."""
    from dataclasses import replace

    from indexer.search import diversify
    from indexer.search.distinct import collapse, groups
    from indexer.search.execute import category_rows
    from indexer.search.plan import is_question

    data, ranked = s.data, out.ranked
    allowed = data.live & category_rows(data, category) if category else data.live
    message = out.plan.min_match == 0
    rows, fused = fuse_ranked(ranked, vectors, qvec, fusion, allowed, message,
                              groups(data).id_rank, words, is_question(out.parsed),
                              recognised(out.plan))
    kept, also = collapse(data, rows, len(rows))
    # rows the search ordered that are not among the candidates follow in its order
    seen = set(kept).union(*also.values())
    past = [int(r) for r in ranked.rows if int(r) not in seen]
    also.update({r: ranked.also[r] for r in past if r in ranked.also})
    kept_rows = np.asarray(kept + past, dtype=np.int64)
    if diversify.applies(out.plan):  # a fused keyword search: distinct conditions first too
        kept_rows = np.asarray(diversify.first_places(s, out.plan, kept_rows), dtype=np.int64)
    added = int(np.count_nonzero(~ranked.matched[kept_rows])) if len(kept_rows) else 0
    scores = np.zeros(data.n_rows, dtype=np.float32)
    scores[rows] = fused
    matched = ranked.matched.copy()
    matched[kept_rows] = True
    # the levels and their counts stay the word search's (rows added by meaning count with
    # the partial matches): its notices and `understood` still hold
    # (every row a candidate: the fused scores and matches are per row of the generation)
    new = replace(ranked, rows=kept_rows, cand=np.arange(data.n_rows), cand_scores=scores,
                  total=ranked.total + added, cand_matched=matched, also=also)
    return replace(out, ranked=new)
