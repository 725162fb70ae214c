"""The `qasearch` command line as one product: `--format` everywhere (with `--json` as a hidden
alias), examples in every `--help`, grep's exit status for `search` and `similar`, and a
one-line error for a missing or damaged index (or a damaged data file) on every command."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from search_app.cli import cli

SAMPLE_MISS = "zzyzx qqwxy"  # no word of it is in the sample archive


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: click.testing.Result, code: int) -> str:
    """The error's text, after checking it is one `Error: ...` line (the last on stderr,
    after any progress notes) and no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("Error: ")] == lines[-1:], result.stderr
    assert "Traceback" not in result.output
    return lines[-1]


# --------------------------------------------------------------------------- indexes
@pytest.fixture(scope="module")
def damaged_index(tmp_path_factory: pytest.TempPathFactory, sample_records: list) -> Path:
    """An index whose only generation has lost half of its biggest segment file."""
    from indexer.index.build import build_index

    idx = tmp_path_factory.mktemp("damaged") / "index"
    gen = idx / build_index(sample_records[:10], idx).generation
    seg = max(gen.glob("*.seg"), key=lambda p: p.stat().st_size)
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])
    return idx


@pytest.fixture
def missing_index(tmp_path: Path) -> Path:
    return tmp_path / "no-index-here"


INDEX_COMMANDS = {
    "search": ["search", "acupuncture"],
    "similar": ["similar", "is acupuncture safe"],
    "duplicates": ["duplicates", "--no-progress"],
}
EXIT_ON_ERROR = {"search": 2, "similar": 2, "duplicates": 1}


@pytest.mark.parametrize("name", sorted(INDEX_COMMANDS))
def test_a_missing_index_is_one_line(name: str, missing_index: Path) -> None:
    result = run(*INDEX_COMMANDS[name], "--index", str(missing_index))
    line = one_line_error(result, EXIT_ON_ERROR[name])
    assert str(missing_index) in line and "qasearch index" in line
    assert not missing_index.exists()


@pytest.mark.parametrize("name", sorted(INDEX_COMMANDS))
def test_a_damaged_index_is_one_line(name: str, damaged_index: Path) -> None:
    result = run(*INDEX_COMMANDS[name], "--index", str(damaged_index))
    line = one_line_error(result, EXIT_ON_ERROR[name])
    assert "damaged" in line and f"qasearch index --full --index {damaged_index}" in line


def test_search_batch_on_a_damaged_index_is_one_line(damaged_index: Path,
                                                     tmp_path: Path) -> None:
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tacupuncture\n", encoding="utf-8")
    result = run("search", "--batch", str(topics), "--run-out", str(tmp_path / "run.txt"),
                 "--index", str(damaged_index))
    assert "damaged" in one_line_error(result, 2)
    assert not (tmp_path / "run.txt").exists()


