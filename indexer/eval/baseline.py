"""The stock baseline of every evaluation (issue F): Whoosh's own BM25F over the same records,
with the same analyzer (`indexer.text.analysis`) and no query understanding at all.

Fields are the ones qasearch indexes (question, title, focus with synonyms, category names,
answer), each with Whoosh's default weight; a query is the OR of its analysed terms over every
field (what `MultifieldParser(fields, schema, group=OrGroup)` builds, without its query syntax:
a "?" in a consumer question must not become a wildcard). Indexes are cached under
`<cache dir>/stock-whoosh/`, keyed by the records' content hashes and this code.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from whoosh import fields, index, query, scoring

from indexer.records import Record
from indexer.text.analysis import analyse, analyzer

FIELDS: tuple[str, ...] = ("question", "title", "focus", "category", "answer")
SUBDIR = "stock-whoosh"
_DONE = "COMPLETE"  # written last: a directory without it is an interrupted build


def baseline_schema() -> fields.Schema:
    ana = analyzer()
    text = {name: fields.TEXT(analyzer=ana, phrase=False) for name in FIELDS}
    return fields.Schema(id=fields.ID(stored=True, unique=True), **text)


def _texts(rec: Record) -> dict[str, str]:
    names = dict.fromkeys(name for path in rec.categories for name in path)
    return {"question": rec.question, "title": rec.title,
            "focus": "\n".join(t for t in [rec.focus, *rec.synonyms] if t),
            "category": "\n".join(names), "answer": rec.answer}


def build_baseline(records: Iterable[Record], index_dir: Path) -> Path:
    """Write a fresh stock index of `records` into `index_dir` (replacing what is there)."""
    index_dir = Path(index_dir)
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    ix = index.create_in(str(index_dir), baseline_schema())
    writer = ix.writer(limitmb=128)
    for rec in records:
        # a list value is taken as already analysed: the analyzer's terms, computed once
        doc = {name: analyse(text) for name, text in _texts(rec).items() if text}
        writer.add_document(id=rec.id, **{k: v for k, v in doc.items() if v})
    writer.commit()
    (index_dir / _DONE).write_text("ok\n", encoding="ascii")
    return index_dir


def _code_key() -> str:
    h = hashlib.sha256()
    for path in (Path(__file__), Path(__file__).parents[1] / "text" / "analysis.py"):
        h.update(path.read_bytes())
    return h.hexdigest()


def cached_baseline(records: Sequence[Record], cache_dir: Path) -> Path:
    """Build (or reuse) the stock index of `records` under `cache_dir/stock-whoosh/`; the
    newest other index is kept too, older ones are removed."""
    h = hashlib.sha256(_code_key().encode("ascii"))
    for r in sorted(records, key=lambda r: r.id):
        h.update(r.id.encode("utf-8"))
        h.update(r.content_hash.encode("ascii"))
    root = Path(cache_dir) / SUBDIR
    index_dir = root / f"bm25f-{h.hexdigest()[:16]}"
    if not (index_dir / _DONE).exists():
        build_baseline(records, index_dir)
        others = sorted((p for p in root.glob("bm25f-*") if p != index_dir),
                        key=lambda p: p.stat().st_mtime, reverse=True)
        for old in others[1:]:
            shutil.rmtree(old, ignore_errors=True)
    return index_dir


def or_query(text: str) -> query.Query | None:
    """The OR of the analysed terms of `text` over every field (None when it has none)."""
    terms = list(dict.fromkeys(analyse(text)))
    if not terms:
        return None
    return query.Or([query.Or([query.Term(f, t) for f in FIELDS]) for t in terms])


class StockWhoosh:
    """A searcher over a stock index: `rank(text)` -> [(record id, score)], best first.
    Use as a context manager (or call `close`)."""

    def __init__(self, index_dir: Path) -> None:
        self._ix = index.open_dir(str(index_dir))
        self._searcher = self._ix.searcher(weighting=scoring.BM25F())

    def rank(self, text: str, *, limit: int = 10) -> list[tuple[str, float]]:
        q = or_query(text)
        if q is None:
            return []
        return [(hit["id"], float(hit.score)) for hit in self._searcher.search(q, limit=limit)]

    def run(self, topics: Iterable[tuple[str, str]], *, limit: int = 10
            ) -> dict[str, list[tuple[str, float]]]:
        """A run (qid -> ranking) of every (qid, text) topic."""
        return {qid: self.rank(text, limit=limit) for qid, text in topics}

    def close(self) -> None:
        self._searcher.close()

    def __enter__(self) -> StockWhoosh:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def stock_run(records: Sequence[Record], topics: Iterable[tuple[str, str]], cache_dir: Path,
              *, limit: int = 10) -> dict[str, Any]:
    """Build or reuse the stock index of `records` and rank every topic with it."""
    with StockWhoosh(cached_baseline(records, cache_dir)) as stock:
        return stock.run(topics, limit=limit)
