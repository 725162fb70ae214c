"""What `FastSegmentWriter` writes reads back through Whoosh exactly as Whoosh's own writer's
segment does: the same postings (documents, frequencies, positions) for every term, inlined
or in blocks, the same phrase matches, after merges and deletions too; and stored records
(deflated: indexer.index.stored) read back as their JSON."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest
from whoosh import fields
from whoosh import index as windex
from whoosh import query as wq

from indexer.index import stored
from indexer.index.schema import (
    NO_WEIGHT,
    AnalysedText,
    CompactPositions,
    RecordField,
    encode_gaps,
)
from indexer.index.segwriter import FastSegmentWriter, encoded_positions
from indexer.records import Record
from indexer.text.analysis import analyzer

WORDS = [f"w{i}" for i in range(40)]


def _docs(n: int, seed: int) -> list[dict[str, list[tuple[str, int]]]]:
    """Documents of (term, position) pairs: a few common terms (many blocks), rare ones
    (inlined), repeats, gaps (left-out terms) and positions past 255."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        doc = {}
        for name, size in (("a", rng.randint(1, 250)), ("b", rng.randint(0, 4))):
            pos, pairs = 0, []
            for _ in range(size):
                pos += rng.choice((1, 1, 1, 2, 300))
                word = WORDS[min(int(rng.expovariate(0.15)), len(WORDS) - 1)]
                pairs.append((word, pos))
            if pairs:
                doc[name] = pairs
        docs.append(doc)
    return docs


class _PairsText(fields.TEXT):
    """Whoosh's own TEXT field (Positions format) fed the same (term, position) pairs."""

    def index(self, value, **kwargs):
        poses: dict[str, list[int]] = {}
        for text, pos in value:
            poses.setdefault(text, []).append(pos)
        for text, plist in poses.items():
            yield (text.encode(), len(plist), float(len(plist)) * NO_WEIGHT,
                   self.format.encode(plist))


def _grouped(pairs: list[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for text, pos in pairs:
        out.setdefault(text, []).append(pos)
    return out


def _build(path: Path, field_type, writer_type, batches, delete=(), scorable=True,
           encoded=False, optimize=False) -> windex.Index:
    ana = analyzer()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           a=field_type(analyzer=ana, phrase=True),
                           b=field_type(analyzer=ana, phrase=True))
    for name in ("a", "b"):
        schema[name].scorable = scorable  # (the build's phrase field is not: no lengths)
    path.mkdir()
    ix = windex.create_in(str(path), schema)
    n = 0
    for k, batch in enumerate(batches):
        w = writer_type(ix)
        if k == len(batches) - 1:
            for rid in delete:
                w.delete_by_term("id", rid)
        for doc in batch:
            if field_type is AnalysedText:  # as schema.to_document gives them: term -> positions
                doc = {name: _grouped(pairs) for name, pairs in doc.items()}
                if encoded:  # as a build's worker process sends them
                    doc = {name: encoded_positions(v) for name, v in doc.items()}
            w.add_document(id=f"d{n}", **doc)
            n += 1
        # optimize: the last writer merges the earlier segments into its own (their postings
        # come in through the pool, beside the new documents')
        w.commit(optimize=optimize and k == len(batches) - 1)
    return ix


def _postings(ix: windex.Index) -> dict:
    out = {}
    with ix.reader() as r:
        for name in ("a", "b"):
            for term in r.lexicon(name):
                m = r.postings(name, term)
                rows = []
                while m.is_active():
                    rows.append((r.stored_fields(m.id())["id"], m.weight(),
                                 tuple(m.value_as("positions")), m.value_as("frequency")))
                    m.next()
                out[name, term] = rows
    return out


def _phrases(ix: windex.Index) -> dict:
    out = {}
    with ix.searcher() as s:
        for a in WORDS[:8]:
            for b in WORDS[:8]:
                for name in ("a", "b"):
                    docs = s.docs_for_query(wq.Phrase(name, [a, b]))
                    out[name, a, b] = sorted(s.stored_fields(d)["id"] for d in docs)
    return out


@pytest.mark.parametrize(("merged", "scorable", "encoded"), [
    (False, True, False), ("segments", True, False), ("optimized", True, False),
    (False, False, False), ("segments", False, False), ("optimized", False, True)])
def test_the_fast_writer_reads_back_as_whoosh_s_own(tmp_path: Path, merged: bool | str,
                                                     scorable: bool, encoded: bool) -> None:
    docs = _docs(200, seed=7)
    batches = [docs[:80], docs[80:95], docs[95:]] if merged else [docs]
    delete = ["d3", "d85", "d150"] if merged else []
    optimize = merged == "optimized"
    ours = _build(tmp_path / "ours", AnalysedText, FastSegmentWriter, batches, delete,
                  scorable, encoded, optimize)
    theirs = _build(tmp_path / "theirs", _PairsText, lambda ix: ix.writer(), batches, delete,
                    scorable, optimize=optimize)
    if optimize:
        assert len(ours._segments()) == len(theirs._segments()) == 1
    mine, want = _postings(ours), _postings(theirs)
    assert mine == want
    assert max(len(rows) for rows in want.values()) > 128  # several blocks
    assert min(len(rows) for rows in want.values()) <= 2  # inlined
    assert _phrases(ours) == _phrases(theirs)
    assert any(_phrases(ours).values())


def test_positions_are_kept_as_their_gaps() -> None:
    fmt = CompactPositions()
    for poslist in ([0], [5], [300], [1, 2, 3], [0, 70_000, 70_001], [4, 9, 1_000]):
        value = encode_gaps(poslist)
        assert fmt.decode_positions(value) == poslist
        assert fmt.decode_frequency(value) == len(poslist)
    assert isinstance(encode_gaps([7]), int)


def _unpickle(blob: bytes):
    return pickle.loads(blob)  # noqa: S301 (bytes this test just pickled, as Whoosh does)


def test_a_stored_record_reads_back_as_its_json(tmp_path: Path) -> None:
    rec = Record(id="r1", question="What is gout?", answer="Gout is a kind of arthritis. " * 20,
                 focus="Gout", synonyms=["podagra"], categories=[["joints"]])
    text = rec.to_json()
    field = RecordField(stored.sample_dictionary([text, text]))
    value = stored.deflate(text, field.key)
    assert len(value.data) < len(text) / 3
    assert _unpickle(pickle.dumps({"record": value}, 2))["record"] == text
    # a schema unpickled in a fresh process registers its dictionary: simulate by forgetting it
    blob = pickle.dumps(field, 2)
    stored._ZDICTS.pop(field.key)
    with pytest.raises(stored.UnknownDictionary):
        _unpickle(pickle.dumps(value, 2))
    _unpickle(blob)
    assert json.loads(_unpickle(pickle.dumps(value, 2))) == json.loads(text)


def test_segment_parts_add_up_to_the_segment_files(tmp_path: Path) -> None:
    from indexer.index.build import build_index, current_generation
    from indexer.index.schema import segment_parts

    recs = [Record(id=f"r{i}", question=f"What is gout {i}?",
                   answer="Gout is a kind of arthritis. " * (i % 7 + 1)) for i in range(40)]
    build_index(recs, tmp_path / "idx")
    gen = tmp_path / "idx" / current_generation(tmp_path / "idx")
    parts = segment_parts(gen)
    assert {"stored records", "postings", "term table", "columns"} <= set(parts)
    on_disk = sum(p.stat().st_size for p in gen.iterdir() if p.suffix in (".seg", ".toc"))
    assert 0.9 * on_disk <= sum(parts.values()) <= on_disk  # compound files add a directory
