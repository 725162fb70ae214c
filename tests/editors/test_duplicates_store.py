"""Duplicate groups stored with the generation, editors' decisions by record id, the fast
pair scorer, and the `duplicates` / `report queries` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.editors import duplicates as dup
from indexer.editors import report
from indexer.editors.duplicates import decisions as dec
from indexer.editors.duplicates import store
from indexer.editors.similar import QuestionIndex
from indexer.index.build import build_index, current_generation
from indexer.index.store import IndexStore


def _gen(index_dir: Path) -> Path:
    return index_dir / current_generation(index_dir)


def test_the_build_stores_the_groups_and_readers_do_not_recompute(
        sample_expected, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    build_index(sample_expected, index_dir)
    stored = store.read_groups(_gen(index_dir))
    assert stored is not None and stored.source == "build" and stored.records == 44
    expected = dup.clusters_for_records(sample_expected)
    assert [c.to_dict() for c in stored.clusters] == [c.to_dict() for c in expected]

    def no_computing(*_a, **_k):
        raise AssertionError("groups are read from the generation")

    monkeypatch.setattr(store, "find_duplicates", no_computing)
    with IndexStore(index_dir).searcher() as s:
        assert [c.ids for c in dup.duplicate_clusters(s)] == [c.ids for c in expected]
    result = CliRunner().invoke(cli, ["duplicates", "--index", str(index_dir), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "among 44 records" in result.output


def test_groups_of_an_older_generation_are_computed_in_the_background(
        sample_expected, tmp_path, monkeypatch):
    monkeypatch.setattr(store, "write_groups", lambda *_a, **_k: None)
    index_dir = tmp_path / "index"
    build_index(sample_expected, index_dir)
    seen: list[tuple[int, int]] = []
    real = store.find_duplicates
    monkeypatch.setattr(store, "find_duplicates",
                        lambda qi, progress: real(qi, progress=lambda d, t: (
                            seen.append((d, t)), progress(d, t))))
    with IndexStore(index_dir).searcher() as s:
        groups = store.generation_groups(s)
        assert groups.wait(60) and groups.state == store.READY
        assert store.generation_groups(s) is groups  # once per generation
    assert seen[-1] == (44, 44) and groups.done == groups.records == 44
    assert groups.source == "background" and groups.clusters


def test_an_unreadable_groups_file_is_recomputed(sample_expected, tmp_path):
    gen = tmp_path / "gen"
    gen.mkdir()
    store.write_groups(gen, sample_expected)
    assert store.read_groups(gen) is not None
    (gen / store.FILE).write_text("{not json", encoding="utf-8")
    assert store.read_groups(gen) is None
    (gen / store.FILE).write_text(json.dumps({"format": 999, "clusters": []}), encoding="utf-8")
    assert store.read_groups(gen) is None


def test_stock_answer_groups_show_the_answer_and_are_not_same_question(rec, stock):
    recs = [rec("s1", "Can acupuncture help me get pregnant at 44?", stock),
            rec("s2", "Will acupuncture help my winter blues?", stock),
            rec("s3", "Is acupuncture good for bloating?", stock)]
    (c,) = dup.clusters_for_records(recs)
    assert c.kind == dup.STOCK_ANSWER and c.answer_start.startswith("Thank you for your")
    html = report.render_html([c])
    assert "One answer reused for 3 different questions" in html
    assert "do not ask the same thing" in html and "ask the same thing.</p>" not in html
    assert "Thank you for your question" in html


def test_big_groups_need_no_all_pairs(rec, stock, monkeypatch):
    """A stock answer reused hundreds of times: the canonical question by shared words,
    each member compared with it once (no n² similarities)."""
    recs = [rec(f"s{i}", f"Question number {i} about needles and {w}?", stock)
            for i, w in enumerate(["pain", "sleep", "stress"] * 40)]
    calls = 0
    real = dup.PairScorer.similarity

    def counting(self, i, j, at_least=0.0):
        nonlocal calls
        calls += 1
        return real(self, i, j, at_least)

    monkeypatch.setattr(dup.PairScorer, "similarity", counting)
    qi = QuestionIndex.from_records(recs)
    clusters = dup.find_duplicates(qi)
    stock_groups = [c for c in clusters if c.kind == dup.STOCK_ANSWER]
    assert len(stock_groups) == 1 and len(stock_groups[0].members) == 120
    assert calls < 120 * 40 + 120 * 3  # candidates per record + one per member, not 120²/2


def test_pair_scorer_matches_the_one_pair_form(sample_qi):
    scorer = dup.PairScorer(sample_qi)
    n = len(sample_qi)
    for i in range(0, n, 3):
        for j in range(1, n, 5):
            a, b = sample_qi.entries[i], sample_qi.entries[j]
            assert scorer.similarity(i, j) == dup.pair_similarity(sample_qi, a, b)
            assert scorer.similarity(i, j) == scorer.similarity(j, i)
            # a floor only ever turns a pair below it into 0.0
            floored = scorer.similarity(i, j, at_least=dup.THRESHOLD)
            assert floored == scorer.similarity(i, j) or floored == 0.0 < dup.THRESHOLD


def test_decisions_by_record_id_survive_a_rebuild_and_a_new_member_reopens(
        rec, stock, tmp_path):
    recs = [rec("s1", "Can acupuncture help me get pregnant at 44?", stock),
            rec("s2", "Will acupuncture help my winter blues?", stock),
            rec("s3", "Is acupuncture good for bloating?", stock)]
    decisions = dec.Decisions(tmp_path / "var")
    assert decisions.all() == [] and not (tmp_path / "var").exists()  # nothing made early
    decisions.record(["s2", "s1", "s3"], dec.NOT_DUPLICATES, dup.STOCK_ANSWER)
    index_dir = tmp_path / "index"
    for _ in range(2):  # a rebuild changes the generation, not the ids
        build_index(recs, index_dir, full=True)
        groups = store.read_groups(_gen(index_dir))
        split = dec.apply(groups.clusters, dec.Decisions(tmp_path / "var").all())
        assert split.open == [] and len(split.decided) == 1
    grown = dup.clusters_for_records([*recs, rec("s4", "Does it help with hiccups?", stock)])
    assert [sorted(c.ids) for c in dec.apply(grown, decisions.all()).open] == [
        ["s1", "s2", "s3", "s4"]]
    assert decisions.undo(["s1", "s2", "s3"]) and decisions.all() == []
    with pytest.raises(dec.DecisionError):
        decisions.record(["s1"], dec.MERGED)
    with pytest.raises(dec.DecisionError):
        decisions.record(["s1", "s2"], "delete")


def test_cli_applies_decisions_and_links_records(rec, stock, tmp_path):
    recs = [rec("s1", "Can acupuncture help me get pregnant at 44?", stock,
                url="https://www.example.org/ask/1.html"),
            rec("s2", "Will acupuncture help my winter blues?", stock,
                url="javascript:alert(1)"),
            rec("s3", "Is acupuncture good for bloating?", stock)]
    index_dir = tmp_path / "index"
    build_index(recs, index_dir)
    run = CliRunner().invoke
    args = ["duplicates", "--index", str(index_dir), "--decisions-dir", str(tmp_path / "var"),
            "--no-progress", "--format", "html"]
    html = run(cli, args).output
    assert '<a href="https://www.example.org/ask/1.html">' in html  # the record's own page
    assert "javascript:" not in html
    linked = run(cli, [*args, "--base-url", "https://search.example.org/"]).output
    assert '<a href="https://search.example.org/records/s2">' in linked
    dec.Decisions(tmp_path / "var").record(["s1", "s2", "s3"], dec.MERGED)
    left = run(cli, args)
    assert "No duplicates found." in left.output and "1 decided by editors left out" in left.output
    assert "Will acupuncture help" in run(cli, [*args, "--all"]).output


def test_csv_cells_cannot_start_a_formula(rec, stock):
    recs = [rec("x1", "=HYPERLINK(\"http://evil\") is it safe?", stock),
            rec("x2", "+1 question about needles", stock)]
    rows = report.render(dup.clusters_for_records(recs), "csv").splitlines()
    assert all(",=" not in r and ",+" not in r for r in rows[1:])
    assert any("'=HYPERLINK" in r for r in rows)


def test_report_queries_refuses_a_missing_folder(tmp_path):
    missing = tmp_path / "nonexistent" / "dir"
    result = CliRunner().invoke(cli, ["report", "queries", "--log-dir", str(missing)])
    assert result.exit_code != 0
    assert "no query statistics folder" in result.output
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("command", [["duplicates"], ["similar"], ["report", "queries"],
                                     ["eval", "rqe"]])
def test_editors_commands_show_examples(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Examples:" in result.output
    assert "qasearch " + " ".join(command) in result.output
