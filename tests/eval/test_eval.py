"""The metric code on a tiny hand-made run, TREC run/topic files, and `qasearch eval liveqa`
on the dev judgments (slow: builds the 17,912-record evaluation index once per session)."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.eval.liveqa import (
    evaluate_run,
    fold_of,
    question_metrics,
    read_run,
    read_topics,
    split_qrels,
    write_run,
)

QRELS = {
    "TQ1": {"d1": 4, "d2": 2, "d3": 1, "d4": 3},
    "TQ2": {"x1": 3},
    "TQ3": {"y1": 4},  # the run has no line for TQ3: it scores 0 everywhere
}
RUN = {
    "TQ1": [("d2", 9.0), ("u1", 8.0), ("d1", 7.0), ("d3", 6.0)],
    "TQ2": [("x1", 5.0)],
}


def test_question_metrics_by_hand() -> None:
    m = question_metrics(["d2", "u1", "d1", "d3"], QRELS["TQ1"])
    assert m["score"] == 1.0  # top hit graded 2 -> 2 - 1
    assert m["p1"] == 0.0
    assert m["rr"] == pytest.approx(1 / 3)  # first grade >= 3 at rank 3
    dcg = 1 / math.log2(2) + 0 + 3 / math.log2(4) + 0
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg"] == pytest.approx(dcg / idcg)
    assert m["judged"] == pytest.approx(3 / 4)


def test_evaluate_run_averages_over_every_qrels_question() -> None:
    m = evaluate_run(RUN, QRELS)
    assert m.questions == 3
    assert m.avg_score == pytest.approx((1.0 + 2.0 + 0.0) / 3)
    assert m.p_at_1 == pytest.approx(1 / 3)
    assert m.mrr_at_10 == pytest.approx((1 / 3 + 1.0 + 0.0) / 3)
    ndcg1 = (1 + 3 / 2) / (3 + 2 / math.log2(3) + 1 / 2)
    assert m.ndcg_at_10 == pytest.approx((ndcg1 + 1.0 + 0.0) / 3)
    assert m.judged_at_10 == pytest.approx((3 / 4 + 1.0 + 0.0) / 3)
    assert m.row()["avgScore"] == round((1.0 + 2.0) / 3, 3)


def test_condensed_lists_skip_unjudged_answers() -> None:
    m = evaluate_run(RUN, QRELS, condensed=True)
    # TQ1 becomes d2, d1, d3: the excellent answer moves up to rank 2
    assert m.per_question["TQ1"]["rr"] == pytest.approx(1 / 2)
    assert m.per_question["TQ1"]["judged"] == 1.0
    assert m.per_question["TQ2"] == evaluate_run(RUN, QRELS).per_question["TQ2"]


def test_only_the_top_ten_count() -> None:
    ranked = [f"u{i}" for i in range(10)] + ["d1"]
    m = question_metrics(ranked, QRELS["TQ1"])
    assert m["rr"] == 0.0 and m["ndcg"] == 0.0 and m["judged"] == 0.0


def test_folds_are_disjoint_and_cover_every_question() -> None:
    qrels = {f"TQ{n}": {"d": 3} for n in range(2, 106, 2)}
    parts = split_qrels(qrels, 2)
    assert [len(p) for p in parts] == [26, 26]
    assert set(parts[0]) | set(parts[1]) == set(qrels) and not set(parts[0]) & set(parts[1])
    assert fold_of("TQ4", 2) == 0 and fold_of("TQ8", 2) == 0 and fold_of("TQ2", 2) == 1
    assert sorted(len(p) for p in split_qrels(qrels, 3)) == [17, 17, 18]


def test_run_and_topic_files_round_trip(tmp_path: Path) -> None:
    out = io.StringIO()
    write_run(RUN, out, "my tag")
    lines = out.getvalue().splitlines()
    assert lines[0] == "TQ1 Q0 d2 1 9.0000 mytag"
    path = tmp_path / "run.txt"
    path.write_text(out.getvalue())
    assert read_run(path) == RUN
    topics = tmp_path / "topics.tsv"
    topics.write_text("# comment\nq1\tback pain\n\nq2\twhat causes sciatica?\n")
    assert read_topics(topics) == [("q1", "back pain"), ("q2", "what causes sciatica?")]
    topics.write_text("no tab here\n")
    with pytest.raises(ValueError, match="qid<TAB>query"):
        read_topics(topics)


def test_search_batch_writes_a_trec_run(tmp_path: Path) -> None:
    from indexer.index.build import build_index
    from indexer.records import Record

    build_index(
        [Record(id="r1", question="Back pain and acupuncture", answer="Needles help."),
         Record(id="r2", question="Insomnia", answer="Sleep better with sessions.")],
        tmp_path / "idx",
    )
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tback pain\nq2\tsleep\nq3\tnothing matches zzz\n")
    res = CliRunner().invoke(cli, ["search", "--batch", str(topics), "--run-out",
                                   str(tmp_path / "run.txt"), "--index", str(tmp_path / "idx")])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "run.txt").read_text().splitlines()
    assert lines[0].split()[:4] == ["q1", "Q0", "r1", "1"]
    assert any(line.startswith("q2 Q0 r2 1 ") for line in lines)
    assert not any(line.startswith("q3 ") for line in lines)


@pytest.fixture(scope="session")
def liveqa_output(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    cache = tmp_path_factory.mktemp("eval-cache")
    res = CliRunner().invoke(cli, ["eval", "liveqa", "--cache", str(cache), "--folds", "2"])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.slow
@pytest.mark.shared
def test_eval_liveqa_prints_the_table(liveqa_output: str) -> None:
    rows = {}
    for line in liveqa_output.splitlines():
        m = re.match(r"^((?:original|summary)(?:/[12])?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)"
                     r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", line)
        if m:
            rows[m.group(1)] = [float(x) for x in m.groups()[1:]]
    assert set(rows) == {"original", "summary", "original/1", "original/2", "summary/1",
                         "summary/2"}, liveqa_output
    assert rows["original/1"][0] + rows["original/2"][0] == 52
    for form in ("original", "summary"):  # the folds' means average to the whole
        halves = (rows[f"{form}/1"][1] + rows[f"{form}/2"][1]) / 2
        assert halves == pytest.approx(rows[form][1], abs=0.002)
    questions, avg, p1, mrr, ndcg, _judged = rows["original"]
    assert questions == 52
    # regression floors, well above stock Whoosh (0.846 / 0.260 / 0.401 on original wording)
    # measured 1.538 / 0.558 / 0.567 (summaries 1.615 / 0.558 / 0.628); floors leave a margin
    assert avg >= 1.3 and p1 >= 0.45 and ndcg >= 0.52 and mrr >= p1
    assert rows["summary"][1] >= 1.45 and rows["summary"][4] >= 0.58


def test_eval_cache_key_hashes_every_module_that_decides_index_content():
    """What a record's terms, focus and question type are comes from terms/ranking/schema and
    what they import from the package: each of those files is in the cache key."""
    import ast
    from pathlib import Path

    from indexer.eval.liveqa import index_code_files

    pkg = Path(__file__).resolve().parents[2] / "indexer"
    hashed = {p.relative_to(pkg).as_posix() for p in index_code_files()}
    assert {"index/terms.py", "index/ranking.py", "index/schema.py", "index/build.py",
            "text/analysis.py", "text/qtypes.py", "data/qtype_cues.toml"} <= hashed
    for name in ("terms", "ranking", "schema"):
        tree = ast.parse((pkg / "index" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("indexer."):
                rel = node.module.removeprefix("indexer.").replace(".", "/") + ".py"
                assert rel in hashed, f"index/{name}.py imports {node.module}, not hashed"


def test_distinct_ndcg_counts_each_duplicate_group_once() -> None:
    judged = {"a1": 4, "a2": 4, "b": 3, "c": 2}
    groups = {"a1": "A", "a2": "A"}
    # listing a1 then b: plain nDCG misses a2 (the ideal holds both copies), distinct does not
    m = question_metrics(["a1", "b", "c"], judged, groups)
    assert m["ndcg"] < 1.0 and m["ndcg_d"] == pytest.approx(1.0)
    # a repeat gains nothing in nDCG@10d (it does in plain nDCG)
    rep = question_metrics(["a1", "a2", "b"], judged, groups)
    assert rep["ndcg"] > m["ndcg"]  # plain nDCG rewards the repeat
    ideal_d = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert rep["ndcg_d"] == pytest.approx((3 / math.log2(2) + 2 / math.log2(4)) / ideal_d)
    # the hit's own grade counts, never its group's best
    low = question_metrics(["x", "b"], {"x": 1, "y": 4, "b": 3}, {"x": "G", "y": "G"})
    assert low["ndcg_d"] == pytest.approx((2 / math.log2(3)) / (3 + 2 / math.log2(3)))
    assert "ndcg_d" not in question_metrics(["a1"], judged)
    assert evaluate_run({"Q": ["a1", "b"]}, {"Q": judged}, groups=groups).row()["nDCG@10d"] \
        == round(question_metrics(["a1", "b"], judged, groups)["ndcg_d"], 3)
