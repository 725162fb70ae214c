"""The condition pseudo-documents table a build writes (`conditions.npz`): a word said mostly
about one condition weighs most for it, an everyday word the corpus uses for every condition
weighs little, and a corpus without conditions gets no table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index import conditions
from indexer.index.build import build_index, current_generation
from indexer.index.checks import verify
from indexer.index.ranking import RankData
from indexer.records import Record


def _page(rid: str, focus: str, answer: str) -> Record:
    return Record(id=rid, question=f"What is {focus} ?", answer=answer, focus=focus,
                  qtype="information", source="institute")


RECORDS = [
    _page("a1", "Quilt fever", "Quilt fever brings chills and a rash on the elbows."),
    _page("a2", "Quilt fever", "Chills, a rash and tired elbows: rest and drink water."),
    _page("b1", "Thimble knee", "Thimble knee aches when kneeling; the elbows are fine."),
    _page("c1", "Garden cough", "Garden cough follows pollen; rest and drink water."),
]


def _generation(tmp_path: Path, records: list[Record]) -> Path:
    build_index(records, tmp_path / "index")
    return tmp_path / "index" / str(current_generation(tmp_path / "index"))


def test_a_build_writes_the_table_and_checksums_cover_it(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    assert (gen / conditions.FILE).is_file()
    verify(gen)  # the table is among the checksummed files
    (gen / conditions.FILE).write_bytes(b"damaged")
    with pytest.raises(Exception, match="conditions"):
        verify(gen)


def test_distinctive_words_weigh_most_for_their_condition(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    data = RankData.load(gen)
    table = conditions.load(gen)
    assert table is not None and table.n_docs == 3
    n = len(data.focus_keys)

    def weight(term: str) -> np.ndarray:
        tid = data.term_id(term)
        assert tid is not None, term
        return table.score({tid: 1.0}, n)

    quilt = data.focus_names.index("Quilt fever")
    chills = weight("chill")
    assert chills.argmax() == quilt and np.count_nonzero(chills) == 1
    # "elbows" is said of two conditions, so it tells less than "chills" about either
    assert weight("elbow")[quilt] < chills[quilt]
    # a word of every record but one: a little, for the conditions that have it
    thimble = data.focus_names.index("Thimble knee")
    assert weight("rest")[quilt] > 0 and weight("rest")[thimble] == 0
    both = table.score({data.term_id("chill"): 1.0, data.term_id("elbow"): 0.5}, n)
    assert both[quilt] == pytest.approx(chills[quilt] + 0.5 * weight("elbow")[quilt])


def test_unknown_terms_touch_nothing(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    table = conditions.load(gen)
    assert table is not None
    assert not table.score({10**7: 1.0, -1: 1.0}, 3).any()
    assert not table.score({}, 3).any()


def test_no_table_without_conditions(tmp_path: Path) -> None:
    records = [Record(id=f"r{i}", question=f"Question {i}?", answer=f"Answer number {i}.")
               for i in range(5)]
    gen = _generation(tmp_path, records)
    assert not (gen / conditions.FILE).exists()
    assert conditions.load(gen) is None


def _section(rid: str, focus: str, qtype: str, answer: str) -> Record:
    return Record(id=rid, question=f"What about {focus} ?", answer=answer, focus=focus,
                  qtype=qtype, source="institute")


SECTIONS = [  # the same words, in A's symptom section and in B's overview
    _section("a1", "Quilt fever", "symptoms", "Throbbing knuckles."),
    _section("a2", "Quilt fever", "information", "Dusty attics."),
    _section("b1", "Thimble knee", "information", "Throbbing knuckles."),
    _section("b2", "Thimble knee", "symptoms", "Dusty attics."),
    _section("c1", "Garden cough", "information", "Pollen season."),
]


def _decoded(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """The table's weights as numbers (they are stored as one-byte codes)."""
    return arrays["levels"][arrays["weights"]]


