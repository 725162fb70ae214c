"""A generation stored compactly: arrays in the smallest type that fits, content hashes as
bytes, 32-bit lookup hashes, records compressed with a trained zstd dictionary; and
generations written before (wider types, zlib records) still read the same. (The gzipped
duplicate groups: tests/editors/test_duplicates_file.py.)"""

from __future__ import annotations

import json
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest

from indexer.index import stored
from indexer.index.arrays import MappedArrays, count_array, index_array, offset_array
from indexer.index.deletes import DeleteTable, _key_hash
from indexer.index.ranking import RANK_NPZ, RankData
from indexer.index.schema import docnums_of
from indexer.index.strings import HexTable, StringTable


def _live_gen(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text(encoding="utf-8").split()[0]


def _unpickle(blob: bytes):
    return pickle.loads(blob)  # noqa: S301 (bytes this test just pickled, as Whoosh does)


# --- array types ---------------------------------------------------------------------------

def test_each_array_takes_the_smallest_type_its_values_fit() -> None:
    assert index_array(np.arange(10), 65536).dtype == np.uint16
    assert index_array(np.arange(10), 65537).dtype == np.int32
    assert count_array(np.array([1, 255])).dtype == np.uint8
    assert count_array(np.array([1, 256])).dtype == np.uint16
    assert count_array(np.array([70000])).dtype == np.uint32
    assert count_array(np.zeros(0, np.int64)).dtype == np.uint8
    assert offset_array(np.array([0, 5, 2**16 - 1])).dtype == np.uint16
    assert offset_array(np.array([0, 5, 2**16])).dtype == np.int32
    assert offset_array(np.array([0, 5, 2**31 - 1])).dtype == np.int32
    assert offset_array(np.array([0, 2**31])).dtype == np.int64
    values = np.array([0, 3, 65535])
    assert np.array_equal(index_array(values, 65536), values)


def test_a_generation_stores_compact_arrays_that_read_as_the_built_ones(sample_index: Path
                                                                        ) -> None:
    gen = _live_gen(sample_index)
    arrays = MappedArrays(gen / RANK_NPZ)
    data = RankData.load(gen)
    assert arrays["answer_tids"].dtype == np.uint16 and arrays["answer_irows"].dtype == np.uint16
    assert arrays["answer_tfs"].dtype == np.uint8 and arrays["answer_itfs"].dtype == np.uint8
    assert arrays["answer_ptr"].dtype == np.uint16 and arrays["answer_iptr"].dtype == np.uint16
    assert arrays["spell_keys"].dtype == np.uint16 and arrays["ids_hkeys"].dtype == np.uint32
    assert "hashes_raw" in arrays and "hashes_blob" not in arrays
    # the same postings (values) as the inverted lists computed from wide forward arrays
    wide = {f: (p.astype(np.int64), t.astype(np.int32), c.astype(np.uint16))
            for f, (p, t, c) in data.fwd.items()}
    for f, (ptr, tids, tfs) in wide.items():
        for row in range(data.n_rows):
            a, b = ptr[row], ptr[row + 1]
            for tid, tf in zip(tids[a:b].tolist(), tfs[a:b].tolist(), strict=True):
                rows, freqs = data.postings(f, data.vocab[tid])
                at = int(np.searchsorted(rows, row))
                assert rows[at] == row and freqs[at] == tf


def test_frequencies_score_as_float32_copies_did() -> None:
    norm = np.array([0.3, 1.7, 2.25, 0.1], np.float32)
    tfs = np.array([1, 3, 155, 2], np.uint8)
    rows = np.array([0, 2, 3, 1], np.uint16)
    assert np.array_equal(tfs * norm[rows], tfs.astype(np.float32) * norm[rows.astype(np.int32)])
    assert (tfs * norm[rows]).dtype == np.float32


# --- hashes and string tables --------------------------------------------------------------

def test_hex_table_holds_hashes_as_bytes_and_empty_rows() -> None:
    hashes = ["0f" * 32, "", "a1" * 32]
    table = HexTable.build(hashes)
    assert table is not None and table.raw.nbytes == 3 * 32
    assert list(table) == hashes and table[2] == hashes[2] and table[1] == "" and len(table) == 3
    assert table[0:2] == hashes[:2]
    back = HexTable.from_arrays(table.arrays("h"), "h")
    assert back is not None and list(back) == hashes
    for not_hex in (["zz" * 32], ["0f" * 32, "0f" * 31], ["0F" * 32], ["abc"], ["", ""]):
        assert HexTable.build(not_hex) is None


def test_a_string_table_written_with_64_bit_hashes_still_finds(monkeypatch) -> None:
    words = ["pain", "back pain", "é", "ache", ""]
    new = StringTable.build(words, sort=True)
    assert new.hkeys.dtype == np.uint32 and new.off.dtype == np.uint16
    from indexer.index.strings import key_hash
    full = np.array([key_hash(w) for w in words], np.uint64)
    hpos = np.argsort(full, kind="stable").astype(np.int32)
    old = StringTable(new.blob, new.off.astype(np.int64), full[hpos], hpos)
    for t in (new, old):
        assert [t.find(w) for w in words] == list(range(len(words)))
        assert t.find("pains") is None and t.find_many(["ache", "x"]) == [3, None]


def test_delete_table_lookups_are_those_of_64_bit_keys() -> None:
    counts = {w: 1 for w in ["acupuncture", "sciatica", "headache", "headaches", "pain",
                             "paint", "pint", "saint", "sleep", "steep"]}
    table = DeleteTable.build(counts)
    assert table.keys.dtype == np.uint16 and table.wids.dtype == np.uint16
    assert table.starts is not None and len(table.starts) == 17  # 16 buckets: the fewest
    # the table as schema 7 wrote it: whole 64-bit hashes, int32 word ids
    keys, wids = [], []
    for i, w in enumerate(counts):
        for d in dict.fromkeys(w[:j] + w[j + 1:] for j in range(len(w))):
            keys.append(_key_hash(d))
            wids.append(i)
    order = np.argsort(np.array(keys, np.uint64), kind="stable")
    old = DeleteTable(np.array(keys, np.uint64)[order], np.array(wids, np.int32)[order],
                      len(counts))
    probes = ["pant", "headche", "sleep", "acupunture", "xyz", "aint"]
    for got, want in zip(table.lookup(probes), old.lookup(probes), strict=True):
        assert got.tolist() == want.tolist()


def test_a_bucketed_delete_table_finds_what_a_sorted_one_does_in_the_same_order() -> None:
    words = [f"{a}{b}{c}ing" for a in "bcdfgh" for b in "aeiou" for c in "lmnprst"]
    counts = {w: 1 for w in words}  # 210 words, 1,480 keys: 16 buckets of ~92
    table = DeleteTable.build(counts)
    keys, wids = [], []
    for i, w in enumerate(counts):
        for d in dict.fromkeys(w[:j] + w[j + 1:] for j in range(len(w))):
            keys.append(_key_hash(d) & 0xFFFFFFFF)
            wids.append(i)
    order = np.argsort(np.array(keys, np.uint32), kind="stable")
    old = DeleteTable(np.array(keys, np.uint32)[order], np.array(wids, np.int32)[order],
                      len(counts))
    probes = ["baling", "bling", "xyz", "", "dating", "dtng", "hurting", *words[::7]]
    probes += [w[:2] + w[3:] for w in words[::5]]
    assert [g.tolist() for g in table.lookup(probes)] == [w.tolist() for w in old.lookup(probes)]
    stored = dict(table.arrays())
    again = DeleteTable.from_arrays(stored)
    assert again is not None and again.bits == table.bits
    assert [g.tolist() for g in again.lookup(probes)] == [w.tolist() for w in old.lookup(probes)]
    del stored["spell_starts"]  # a schema 9 table: sorted 32-bit keys
    assert DeleteTable.from_arrays({**stored, "spell_keys": old.keys, "spell_wids": old.wids}
                                   ).starts is None


# --- stored records ------------------------------------------------------------------------

RECORDS = [json.dumps({"id": f"r{i}", "question": f"What is condition {i}?",
                       "answer": "Summary : a condition of the joints. " * (i % 5 + 1)
                       + f"It affects {i} people.", "categories": [["Joints"]]})
           for i in range(300)]


@pytest.mark.parametrize("codec", [stored.ZSTD_PACKED, stored.ZSTD])
def test_records_compress_with_a_trained_dictionary_and_read_back(codec: str) -> None:
    zdict = stored.sample_dictionary(RECORDS)
    assert zdict[:4] == b"\x37\xa4\x30\xec"  # a trained zstd dictionary
    key = stored.register(zdict, codec)
    plain = sum(len(t) for t in RECORDS)
    values = [stored.deflate(t, key) for t in RECORDS]
    assert sum(len(v.data) for v in values) < plain / 4
    blobs = [pickle.dumps({"record": v}, 2) for v in values]
    assert all(b"indexer.index.stored" not in b for b in blobs)  # the copyreg extension
    assert [_unpickle(b)["record"] for b in blobs] == RECORDS


def test_a_few_records_use_their_own_text_as_the_dictionary() -> None:
    zdict = stored.sample_dictionary(RECORDS[:3])
    assert zdict == "".join(RECORDS[:3]).encode()[-stored.ZSTD_DICT_BYTES:]
    key = stored.register(zdict, stored.ZSTD_PACKED)
    assert _unpickle(pickle.dumps(stored.deflate(RECORDS[7], key), 2)) == RECORDS[7]
    empty = stored.register(b"", stored.ZSTD_PACKED)
    assert _unpickle(pickle.dumps(stored.deflate(RECORDS[7], empty), 2)) == RECORDS[7]


def test_packed_records_hold_the_key_in_their_number_and_no_frame_magic() -> None:
    zdict = stored.sample_dictionary(RECORDS)
    packed, old = (stored.register(zdict, c) for c in (stored.ZSTD_PACKED, stored.ZSTD))
    assert packed != old  # one dictionary, two codecs: two keys
    new_blob, old_blob = (pickle.dumps({"record": stored.deflate(RECORDS[9], k)}, 2)
                          for k in (packed, old))
    assert old.encode() in old_blob and packed.encode() not in new_blob
    assert b"\x28\xb5\x2f\xfd" in old_blob and b"\x28\xb5\x2f\xfd" not in new_blob
    assert len(new_blob) <= len(old_blob) - 15
    assert _unpickle(new_blob)["record"] == _unpickle(old_blob)["record"] == RECORDS[9]


def test_zlib_records_of_older_generations_still_read() -> None:
    key = stored.register(stored.zlib_dictionary(RECORDS[:20]))  # codec zlib: schema <= 7
    value = stored.deflate(RECORDS[5], key)
    blob = pickle.dumps({"record": value}, 2)
    assert b"inflate" in blob and _unpickle(blob)["record"] == RECORDS[5]


def test_an_unregistered_dictionary_is_a_clear_error() -> None:
    key = stored.register(stored.sample_dictionary(RECORDS[:100]), stored.ZSTD_PACKED)
    blob = pickle.dumps(stored.deflate(RECORDS[1], key), 2)
    zdict = stored._ZDICTS.pop(key)
    try:
        with pytest.raises(stored.UnknownDictionary):
            _unpickle(blob)
    finally:
        stored._ZDICTS[key] = zdict


def test_records_decode_in_many_threads_at_once() -> None:
    key = stored.register(stored.sample_dictionary(RECORDS), stored.ZSTD_PACKED)
    blobs = [pickle.dumps(stored.deflate(t, key), 2) for t in RECORDS]
    bad: list[int] = []

    def work(k: int) -> None:
        for _ in range(5):
            for i, b in enumerate(blobs):
                if _unpickle(b) != RECORDS[i]:
                    bad.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_a_generation_keeps_records_with_zstd_and_the_id_as_a_column_only(sample_index: Path
                                                                          ) -> None:
    from whoosh import index as windex

    ix = windex.open_dir(str(_live_gen(sample_index)))
    try:
        field = ix.schema["record"]
        assert field.codec == stored.ZSTD_PACKED and not ix.schema["id"].stored
        assert not ix.schema["id"].indexed
        with ix.searcher() as s:
            rid = json.loads(s.stored_fields(3)["record"])["id"]
            assert docnums_of(s.reader(), [rid, "no such id"]) == {rid: 3}
            assert set(s.stored_fields(3)) == {"record"}
    finally:
        ix.close()


def test_whoosh_postings_carry_no_weights_and_phrases_still_match(sample_index: Path) -> None:
    from whoosh import index as windex
    from whoosh import query as wq

    from indexer.index.schema import PHRASE_FIELD

    ix = windex.open_dir(str(_live_gen(sample_index)))
    try:
        with ix.searcher() as s:
            reader = s.reader()
            assert [n for n in s.schema.names() if s.schema[n].indexed] == [PHRASE_FIELD]
            term = next(t for t in reader.lexicon(PHRASE_FIELD)
                        if reader.doc_frequency(PHRASE_FIELD, t) > 3)
            m = reader.postings(PHRASE_FIELD, term)
            weights, freqs = [], []
            while m.is_active():
                weights.append(m.weight())
                freqs.append(m.value_as("frequency"))
                m.next()
            assert set(weights) == {0.0} and min(freqs) >= 1
            docs = list(s.docs_for_query(wq.Term(PHRASE_FIELD, term)))
            assert len(docs) == len(weights)
            pair = ("back", "pain")  # a phrase of the sample archive, as analysed
            assert list(s.docs_for_query(wq.Phrase(PHRASE_FIELD, list(pair))))
            assert reader.doc_field_length(0, PHRASE_FIELD, -1) == -1  # unscored: no lengths
            assert reader.has_column("id")
    finally:
        ix.close()
