"""A generation's data shared by processes (issue H, item 2): segment files and ranking arrays
read in place from memory maps, string tables and the spelling table as arrays, caches
bounded in bytes; and the same answers as the in-process structures they replace."""

from __future__ import annotations

import json
import mmap
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from indexer.index import checks, deletes, ranking
from indexer.index.arrays import MappedArrays
from indexer.index.caches import ByteLRU, byte_lru, sizeof
from indexer.index.deletes import DeleteTable
from indexer.index.inverted import inverted_lists
from indexer.index.mapped import MappedFile, MappedStorage, MemoryReader
from indexer.index.ranking import RANK_JSON, RANK_JSON_GZ, RANK_NPZ, RankData
from indexer.index.store import IndexStore
from indexer.index.strings import StringTable, WordCounts
from indexer.index.tables import read_tables
from indexer.search.browse import display_order
from indexer.search.suggest import completions
from indexer.text import spelling
from indexer.text.spelling import SpellIndex, spell_index


def _live_gen(index_dir: Path) -> Path:
    return index_dir / (index_dir / "CURRENT").read_text().split()[0]


# --- memory-mapped files ---------------------------------------------------------------------

def test_npz_members_are_read_in_place(tmp_path: Path) -> None:
    arrays = {"a": np.arange(10, dtype=np.int64), "b": np.ones((3, 4), np.float32),
              "c": np.asfortranarray(np.arange(12).reshape(3, 4)), "e": np.zeros(0, np.int32)}
    np.savez(tmp_path / "x.npz", **arrays)
    mapped = MappedArrays(tmp_path / "x.npz")
    assert set(mapped) == set(arrays)
    for name, want in arrays.items():
        got = mapped[name]
        assert np.array_equal(got, want) and got.dtype == want.dtype
        assert not got.flags.writeable  # a view of the read-only map, not a copy
    assert not mapped["a"].flags.owndata
    with pytest.raises(KeyError):
        mapped["nope"]


def test_compressed_npz_is_read_as_numpy_reads_it(tmp_path: Path) -> None:
    np.savez_compressed(tmp_path / "z.npz", a=np.arange(5))
    assert np.array_equal(MappedArrays(tmp_path / "z.npz")["a"], np.arange(5))