@pytest.fixture
def liveqa_on(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`eval liveqa` with data files that exist and its cached index replaced by `index`."""
    import indexer.eval.liveqa as liveqa

    files = []
    for name in ("qrels.txt", "judged.csv", "questions.xml"):
        (tmp_path / name).write_text("", encoding="utf-8")
        files.append(str(tmp_path / name))
    (tmp_path / "medquad").mkdir()

    def invoke(index: Path) -> click.testing.Result:
        monkeypatch.setattr(liveqa, "eval_corpus", lambda paths, problems=None: [])
        monkeypatch.setattr(liveqa, "cached_index", lambda records, cache, progress=False: index)
        return run("eval", "liveqa", "--qrels", files[0], "--judged", files[1], "--questions",
                   files[2], "--medquad", str(tmp_path / "medquad"), "--cache", str(tmp_path))
    return invoke


def test_eval_liveqa_on_a_missing_index_is_one_line(liveqa_on, missing_index: Path) -> None:
    line = one_line_error(liveqa_on(missing_index), 1)
    assert str(missing_index) in line and "run again" in line and "qasearch index" not in line


def test_eval_liveqa_on_a_damaged_index_says_to_delete_it(liveqa_on,
                                                          damaged_index: Path) -> None:
    line = one_line_error(liveqa_on(damaged_index), 1)
    assert "damaged" in line and f"delete {damaged_index} and run again" in line
    assert "qasearch index --full" not in line  # it would index scraped/ into the eval cache


def _mediqa_shared(root: Path) -> Path:
    """A shared folder holding one tiny MEDIQA file (two questions, three answers)."""
    answer = ('<Answer AID="{aid}" SystemRank="1" ReferenceRank="1" ReferenceScore="{score}">'
              "<AnswerURL>https://x.example/{aid}</AnswerURL><AnswerText>{text}</AnswerText>"
              "</Answer>")
    questions = [("1", "how do i treat a sore knee", [
        answer.format(aid="1_Answer1", score=4, text="Knee pain (Treatment): Rest the knee."),
        answer.format(aid="1_Answer2", score=1, text="Gout (Causes): Uric acid crystals.")]),
        ("2", "what causes gout", [
            answer.format(aid="2_Answer1", score=4, text="Gout (Causes): Uric acid crystals.")])]
    body = "".join(f'<Question QID="{qid}"><QuestionText>{text}</QuestionText><AnswerList>'
                   + "".join(answers) + "</AnswerList></Question>"
                   for qid, text, answers in questions)
    folder = root / "shared" / "data" / "mediqa-qa"
    folder.mkdir(parents=True)
    (folder / "MEDIQA2019-Task3-QA-ValidationSet.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><Set>{body}</Set>', encoding="utf-8")
    return root / "shared"


def test_eval_mediqa_on_a_damaged_cached_index_is_one_line(tmp_path: Path) -> None:
    shared, cache = _mediqa_shared(tmp_path), tmp_path / "cache"
    args = ["eval", "mediqa", "--shared", str(shared), "--cache", str(cache), "--no-save",
            "--folds", "0", "--no-baseline"]
    first = run(*args)
    assert first.exit_code == 0, first.output
    for current in cache.rglob("CURRENT"):  # damage every cached generation
        gen = current.parent / current.read_text().split()[0]
        next(gen.glob("*.seg")).unlink()
    line = one_line_error(run(*args), 1)
    assert "damaged" in line and "and run again" in line


def test_eval_rqe_on_a_damaged_data_file_is_one_line(tmp_path: Path) -> None:
    rqe = tmp_path / "data" / "rqe"
    rqe.mkdir(parents=True)
    from indexer.eval.rqe import rqe_path

    rqe_path(tmp_path, "validation").write_text("<pairs><pair pid='1' value='", "utf-8")
    line = one_line_error(run("eval", "rqe", "--shared", str(tmp_path)), 1)
    assert "cannot read XML" in line


def test_report_queries_on_a_damaged_store_is_one_line(tmp_path: Path) -> None:
    from indexer.editors.querylog import DB_NAME

    (tmp_path / DB_NAME).write_bytes(b"this is not a database file" * 100)
    line = one_line_error(run("report", "queries", "--log-dir", str(tmp_path)), 1)
    assert "database" in line


# --------------------------------------------------------------------------- exit status
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_search_exits_like_grep(sample_index: Path, fmt: str) -> None:
    found = run("search", "acupuncture", "--index", str(sample_index), "--format", fmt)
    assert found.exit_code == 0, found.output
    none = run("search", SAMPLE_MISS, "--index", str(sample_index), "--format", fmt)
    assert none.exit_code == 1 and none.exception.__class__ is SystemExit, none.output
    assert "0 result(s)" in none.output if fmt == "text" else json.loads(none.stdout)["total"] == 0
    past = run("search", "acupuncture", "--index", str(sample_index), "--offset", "1000")
    assert past.exit_code == 1, past.output  # nothing to show on that page
    bad = run("search", "acupuncture", "--index", str(sample_index), "--limit", "many")
    assert bad.exit_code == 2


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_similar_exits_like_grep(sample_index: Path, fmt: str) -> None:
    found = run("similar", "is acupuncture safe in pregnancy", "--index", str(sample_index),
                "--format", fmt)
    assert found.exit_code == 0, found.output
    none = run("similar", SAMPLE_MISS, "--index", str(sample_index), "--format", fmt)
    assert none.exit_code == 1, none.output
    assert none.stdout == ("No similar questions.\n" if fmt == "text" else "[]\n")
    assert run("similar", "x", "--limit", "0", "--index", str(sample_index)).exit_code == 2


def test_exit_status_is_in_the_help() -> None:
    for command in ("search", "similar"):
        out = run(command, "--help").output
        assert "Exit status (as grep): 0 when" in out and "1 when" in out and "2 on an error" in out


# --------------------------------------------------------------------------- --format / --json
def _json_commands(sample_index: Path, tmp_path: Path) -> dict[str, list[str]]:
    (tmp_path / "log").mkdir()
    return {
        "search": ["search", "back pain", "--index", str(sample_index)],
        "search-misspelt": ["search", "sciatia", "--no-autocorrect", "--index",
                            str(sample_index)],
        "similar": ["similar", "my back hurts after lifting", "--index", str(sample_index)],
        "duplicates": ["duplicates", "--no-progress", "--index", str(sample_index),
                       "--decisions-dir", str(tmp_path / "log")],
        "report queries": ["report", "queries", "--log-dir", str(tmp_path / "log")],
        "eval mediqa": ["eval", "mediqa", "--shared", str(_mediqa_shared(tmp_path)), "--cache",
                        str(tmp_path / "cache"), "--no-save", "--folds", "0"],
    }


def test_json_is_a_hidden_alias_of_format_json(sample_index: Path, tmp_path: Path) -> None:
    for name, args in _json_commands(sample_index, tmp_path).items():
        new = run(*args, "--format", "json")
        old = run(*args, "--json")
        assert new.exit_code == old.exit_code == 0, (name, new.output, old.output)
        assert old.stdout == new.stdout, name
        json.loads(new.stdout)


def test_json_alias_output_is_what_json_printed_before(sample_index: Path) -> None:
    """`--json` printed `json.dumps(result.to_dict(), ensure_ascii=False, indent=1)` for a
    search and an indent-2 list of hits for similar: the same bytes as before."""
    from indexer.editors.similar import similar_questions
    from indexer.index.store import IndexStore
    from indexer.search import search

    with IndexStore(sample_index).searcher() as s:
        result = search(s, "acupuncture for sciatia")
        hits = similar_questions(s, "acupuncture for sciatia", limit=10)
    expected = json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n"
    assert run("search", "acupuncture for sciatia", "--index", str(sample_index),
               "--json").stdout == expected
    expected = json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2) + "\n"
    assert run("similar", "acupuncture for sciatia", "--index", str(sample_index),
               "--json").stdout == expected


def test_json_with_another_format_is_a_usage_error(sample_index: Path) -> None:
    result = run("search", "x", "--index", str(sample_index), "--json", "--format", "text")
    assert result.exit_code == 2 and "--json means --format json" in result.output
    ok = run("search", "x", "--index", str(sample_index), "--json", "--format", "json")
    assert ok.exit_code in (0, 1) and json.loads(ok.stdout)


def test_trec_is_the_format_of_batch_runs(sample_index: Path, tmp_path: Path) -> None:
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tacupuncture\n", encoding="utf-8")
    for command in ("search", "similar"):
        out = tmp_path / f"{command}.txt"
        res = run(command, "--batch", str(topics), "--run-out", str(out), "--format", "trec",
                  "--index", str(sample_index))
        assert res.exit_code == 0, res.output
        assert out.read_text().split()[:2] == ["q1", "Q0"]
        for bad in (["--format", "json"], ["--json"], ["--format", "text"]):
            res = run(command, "--batch", str(topics), "--run-out", str(out), *bad,
                      "--index", str(sample_index))
            assert res.exit_code == 2 and "--batch writes a TREC run" in res.output
        res = run(command, "acupuncture", "--format", "trec", "--index", str(sample_index))
        assert res.exit_code == 2 and "--format trec is the output of --batch" in res.output


def test_no_command_shows_a_json_flag_and_data_commands_show_format() -> None:
    for path, command in _commands():
        params = {p.name: p for p in command.params}
        if "fmt" in params:
            assert params["fmt"].opts == ["--format"]
            assert "json" in params["fmt"].type.choices, path
            assert params["as_json"].hidden, path
        assert "--json" not in run(*path, "--help").output, path


# --------------------------------------------------------------------------- examples
def _commands(group: click.Group = cli, path: tuple[str, ...] = ()
              ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _examples(help_text: str) -> list[list[str]]:
    """The `qasearch ...` lines of the Examples block, as argument lists (shell comments,
    continuations, redirections and pipes removed)."""
    block = help_text.split("Examples:", 1)[1]
    block = block.split("\n\n", 1)[0].replace("\\\n", " ")
    lines = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0] != "qasearch":
            continue
        for stop in ("|", ">", "&"):
            if stop in words:
                words = words[: words.index(stop)]
        lines.append(words[1:])
    return lines


def _check_example(args: list[str]) -> None:
    """`args` name an existing command, and each option is one of its visible options with
    a valid value (nothing is run)."""
    command: click.Command = cli
    while isinstance(command, click.Group) and args and args[0] in command.commands:
        command, args = command.commands[args[0]], args[1:]
    assert not isinstance(command, click.Group), args
    options = {opt: p for p in command.params if isinstance(p, click.Option)
               for opt in (*p.opts, *p.secondary_opts)}
    options.update({"-h": None, "--help": None})
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.startswith("-") or word == "-":
            continue
        param = options.get(word)
        assert word in options and not (param and param.hidden), f"{word} in {args}"
        if param is not None and not param.is_flag:
            value = args[i]
            i += 1
            if isinstance(param.type, click.Choice):
                assert value in param.type.choices, f"{word} {value}"
            elif isinstance(param.type, NUMBERS):
                param.type.convert(value, param, None)  # raises on a bad number


NUMBERS = (click.types.IntParamType, click.types.FloatParamType)


@pytest.mark.parametrize("path", [(), *(path for path, _command in _commands())],
                         ids=lambda path: " ".join(("qasearch", *path)))
def test_every_command_has_examples_that_parse(path: tuple[str, ...]) -> None:
    command = cli
    for name in path:
        command = command.commands[name]
    out = run(*path, "--help").output
    if path == ("serve",) and "Examples:" not in out:
        pytest.skip("search_app/serve.py has no Examples block yet (its owner's file)")
    assert "Examples:" in out
    examples = _examples(out)
    assert examples
    if not isinstance(command, click.Group):
        assert any(tuple(ex[: len(path)]) == path for ex in examples)
    for example in examples:
        _check_example(example)


def test_examples_run(sample_index: Path, tmp_path: Path, monkeypatch) -> None:
    """The search and similar examples, run as written on the sample index."""
    monkeypatch.setenv("QASEARCH_INDEX_DIR", str(sample_index))
    for command in ("search", "similar"):
        for example in _examples(run(command, "--help").output):
            if "--batch" in example:
                continue
            example = [str(sample_index) if a == "index" else a for a in example]
            result = run(*example)
            assert result.exit_code == 0, (example, result.output)
