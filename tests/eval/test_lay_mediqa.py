"""The issue F harness: lay searches, MEDIQA answers, the stock Whoosh baseline, folds and the
report, on small hand-made inputs; then (shared, slow) the real dev sets in sane ranges."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from indexer.cli import evaluate
from indexer.eval import lay, mediqa
from indexer.eval.baseline import StockWhoosh, cached_baseline, or_query
from indexer.eval.folds import fold_members, hash_folds
from indexer.eval.report import evaluate_all, format_rows, make_row, save_rows
from indexer.records import Record


# --------------------------------------------------------------------------- lay
def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    return path


LAY = [
    {"qid": "X1", "query": "sore knee", "relevant_foci": ["Knee Pain"], "kind": "symptom",
     "typo": False},
    {"qid": "X2", "query": "itchy eyse", "relevant_foci": ["Eye  Allergy", "Dry Eye"],
     "kind": "symptom", "typo": True},
    {"qid": "X3", "query": "what is gout", "relevant_foci": ["Gout"], "kind": "question"},
]
FOCI = {"k1": lay.focus_key("knee pain"), "e1": lay.focus_key("Eye Allergy"),
        "d1": lay.focus_key("Dry eye"), "g1": lay.focus_key("Gout"), "o1": "other"}


def test_load_lay_reads_every_field(tmp_path: Path) -> None:
    qs = lay.load_lay(_write(tmp_path / "q.jsonl", LAY))
    assert [q.qid for q in qs] == ["X1", "X2", "X3"]
    assert qs[1].typo is True and qs[2].typo is False and qs[2].kind == "question"
    assert qs[1].relevant_keys == {"eye allergy", "dry eye"}  # case and spaces folded


@pytest.mark.parametrize("bad", [
    {"qid": "X9", "query": "x", "relevant_foci": []},
    {"qid": "X9", "query": "", "relevant_foci": ["Gout"]},
    {"qid": "X9", "query": "x"},
    ["not", "an", "object"],
])
def test_load_lay_names_a_bad_line(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match=r"q\.jsonl:2"):
        lay.load_lay(_write(tmp_path / "q.jsonl", [LAY[0], bad]))


def test_load_lay_refuses_a_repeated_qid(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="twice"):
        lay.load_lay(_write(tmp_path / "q.jsonl", [LAY[0], LAY[0]]))


def test_query_metrics_by_hand() -> None:
    rel = frozenset({"gout"})
    assert lay.query_metrics(["g1", "o1"], rel, FOCI) == {"P@1": 1.0, "Success@3": 1.0,
                                                          "MRR@10": 1.0}
    m = lay.query_metrics(["o1", "k1", "g1"], rel, FOCI)
    assert (m["P@1"], m["Success@3"], m["MRR@10"]) == (0.0, 1.0, pytest.approx(1 / 3))
    m = lay.query_metrics(["o1"] * 3 + ["g1"], rel, FOCI)
    assert (m["Success@3"], m["MRR@10"]) == (0.0, 0.25)
    assert lay.query_metrics(["o1"] * 10 + ["g1"], rel, FOCI)["MRR@10"] == 0.0
    assert lay.query_metrics(["unknown-id"], rel, FOCI)["P@1"] == 0.0


def test_evaluate_lay_overall_per_kind_and_missing_lines(tmp_path: Path) -> None:
    qs = lay.load_lay(_write(tmp_path / "q.jsonl", LAY))
    run = {"X1": [("k1", 3.0)], "X2": ["o1", "o1", "d1"]}  # X3: no line -> zeros
    m = lay.evaluate_lay(run, qs, FOCI)
    assert m.queries == 3
    assert m.values["P@1"] == pytest.approx(1 / 3)
    assert m.values["Success@3"] == pytest.approx(2 / 3)
    assert m.per_kind["symptom"]["Success@3"] == 1.0
    assert m.per_kind["question"] == {"P@1": 0.0, "Success@3": 0.0, "MRR@10": 0.0}
    assert m.kind_counts == {"symptom": 2, "question": 1}
    assert list(m.per_kind) == ["symptom", "question"]  # the order of lay.KINDS


def test_unknown_foci_lists_names_no_record_has(tmp_path: Path) -> None:
    qs = lay.load_lay(_write(tmp_path / "q.jsonl", LAY))
    foci = lay.focus_of([Record(id="g1", question="q", answer="a", focus=" GOUT "),
                         Record(id="n", question="q", answer="a")])
    assert foci == {"g1": "gout"}
    assert lay.unknown_foci(qs, foci) == {"X1": ["Knee Pain"], "X2": ["Eye  Allergy", "Dry Eye"]}


# --------------------------------------------------------------------------- folds
def test_hash_folds_are_balanced_disjoint_and_deterministic() -> None:
    ids = [f"Q{i}" for i in range(25)]
    parts = fold_members(ids, 2)
    assert sorted(len(p) for p in parts) == [12, 13]
    assert parts[0] | parts[1] == set(ids) and not parts[0] & parts[1]
    assert hash_folds(reversed(ids), 2) == hash_folds(ids, 2)
    assert {len(p) for p in fold_members(ids, 5)} == {5}
    assert set(hash_folds(ids, 1).values()) == {0}
    # not the file order: neighbours are not simply alternated
    assert [hash_folds(ids, 2)[q] for q in ids[:8]] != [0, 1] * 4


# --------------------------------------------------------------------------- MEDIQA
def test_split_heading_and_section() -> None:
    assert mediqa.split_heading("Knee pain (Causes): Overuse: a common cause.") == (
        "Knee pain (Causes)", "Overuse: a common cause.")
    assert mediqa.split_heading("Knee pain (Note: rare) (Causes): Text") == (
        "Knee pain (Note: rare) (Causes)", "Text")  # ": " inside parentheses is not the end
    assert mediqa.split_heading("No heading here.") == ("", "No heading here.")
    assert mediqa.split_section("Bird pox (avian pox) (Diagnosis)") == (
        "Bird pox (avian pox)", "Diagnosis")
    assert mediqa.split_section("Mouth sores (Outlook (Prognosis))") == (
        "Mouth sores", "Outlook (Prognosis)")
    assert mediqa.split_section("Knee pain") == ("Knee pain", "")
    assert mediqa.split_section("(Only parentheses)") == ("(Only parentheses)", "")


def _answer(aid: str, score: int, text: str, url: str = "https://x.example/a") -> str:
    return (f'<Answer AID="{aid}" SystemRank="1" ReferenceRank="1" ReferenceScore="{score}">'
            f"<AnswerURL>{url}</AnswerURL><AnswerText>{text}</AnswerText></Answer>")


def _mediqa_file(path: Path, questions: list[tuple[str, str, list[str]]]) -> Path:
    body = "".join(f'<Question QID="{qid}"><QuestionText>{text}</QuestionText><AnswerList>'
                   + "".join(answers) + "</AnswerList></Question>"
                   for qid, text, answers in questions)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><Set>{body}</Set>', encoding="utf-8")
    return path


SHARED_TEXT = "Knee pain (Treatment): Rest and ice the knee."


@pytest.fixture()
def mediqa_files(tmp_path: Path) -> list[Path]:
    a = _mediqa_file(tmp_path / "MEDIQA2019-Task3-QA-TrainingSet9-Demo.xml", [
        ("1", "how do i treat a sore knee", [
            _answer("1_Answer1", 4, SHARED_TEXT),
            _answer("1_Answer2", 1, "Gout (Causes): Uric acid crystals form in joints."),
        ]),
        ("2", "what causes gout", [
            _answer("2_Answer1", 4, "Gout (Causes): Uric acid crystals form in joints."),
            _answer("2_Answer2", 2, "What is Gout?: Gout is a kind of arthritis.",
                    url="https://x.example/gout"),
            _answer("2_Answer3", 3, "Gout: A painful joint disease.",
                    url="https://x.example/gout"),
        ]),
    ])
    b = _mediqa_file(tmp_path / "MEDIQA2019-Task3-QA-ValidationSet.xml", [
        ("1", "knee treatment", [_answer("1_Answer1", 3, SHARED_TEXT.replace("  ", " ")),
                                 _answer("1_Answer2", 1, "knee PAIN (treatment):  rest and "
                                                         "ice the knee.")]),
    ])
    return [a, b]


def test_load_mediqa_keeps_questions_apart_across_files(mediqa_files: list[Path]) -> None:
    qs = mediqa.load_mediqa(mediqa_files)
    assert [q.qid for q in qs] == ["demo-1", "demo-2", "validationset-1"]
    assert [len(q.answers) for q in qs] == [2, 3, 1 + 1]
    assert qs[1].answers[1].score == 2 and qs[1].answers[1].url == "https://x.example/gout"


def test_load_mediqa_refuses_a_grade_outside_1_to_4(tmp_path: Path) -> None:
    bad = _mediqa_file(tmp_path / "bad.xml", [("1", "q", [_answer("1_Answer1", 7, "x")])])
    with pytest.raises(ValueError, match="ReferenceScore"):
        mediqa.load_mediqa([bad])


def test_mediqa_corpus_merges_identical_answers_only(mediqa_files: list[Path]) -> None:
    qs = mediqa.load_mediqa(mediqa_files)
    records, qrels = mediqa.mediqa_corpus(qs, "plain")
    # 7 answers: the knee text thrice (once with other case and spacing), gout causes twice
    assert len(records) == 4
    knee = mediqa.answer_id(SHARED_TEXT)
    assert qrels["demo-1"][knee] == 4 and qrels["validationset-1"] == {knee: 3}
    # the two gout answers share a URL but not their text: two records
    assert len({r.id for r in records if r.url == "https://x.example/gout"}) == 2


def test_plain_and_structured_forms(mediqa_files: list[Path]) -> None:
    qs = mediqa.load_mediqa(mediqa_files)
    plain, _ = mediqa.mediqa_corpus(qs, "plain")
    structured, _ = mediqa.mediqa_corpus(qs, "structured")
    assert [r.id for r in plain] == [r.id for r in structured]
    assert all(not r.focus and not r.qtype and r.title and not r.question for r in plain)
    by_title = {r.title: r for r in structured}
    knee = by_title["Knee pain (Treatment)"]
    assert (knee.focus, knee.qtype, knee.answer) == ("Knee pain", "treatment",
                                                     "Rest and ice the knee.")
    assert by_title["Gout (Causes)"].qtype == "causes"
    assert by_title["What is Gout?"].focus == ""  # a question heading is not a condition
    assert by_title["Gout"].focus == "Gout" and by_title["Gout"].qtype == ""
    with pytest.raises(ValueError, match="form"):
        mediqa.answer_record(qs[0].answers[0], "fancy")


# --------------------------------------------------------------------------- stock baseline
RECORDS = [
    Record(id="r1", question="Can ice help a sore knee?", answer="Rest and ice the knee."),
    Record(id="r2", question="What causes gout?", answer="Uric acid crystals.", focus="Gout"),
    Record(id="r3", question="Why do eyes itch?", answer="Pollen allergy makes eyes itch.",
           categories=[["eyes"]]),
]


def test_stock_whoosh_ranks_by_shared_terms(tmp_path: Path) -> None:
    index_dir = cached_baseline(RECORDS, tmp_path)
    assert cached_baseline(RECORDS, tmp_path) == index_dir  # reused
    with StockWhoosh(index_dir) as stock:
        assert stock.rank("my knees are sore?")[0][0] == "r1"  # "?" is no wildcard
        assert [d for d, _ in stock.rank("gout")] == ["r2"]
        assert [d for d, _ in stock.rank("itchy eyes")] == ["r3"]
        assert stock.rank("the of and") == []
        run = stock.run([("a", "knee"), ("b", "crystals")], limit=1)
    assert run == {"a": [("r1", run["a"][0][1])], "b": [("r2", run["b"][0][1])]}
    assert or_query("") is None


def test_a_changed_record_gets_a_new_stock_index(tmp_path: Path) -> None:
    first = cached_baseline(RECORDS, tmp_path)
    second = cached_baseline([RECORDS[0].rehashed(answer="Different.")], tmp_path)
    assert first != second and first.exists() and second.exists()


# --------------------------------------------------------------------------- report
def test_rows_table_and_saved_json(tmp_path: Path) -> None:
    row = make_row("mediqa-plain", "qasearch", 4, {"avgScore": 1.5, "P@1": 0.5},
                   [{"avgScore": 1.0, "P@1": 0.5}, {"avgScore": 2.0, "P@1": 0.5}])
    assert row["fold_mean"] == {"avgScore": 1.5, "P@1": 0.5}
    kinds = make_row("lay:symptom", "stock-whoosh", 2, {"P@1": 0.25, "Success@3": 1.0})
    assert kinds["folds"] == [] and kinds["fold_mean"] == {}
    table = format_rows([row, kinds])
    lines = table.splitlines()
    assert len(lines) == 4 and "avgScore 1.000 2.000 | 1.500" in lines[2]
    assert "0.250" in lines[3] and "1.500" not in lines[3]
    first = save_rows([row], tmp_path, params={"folds": 2}, seconds=1.25)
    second = save_rows([row], tmp_path)
    assert first != second
    saved = json.loads(first.read_text(encoding="utf-8"))
    assert saved["rows"] == [row] and saved["params"] == {"folds": 2} and saved["seconds"] == 1.2


def test_evaluate_all_refuses_an_unknown_set(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown set"):
        evaluate_all(tmp_path, tmp_path, sets=["nope"])


def test_cli_mediqa_on_hand_made_files(mediqa_files: list[Path], tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "data" / "mediqa-qa").mkdir(parents=True)
    for i, f in enumerate(mediqa_files):
        f.rename(shared / "data" / "mediqa-qa" / f"MEDIQA2019-Task3-QA-Set-T{i}.xml")
    group = click.Group("eval")
    evaluate.register(group)
    assert set(group.commands) == {"lay", "mediqa", "all"}
    res = CliRunner().invoke(group, ["mediqa", "--shared", str(shared), "--cache",
                                     str(tmp_path / "cache"), "--format", "json", "--no-save"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["set"], r["system"]) for r in rows] == [
        (f"mediqa-{form}", system) for form in ("plain", "structured")
        for system in ("qasearch", "stock-whoosh")]
    assert all(r["questions"] == 3 and 0 <= r["metrics"]["avgScore"] <= 3 for r in rows)


# --------------------------------------------------------------------------- the real sets
@pytest.mark.shared
def test_the_real_dev_files_read(shared_dir: Path) -> None:
    queries = lay.load_lay(shared_dir / "data" / "lay" / "dev.jsonl")
    assert len(queries) == 80 and {q.kind for q in queries} <= set(lay.KINDS)
    questions = mediqa.load_mediqa(mediqa.default_files(shared_dir))
    assert len(questions) == 129 and len({q.qid for q in questions}) == 129
    # the data description says 7-9 answers a question; the files hold 3-11 (1,096 in all)
    assert all(q.answers for q in questions) and sum(len(q.answers) for q in questions) > 900
    records, _qrels = mediqa.mediqa_corpus(questions, "structured")
    assert len(records) < sum(len(q.answers) for q in questions)  # answers recur
    assert sum(1 for r in records if r.focus) > len(records) // 2


@pytest.fixture(scope="module")
def all_rows(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return evaluate_all(shared_dir, tmp_path_factory.mktemp("evalcache"), folds=2)


@pytest.mark.shared
@pytest.mark.slow
def test_every_real_set_scores_in_range(all_rows: list[dict]) -> None:
    by_key = {(r["set"], r["system"]): r for r in all_rows}
    for system in ("qasearch", "stock-whoosh"):
        lay_row = by_key[("lay", system)]
        assert lay_row["questions"] == 80 and len(lay_row["folds"]) == 2
        assert all(0 <= lay_row["metrics"][m] <= 1 for m in lay.METRICS)
        assert lay_row["metrics"]["P@1"] <= lay_row["metrics"]["Success@3"]
        assert sum(by_key[(f"lay:{k}", system)]["questions"] for k in lay.KINDS) == 80
        for form in ("plain", "structured"):
            row = by_key[(f"mediqa-{form}", system)]
            assert row["questions"] == 129 and 0 <= row["metrics"]["avgScore"] <= 3
            assert 0 <= row["metrics"]["P@1"] <= 1
        for form in ("original", "summary"):
            row = by_key[(f"liveqa-{form}", system)]
            assert row["questions"] == 52 and 0 <= row["metrics"]["avgScore"] <= 3
            assert len(row["folds"]) == 2