def test_a_cut_npz_member_is_an_error_not_garbage(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", a=np.arange(1000, dtype=np.int64))
    with zipfile.ZipFile(tmp_path / "x.npz") as zf:
        info = zf.getinfo("a.npy")
    data = bytearray((tmp_path / "x.npz").read_bytes())
    # claim more rows in the header than the member holds
    head = data.index(b"'shape': (1000,)")
    data[head:head + 16] = b"'shape': (9000,)"
    (tmp_path / "x.npz").write_bytes(bytes(data))
    assert info.file_size
    with pytest.raises(ValueError, match="cut short"):
        MappedArrays(tmp_path / "x.npz")["a"]


def test_memory_reader_reads_like_a_file() -> None:
    raw = b"first line\nsecond\n\nlast"
    r = MemoryReader(memoryview(raw))
    assert r.readline() == b"first line\n"
    assert r.read(3) == b"sec"
    assert r.readline() == b"ond\n"
    assert r.readline() == b"\n"
    assert r.tell() == 19
    r.seek(-4, 2)
    assert r.read() == b"last" and r.read() == b""
    r.seek(0)
    buf = bytearray(5)
    assert r.readinto(buf) == 5 and bytes(buf) == b"first"
    with pytest.raises(ValueError):
        r.seek(-1)


def test_segments_are_shared_maps_with_the_same_content(sample_index: Path) -> None:
    gen = _live_gen(sample_index)
    ours = MappedStorage(str(gen)).open_index()
    stock = windex.open_dir(str(gen), readonly=True)
    try:
        with ours.searcher() as a, stock.searcher() as b:
            assert a.doc_count() == b.doc_count() > 0
            assert list(a.reader().iter_docs()) == list(b.reader().iter_docs())
            assert list(a.reader().all_terms()) == list(b.reader().all_terms())
            seg = next(n for n in ours.storage.list() if n.endswith(".seg"))
            f = ours.storage.open_file(seg)
            assert isinstance(f, MappedFile) and isinstance(f._source, mmap.mmap)
            f.close()
    finally:
        ours.close()
        stock.close()


# --- string tables -------------------------------------------------------------------------

def test_string_table_finds_every_string_and_nothing_else() -> None:
    words = ["pain", "back pain", "", "é", "naïve", "zz", "a" * 300, "ache"]
    t = StringTable.build(words, sort=True)
    assert list(t) == words and len(t) == len(words) and t[-1] == "ache" and t[1:3] == words[1:3]
    for i, w in enumerate(words):
        assert t.find(w) == i and w in t
    assert t.find("pains") is None and "Pain" not in t and 5 not in t
    assert t.find_many(["ache", "nope", "é"]) == [7, None, 3]
    assert [t[p] for p in t.prefixed("na")] == ["naïve"]
    assert [t[p] for p in t.prefixed("")] == sorted(words)
    with pytest.raises(IndexError):
        t[len(words)]


def test_string_table_survives_hash_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.index import strings

    monkeypatch.setattr(strings, "key_hash", lambda s: len(s) % 2)  # everything collides
    words = [f"w{i}" for i in range(50)] + ["odd"]
    t = StringTable.build(words)
    assert [t.find(w) for w in words] == list(range(len(words)))
    assert t.find("w50") is None and t.find_many(["w7", "x"]) == [7, None]


def test_word_counts_is_a_mapping_over_arrays() -> None:
    counts = {"pain": 5, "ache": 2, "headache": 1}
    wc = WordCounts.build(counts)
    assert dict(wc.items()) == counts and list(wc) == list(counts) and len(wc) == 3
    assert wc["pain"] == 5 and wc.get("nope", 0) == 0 and "ache" in wc and "nope" not in wc
    assert wc.get_many(["ache", "x"]) == [2, 0]
    with pytest.raises(KeyError):
        wc["nope"]


# --- the generation as stored ------------------------------------------------------------

def test_loaded_generation_keeps_its_tables_as_shared_arrays(sample_index: Path) -> None:
    data = RankData.load(_live_gen(sample_index))
    assert isinstance(data.vocab, StringTable) and isinstance(data.ids, StringTable)
    assert isinstance(data.words, WordCounts)
    assert not data.fwd["answer"][1].flags.owndata  # a view of rank.npz's map
    table = read_tables(_live_gen(sample_index))
    assert "vocab" not in table and "words" not in table  # no longer parsed per process
    rid = data.ids[0]
    assert data.row_of(rid) == 0 and data.row_of("no such id") is None and data.row_of("") is None
    assert data.term_id(data.vocab[3]) == 3 and data.term_id("zzzznotaterm") is None


def test_loaded_tables_are_the_stored_ones_in_shared_objects(sample_index: Path) -> None:
    gen = _live_gen(sample_index)
    data, table = RankData.load(gen), read_tables(gen)
    assert data.gazetteer == table["gazetteer"] and data.focus_keys == table["focus_keys"]
    assert list(data.gazetteer) == list(table["gazetteer"])  # the same order
    assert data.extra == table.get("extra", {})
    assert all(type(ids) is list for ids in data.gazetteer.values())
    names = {name: name for name in data.gazetteer}
    assert all(k is names[k] for k in data.focus_keys if k in names)  # one object, not two
    ids = {}
    for keys in data.gazetteer.values():
        for k in keys:
            assert ids.setdefault(k, k) is k  # one int object per focus id


def test_shared_objects_copies_and_keeps_values() -> None:
    from indexer.index.tables import shared_objects

    big = 10_000  # above the small ints Python shares itself
    raw = json.loads(json.dumps({"gazetteer": {"ab c": [big, 3], "d": [big]},
                                 "focus_keys": ["ab c", "x"], "qtypes": ["causes"],
                                 "extra": {"name_case": {"ab c": "caps", "d": "caps"}}}))
    before = json.dumps(raw)
    out = shared_objects(raw)
    assert json.dumps(out) == before == json.dumps(raw)  # same values; the input unchanged
    assert out["gazetteer"]["ab c"][0] is out["gazetteer"]["d"][0]
    assert out["focus_keys"][0] is next(iter(out["gazetteer"]))
    case = out["extra"]["name_case"]
    assert case["ab c"] is case["d"]
    assert shared_objects({"qtypes": []}) == {"qtypes": []}  # tables without them


def _as_old_generation(gen: Path) -> None:
    """Rewrite `gen` as a generation written before the shared tables: rank.json with every
    table, rank.npz with the forward arrays only (and its checksums to match)."""
    data = RankData.load(gen)
    table = read_tables(gen)
    table.update(ids=list(data.ids), hashes=list(data.hashes), vocab=list(data.vocab),
                 words=dict(data.words.items()))
    keep = {"live", "focus", "qtype", "cat_ptr", "cat_ids"}
    keep |= {f"{f}_{k}" for f in ranking.FIELDS for k in ("ptr", "tids", "tfs", "len")}
    arrays = {k: np.array(data.stored[k]) for k in keep}
    wide = {"ptr": np.int64, "tids": np.int32, "tfs": np.uint16}  # the types before schema 8
    for f in ranking.FIELDS:
        for k, dtype in wide.items():
            arrays[f"{f}_{k}"] = arrays[f"{f}_{k}"].astype(dtype)
    arrays["cat_ptr"], arrays["cat_ids"] = (arrays["cat_ptr"].astype(np.int64),
                                            arrays["cat_ids"].astype(np.int32))
    del data
    (gen / RANK_JSON).write_text(json.dumps(table), encoding="utf-8")
    (gen / RANK_JSON_GZ).unlink()
    np.savez_compressed(gen / RANK_NPZ, **arrays)
    checks.write_checksums(gen)


def test_an_old_generation_opens_and_answers_the_same(sample_index: Path, tmp_path: Path
                                                        ) -> None:
    import shutil

    from indexer.search import search

    old_dir = tmp_path / "index"
    shutil.copytree(sample_index, old_dir)
    _as_old_generation(_live_gen(old_dir))
    queries = ["back pain", "acupunture for migrane", "sleep", "headach"]
    results = []
    for d in (sample_index, old_dir):
        store = IndexStore(d)
        with store.searcher() as s:
            results.append([search(s, q, limit=10) for q in queries]
                           + [completions(s, "he"), display_order(s, np.arange(s.data.n_rows))])
            if d == old_dir:
                assert isinstance(s.data.vocab, list) and isinstance(s.data.words, dict)
        store.close()
    assert results[0] == results[1]


def test_stored_inverted_lists_equal_the_computed_ones(sample_index: Path) -> None:
    data = RankData.load(_live_gen(sample_index))
    computed = inverted_lists(data.fwd, data.n_rows, len(data.vocab))
    for f in ranking.FIELDS:
        for got, want in zip(data._inv[f], computed[f], strict=True):
            assert np.array_equal(got, want) and got.dtype == want.dtype


# --- the spelling table ------------------------------------------------------------------

def _dict_candidates(counts: dict[str, int], word: str) -> list[str]:
    """Candidates as the in-process dict of delete keys gave them (before the table)."""
    table: dict[str, list[str]] = {}
    for w, c in counts.items():
        if c >= spelling.MIN_VOCAB_COUNT and len(w) >= spelling.MIN_WORD_LEN - 1:
            for d in deletes.deletes1(w):
                table.setdefault(d, []).append(w)
    seen: set[str] = set()
    out = []
    keys = {word, *deletes.deletes1(word)}
    if len(word) >= 7:
        keys |= {d2 for d in list(keys) for d2 in deletes.deletes1(d)}
    for k in keys:
        for w in table.get(k, ()):
            if w not in seen:
                seen.add(w)
                out.append(w)
        if k in counts and k not in seen:
            seen.add(k)
            out.append(k)
    return out


TYPOS = ["accupuncture", "sciatia", "insomina", "pnuemonia", "headach", "migrane", "backpain",
         "diabetis", "commitee", "sleap", "paint"]
VOCAB = Counter({"acupuncture": 40, "sciatica": 30, "insomnia": 25, "pneumonia": 50,
                 "headache": 90, "headaches": 10, "migraine": 60, "back": 200, "pain": 300,
                 "diabetes": 80, "committee": 3, "sleep": 70, "steep": 2, "paint": 1, "pint": 4,
                 "saint": 1, "pains": 6})


@pytest.mark.parametrize("collide", [False, True])
def test_spelling_table_gives_the_dict_answers(monkeypatch: pytest.MonkeyPatch,
                                               collide: bool) -> None:
    if collide:  # a few buckets for every key: hits of other keys must be dropped
        monkeypatch.setattr(deletes, "_key_hash", lambda k: len(k) % 3)
    counts = dict(VOCAB)
    for table_counts in (counts, WordCounts.build(counts)):
        index = SpellIndex(table_counts)
        for typo in TYPOS:
            assert sorted(index.candidates(typo)) == sorted(_dict_candidates(counts, typo))
    plain, stored = SpellIndex(counts), SpellIndex(WordCounts.build(counts),
                                                   deletes=DeleteTable.build(counts))
    assert [plain.correct(t) for t in TYPOS] == [stored.correct(t) for t in TYPOS]
    assert stored.correct("accupuncture") == "acupuncture"


def test_a_generation_serves_its_stored_spelling_table(sample_index: Path) -> None:
    store = IndexStore(sample_index)
    with store.searcher() as s:
        idx = spell_index(s.gen)
        assert not idx.deletes.keys.flags.owndata  # the map's, not rebuilt here
        rebuilt = SpellIndex(dict(s.data.words.items()))
        for w in ["acupunture", "migrane", "insomina", "backpain", "sleap", "headach"]:
            assert idx.correct(w) == rebuilt.correct(w)
    store.close()


# --- caches bounded in bytes --------------------------------------------------------------

def test_byte_lru_keeps_within_its_budget_least_recent_first() -> None:
    cache = ByteLRU(100_000)
    big = np.zeros(10_000, np.int32)  # 40 kB
    for k in "abc":
        cache.put(k, big.copy())
    assert cache.bytes <= 100_000 and "a" not in cache and "b" in cache and "c" in cache
    assert cache.get("b") is not None
    cache.put("d", big.copy())  # "c" is now the least recently used
    assert "c" not in cache and "b" in cache
    cache.put("huge", np.zeros(1_000_000, np.int8))  # over the whole budget: not kept
    assert "huge" not in cache and "b" in cache
    with pytest.raises(ValueError):
        ByteLRU(0)


def test_sizeof_counts_private_memory_not_mapped_pages(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", a=np.zeros(100_000, np.int64))
    mapped = MappedArrays(tmp_path / "x.npz")["a"]
    own = np.zeros(100_000, np.int64)
    assert sizeof(own) >= 800_000 > sizeof(mapped[:50_000])
    assert sizeof(own[:50_000]) >= 400_000  # a view keeps its base alive
    assert sizeof(("abc", [1, 2], {"k": "v"})) > sizeof("abc")


def test_byte_lru_decorator_remembers_results() -> None:
    calls = []

    @byte_lru(10_000)
    def square(x: int) -> list[int]:
        calls.append(x)
        return [x * x]

    assert square(3) == [9] and square(3) == [9] and calls == [3]
    assert len(square.cache) == 1


def test_opening_segments_copies_nothing(sample_index: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    from whoosh.filedb import structfile

    def no_copy(*args: object) -> None:
        raise AssertionError("a segment part was copied into a BytesIO")

    monkeypatch.setattr(structfile, "BytesIO", no_copy)
    ix = MappedStorage(str(_live_gen(sample_index))).open_index()
    try:
        with ix.searcher() as s:
            assert s.doc_count() > 0 and s.stored_fields(0)
            assert list(s.reader().iter_docs())
    finally:
        ix.close()


def test_a_larger_generation_keeps_up_to_twice_the_budget() -> None:
    from indexer.index.caches import SCALE_MOST, SCALE_ROWS, scaled_budget

    assert scaled_budget(16 << 20, 17_912) == 16 << 20  # MedQuAD: as given
    assert scaled_budget(16 << 20, SCALE_ROWS) == 16 << 20
    assert 16 << 20 < scaled_budget(16 << 20, SCALE_ROWS * 3 // 2) < 32 << 20
    assert scaled_budget(16 << 20, 100 * SCALE_ROWS) == int(SCALE_MOST * (16 << 20))
    assert scaled_budget(4096, 45) == 4096
