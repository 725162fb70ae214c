"""The optional semantic extra: a clear message without it; with it (skipped when absent),
embeddings cached per content, paraphrases found, and the CLI and API paths."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.editors import similar
from indexer.editors.similar import QuestionIndex
from indexer.records import Record
from indexer.settings import Settings
from indexer.text import semantic as sem

needs_extra = pytest.mark.skipif(
    not sem.available(), reason="the semantic extra is not installed (pip install '.[semantic]')")


def test_asking_for_it_without_the_extra_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(sem, "available", lambda: False)
    with pytest.raises(sem.SemanticUnavailable, match=r"pip install '\.\[semantic\]'"):
        similar.configure(Settings.load(overrides={"semantic": True}))
    similar.configure(Settings.load(overrides={"semantic": False}))  # off: fine
    out = CliRunner().invoke(cli, ["eval", "rqe", "--semantic", "--shared", str(tmp_path)])
    assert out.exit_code != 0
    out = CliRunner().invoke(cli, ["similar", "--semantic", "--index", str(tmp_path), "x"])
    assert out.exit_code != 0 and "pip install" in out.output
    from search_app import create_app

    with pytest.raises(sem.SemanticUnavailable):
        create_app(Settings.load(overrides={"semantic": True, "index_dir": tmp_path}))
    similar.configure(Settings.load(overrides={"semantic": False}))


def test_nothing_heavy_is_imported_by_the_lexical_path():
    import sys

    qi = QuestionIndex.from_records([Record(id="a", question="How is gout treated?", answer="")])
    assert qi.search("gout treatment", limit=1)[0].id == "a"
    assert qi.semantic is None
    if not any(m == "torch" for m in sys.modules):  # unless another test loaded it already
        assert "sentence_transformers" not in sys.modules


@needs_extra
def test_embeddings_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path))
    texts = ["How is gout treated?", "What causes gout?", ""]
    v1 = sem.encode_cached(texts)
    files = list((tmp_path / "semantic").glob("*.npy"))
    assert v1.shape == (3, 384) and len(files) == 1
    assert abs(float(v1[0] @ v1[0]) - 1.0) < 1e-4 and not v1[2].any()
    calls = []
    monkeypatch.setattr(sem.Embedder, "encode", lambda self, t, **kw: calls.append(t))
    v2 = sem.encode_cached(texts)  # loaded, not encoded again
    assert not calls and (v1 == v2).all()


@needs_extra
def test_semantic_finds_a_paraphrase_without_shared_words(tmp_path, monkeypatch):
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path))
    recs = [
        Record(id="hbp", question="How is high blood pressure treated?", answer=""),
        Record(id="flu", question="How is the flu treated?", answer=""),
        Record(id="knee", question="What causes knee pain?", answer=""),
    ]
    qi = sem.attach(QuestionIndex.from_records(recs))
    hits = qi.search("what can bring down my hypertension", limit=3, semantic=True)
    assert hits[0].id == "hbp"
    assert all(0 <= h.score <= 1 for h in hits)


@needs_extra
def test_similar_command_with_semantic(tmp_path, monkeypatch):
    monkeypatch.setenv("QASEARCH_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "recs.jsonl"
    src.write_text("\n".join(json.dumps(r.to_dict()) for r in [
        Record(id="hbp", question="How is high blood pressure treated?", answer="a" * 50),
        Record(id="knee", question="What causes knee pain?", answer="b" * 50),
    ]) + "\n", encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["index", "--source", str(src), "--index", str(tmp_path / "idx")])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["similar", "--semantic", "--format", "json", "--index",
                              str(tmp_path / "idx"), "what can bring down my hypertension"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["id"] == "hbp"
