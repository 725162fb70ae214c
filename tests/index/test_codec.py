"""The codec of a generation's Whoosh segments (`indexer.index.codec`): larger blocks, packed
with protocol 4 and no memo, that Whoosh reads back as the postings written."""

from __future__ import annotations

import pickle
from pathlib import Path

from whoosh import index as windex
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec

from indexer.index import stored
from indexer.index.codec import BLOCK_POSTINGS, PhraseCodec, index_codec
from indexer.index.schema import PHRASE_FIELD, build_schema
from indexer.index.segwriter import FastSegmentWriter

N_DOCS = 600


def _block() -> tuple:
    values = tuple(i % 7 if i % 3 else chr(1) + chr(i % 50 + 2) for i in range(BLOCK_POSTINGS))
    return tuple(range(1, BLOCK_POSTINGS + 1)), 0.0, values


def test_a_block_unpickles_as_written_and_packs_smaller_than_protocol_2() -> None:
    block = _block()
    packed = PhraseCodec.block_bytes(block)
    assert pickle.loads(packed) == block  # noqa: S301 (bytes this test just packed)
    assert len(packed) < 0.9 * len(pickle.dumps(block, 2))


def _write(folder: Path, codec: W3Codec) -> None:
    folder.mkdir()
    ix = windex.create_in(str(folder), build_schema())
    writer = FastSegmentWriter(ix, codec=codec)
    for i in range(N_DOCS):
        positions = {"back": [0, 9], "pain": [1, 10] if i % 2 else [4], f"w{i % 370}": [2]}
        writer.add_document(id=f"r{i}", record="{}", **{PHRASE_FIELD: positions})
    writer.commit()
    ix.close()


def _blocks_and_answers(folder: Path) -> tuple[str, int, list, list, list]:
    ix = windex.open_dir(str(folder))
    try:
        with ix.searcher() as s:
            reader = s.reader()
            codec = type(ix._segments()[0].codec()).__name__
            m = reader.postings(PHRASE_FIELD, "back")  # in every document
            blocks = 0
            while m.is_active():
                blocks += 1
                m._next_block()
            m = reader.postings(PHRASE_FIELD, "pain")
            values = []
            while m.is_active():
                values.append((m.id(), m.value_as("positions")))
                m.next()
            phrase = list(s.docs_for_query(wq.Phrase(PHRASE_FIELD, ["back", "pain"])))
            terms = sorted(reader.lexicon(PHRASE_FIELD))  # each looked up through the hash
            found = [(t, reader.doc_frequency(PHRASE_FIELD, t), (PHRASE_FIELD, t) in reader)
                     for t in [*terms, b"w370", b"nosuch", b""]]
        return codec, blocks, values, phrase, found
    finally:
        ix.close()


def test_segments_written_with_the_codec_read_as_whooshs_own(tmp_path: Path) -> None:
    _write(tmp_path / "ours", index_codec())
    _write(tmp_path / "whoosh", W3Codec())
    ours, theirs = _blocks_and_answers(tmp_path / "ours"), _blocks_and_answers(tmp_path / "whoosh")
    assert (ours[0], theirs[0]) == ("PhraseCodec", "W3Codec")  # kept with the segment
    assert ours[2:] == theirs[2:]
    assert (ours[1], theirs[1]) == (-(-N_DOCS // BLOCK_POSTINGS), -(-N_DOCS // 128))
    assert len(ours[3]) == N_DOCS // 2  # "back pain" where pain follows back
    missing = [(t, 0, False) for t in (b"w370", b"nosuch", b"")]
    assert len(ours[4]) == 375 and ours[4][-3:] == missing
    seg_bytes = {name: sum(p.stat().st_size for p in (tmp_path / name).glob("*.seg"))
                 for name in ("ours", "whoosh")}
    assert seg_bytes["ours"] < seg_bytes["whoosh"]


def _records_index(folder: Path, codec: W3Codec, texts: list[str]) -> list[dict]:
    folder.mkdir()
    ix = windex.create_in(str(folder), build_schema(stored.sample_dictionary(texts)))
    key = ix.schema["record"].key
    writer = FastSegmentWriter(ix, codec=codec)
    for i, text in enumerate(texts):
        record = text if i % 10 == 3 else stored.deflate(text, key)  # a few plain values
        writer.add_document(id=f"r{i}", record=record, **{PHRASE_FIELD: {"w": [0]}})
    writer.commit()
    ix.close()
    ix = windex.open_dir(str(folder))
    try:
        with ix.searcher() as s:
            got = [s.stored_fields(i) for i in range(len(texts))]
            assert [d for _, d in s.reader().iter_docs()] == got
        return got
    finally:
        ix.close()


def test_stored_records_keep_their_frames_as_they_are_and_read_back(tmp_path: Path) -> None:
    texts = [f'{{"id":"r{i}","answer":"{"joint pain " * (i % 9 + 1)}{i}"}}' for i in range(120)]
    ours = _records_index(tmp_path / "ours", index_codec(), texts)
    theirs = _records_index(tmp_path / "whoosh", W3Codec(), texts)
    assert ours == theirs == [{"record": t} for t in texts]
    size = {name: sum(p.stat().st_size for p in (tmp_path / name).glob("*.seg"))
            for name in ("ours", "whoosh")}
    assert size["ours"] < size["whoosh"] - 30 * 108  # 108 packed records, ~35 bytes less each


def test_packed_fields_fall_back_to_a_pickle_for_anything_else() -> None:
    key = stored.register(stored.sample_dictionary(["{}"] * 3), stored.ZSTD_PACKED)
    old = stored.register(b"", stored.ZSTD)
    packed = stored.pack_fields({"record": stored.deflate('{"a":1}', key)})
    assert packed[0] == stored.PACKED_TAG and stored.unpack_fields(packed) == {"record": '{"a":1}'}
    for fields in ({"record": stored.deflate('{"a":2}', old)}, {"record": "x", "other": 2}, {}):
        data = stored.pack_fields(fields)
        assert data[:1] == b"\x80"
        assert stored.unpack_fields(data) == {k: v if not isinstance(v, stored.Deflated)
                                              else '{"a":2}' for k, v in fields.items()}
    assert stored.unpack_fields(b"") == {}