@pytest.mark.parametrize("symptom_weight", [1.0, 3.0])
def test_a_symptom_section_counts_its_groups_weight_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, symptom_weight: float) -> None:
    data = RankData.load(_generation(tmp_path, SECTIONS))
    monkeypatch.setattr(conditions, "SECTION_WEIGHTS", {"symptoms": symptom_weight})
    arrays = conditions.weights(data)
    assert arrays is not None
    tid = data.term_id("throb")
    assert tid is not None
    a, b = arrays["ptr"][tid], arrays["ptr"][tid + 1]
    got = dict(zip(arrays["keys"][a:b].tolist(), _decoded(arrays)[a:b].tolist(), strict=True))
    quilt = data.focus_names.index("Quilt fever")
    thimble = data.focus_names.index("Thimble knee")
    assert set(got) == {quilt, thimble}
    if symptom_weight == 1.0:  # mirror images: the section makes no difference
        assert got[quilt] == got[thimble]
    else:  # said in A's symptom section: characteristic of A more than of B
        assert got[quilt] > got[thimble] * 1.1
    assert conditions.row_weights(data).tolist().count(symptom_weight) >= 2


def test_a_term_of_alone_counts_as_enough_support(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    data = RankData.load(gen)
    table = conditions.load(gen)
    assert table is not None
    n = len(data.focus_keys)
    chill, elbow, rest = (data.term_id(t) for t in ("chill", "elbow", "rest"))
    assert table.n_conditions(chill) == 1 and table.n_conditions(elbow) == 2
    assert table.n_conditions(10**7) == 0 and table.n_conditions(-1) == 0
    thimble = data.focus_names.index("Thimble knee")
    quilt = data.focus_names.index("Quilt fever")
    garden = data.focus_names.index("Garden cough")
    query = {chill: 1.0, rest: 1.0, elbow: 1.0}
    two = table.score(query, n, 2)
    assert two[quilt] > 0 and two[thimble] == 0 and two[garden] == 0  # one word each
    assert not table.score({rest: 1.0, 10**7: 1.0}, n, 2).any()
    alone = table.score({rest: 1.0, chill: 0.5}, n, 2, frozenset({rest}))
    single = table.score({rest: 1.0}, n, 1)
    assert alone[garden] == pytest.approx(single[garden])  # "rest" alone is enough now
    assert alone[quilt] > single[quilt]  # and the other terms still add their weight
    assert alone[thimble] == 0


def test_a_group_weighed_zero_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    data = RankData.load(_generation(tmp_path, SECTIONS))
    monkeypatch.setattr(conditions, "SECTION_WEIGHTS", {"symptoms": 0.0})
    arrays = conditions.weights(data)
    assert arrays is not None
    tid = data.term_id("throb")
    a, b = arrays["ptr"][tid], arrays["ptr"][tid + 1]
    # only B's overview says it now: one condition, and no pair of weight 0 is kept
    assert arrays["keys"][a:b].tolist() == [data.focus_names.index("Thimble knee")]
    assert (_decoded(arrays) > 0).all()


def test_offsets_are_32_bit_and_a_table_with_64_bit_offsets_scores_the_same(
        tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    table = conditions.load(gen)
    assert table is not None and table.ptr.dtype == np.int32
    data = RankData.load(gen)
    wide = dict(conditions.weights(data) or {})
    wide["ptr"] = wide["ptr"].astype(np.int64)  # as a generation before this change wrote it
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    with (old_dir / conditions.FILE).open("wb") as fh:
        np.savez(fh, **wide)
    old = conditions.load(old_dir)
    assert old is not None and old.ptr.dtype == np.int64
    query = {data.term_id(w): 1.0 for w in ("rash", "elbow", "rest")}
    n = len(data.focus_keys)
    assert old.score(query, n).tolist() == table.score(query, n).tolist()
    assert table.score(query, n).any()
    assert [old.n_conditions(t) for t in query] == [table.n_conditions(t) for t in query]


def test_weights_are_one_byte_each_and_keep_their_order_and_relative_precision() -> None:
    rng = np.random.default_rng(7)
    w = np.exp(rng.uniform(np.log(0.03), np.log(18.0), 5000))  # as wide as MedQuAD's (~500x)
    codes, levels = conditions.quantise(w)
    assert codes.dtype == np.uint8 and len(levels) == conditions.LEVELS
    back = levels[codes].astype(np.float64)
    ratio = (levels[-1] / levels[0]) ** (1 / (conditions.LEVELS - 1))  # one level to the next
    assert np.all(np.abs(np.log(back / w)) <= np.log(ratio) / 2 + 1e-6)  # half a level at most
    assert np.abs(back / w - 1).max() < 0.013
    order = np.argsort(w)
    assert np.all(np.diff(back[order]) >= 0)  # a larger weight never decodes smaller
    assert back.min() == pytest.approx(w.min(), rel=1e-6)
    assert back.max() == pytest.approx(w.max(), rel=1e-6)


@pytest.mark.parametrize("weights", [[], [2.5], [2.5, 2.5, 2.5]])
def test_quantising_no_weight_or_one_value_decodes_it(weights: list[float]) -> None:
    codes, levels = conditions.quantise(np.asarray(weights))
    assert len(codes) == len(weights) and len(levels) == conditions.LEVELS
    assert levels[codes].tolist() == pytest.approx(weights)


def test_a_table_with_half_precision_weights_still_reads(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    table = conditions.load(gen)
    assert table is not None and table.weights.dtype == np.uint8
    data = RankData.load(gen)
    arrays = dict(conditions.weights(data) or {})
    old_arrays = {k: v for k, v in arrays.items() if k != "levels"}
    old_arrays["weights"] = _decoded(arrays).astype(np.float16)  # as written before one byte
    old_dir = tmp_path / "old"
    old_dir.mkdir()
    with (old_dir / conditions.FILE).open("wb") as fh:
        np.savez(fh, **old_arrays)
    old = conditions.load(old_dir)
    assert old is not None and old.levels is None and old.weights.dtype == np.float16
    query = {data.term_id(w): 1.0 for w in ("rash", "elbow", "rest")}
    n = len(data.focus_keys)
    assert old.score(query, n).tolist() == pytest.approx(table.score(query, n).tolist(),
                                                         rel=1e-3)


def _dense_reference(table: conditions.ConditionTable, term_weights: dict[int, float],
                     n_keys: int, min_terms: int, alone: frozenset[int]) -> np.ndarray:
    """The score as first written: every posting's weight plus its touches summed over every
    condition, the touches taken back out with floor (what `supported` must equal exactly)."""
    touch = float(2**24)
    ks, ws = [], []
    for tid, qw in term_weights.items():
        n = table.n_conditions(tid)
        if n:
            a = int(table.ptr[tid])
            ks.append(np.asarray(table.keys[a:a + n]))
            w = table.levels.take(table.weights[a:a + n]) * np.float32(qw)
            ws.append(w.astype(np.float64) + touch * (min_terms if tid in alone else 1))
    if not ks:
        return np.zeros(n_keys)
    both = np.bincount(np.concatenate(ks), weights=np.concatenate(ws), minlength=n_keys)
    touches = np.floor(both / touch)
    out = both - touches * touch
    if min_terms > 1:
        out[touches < min_terms] = 0.0
    return out[:n_keys]


def test_supported_conditions_score_exactly_as_the_dense_sum(tmp_path: Path) -> None:
    gen = _generation(tmp_path, RECORDS)
    data = RankData.load(gen)
    table = conditions.load(gen)
    assert table is not None
    n = len(data.focus_keys)
    tid = {w: data.term_id(w) for w in ("chill", "elbow", "rest", "rash", "cough", "knee")}
    assert None not in tid.values()
    queries = [
        {tid["chill"]: 1.0, tid["elbow"]: 1.0},
        {tid["chill"]: 1.0, tid["elbow"]: 0.37, tid["rest"]: 2.5},
        {tid["rash"]: 0.8, tid["rest"]: 1.0, tid["cough"]: 1.0, 10**7: 1.0},
        {tid["elbow"]: -0.5, tid["knee"]: 1.0, tid["rest"]: 1.0},  # a weight below 0
    ]
    for weights in queries:
        for min_terms in (1, 2, 3):
            for alone in (frozenset(), frozenset({tid["knee"]})):
                want = _dense_reference(table, weights, n, min_terms, alone)
                keys, scores = table.supported(weights, n, min_terms, alone)
                got = np.zeros(n)
                got[keys] = scores
                assert got.tobytes() == want.tobytes(), (weights, min_terms, alone)
                assert table.score(weights, n, min_terms, alone).tobytes() == want.tobytes()
