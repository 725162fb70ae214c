"""Damaged generations, full disks, read-only folders: a clear one-line error, and the last
intact index keeps serving (the store falls back to the generation the damaged one replaced)."""

from __future__ import annotations

import contextlib
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from killer import corpus

from indexer.cli import cli
from indexer.index.build import BuildError, build_index, current_generation
from indexer.index.store import IndexDamaged, IndexStore
from indexer.search import search


def _truncate(gen: Path) -> None:
    seg = max(gen.glob("*.seg"), key=lambda p: p.stat().st_size)
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def _garble(pattern: str):
    def damage(gen: Path) -> None:
        (path,) = gen.glob(pattern)
        data = bytearray(path.read_bytes())
        for i in range(0, len(data), 7):
            data[i] ^= 0x5A
        path.write_bytes(bytes(data))
    return damage


DAMAGE = {
    "truncated segment": _truncate,
    "corrupt table of contents": _garble("_MAIN_*.toc"),
    "corrupt meta": _garble("meta.json"),
    "corrupt ranking arrays": _garble("rank.npz"),
    "corrupt ranking json": _garble("rank.json.gz"),
    "corrupt duplicate groups": _garble("duplicates.json.gz"),
    "missing checksums": lambda gen: (gen / "checksums.json").unlink(),
    "missing segment": lambda gen: next(gen.glob("*.seg")).unlink(),
}


@pytest.fixture
def two_builds(tmp_path: Path) -> tuple[Path, str, str]:
    idx = tmp_path / "idx"
    first = build_index(corpus(30, "acupuncture"), idx).generation
    second = build_index(corpus(30, "moxibustion"), idx).generation
    return idx, first, second


def served(idx: Path, word: str) -> tuple[str, int]:
    with IndexStore(idx).searcher() as s:
        return s.gen.name, search(s, word).total


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_damaged_live_generation_falls_back_to_the_previous(two_builds, kind, caplog) -> None:
    idx, first, second = two_builds
    DAMAGE[kind](idx / second)
    with caplog.at_level(logging.ERROR, logger="indexer.index.store"):
        assert served(idx, "acupuncture") == (first, 30)
    (message,) = [r.getMessage() for r in caplog.records]
    assert second in message and "damaged" in message and "qasearch index --full" in message
    assert "\n" not in message


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_nothing_intact_left_is_one_clear_error(two_builds, kind) -> None:
    idx, first, second = two_builds
    DAMAGE[kind](idx / second)
    DAMAGE["truncated segment"](idx / first)
    with pytest.raises(IndexDamaged) as caught, IndexStore(idx).searcher():
        pass
    message = str(caught.value)
    assert "damaged" in message and f"qasearch index --full --index {idx}" in message
    result = CliRunner().invoke(cli, ["search", "acupuncture", "--index", str(idx)])
    assert result.exit_code == 2 and result.exception.__class__ is SystemExit
    assert result.output.count("\n") == 1 and "qasearch index --full" in result.output


def test_search_command_serves_the_previous_build_of_a_damaged_index(two_builds) -> None:
    idx, _first, second = two_builds
    _truncate(idx / second)
    result = CliRunner().invoke(cli, ["search", "acupuncture", "--index", str(idx)])
    assert result.exit_code == 0, result.output
    assert "30 result(s)" in result.output


def test_server_starts_on_a_damaged_live_generation(two_builds, tmp_path) -> None:
    from search_app import create_app
    from search_app.index import warm_up
    from search_app.settings import Settings

    idx, first, second = two_builds
    _garble("_MAIN_*.toc")(idx / second)
    settings = Settings.load(overrides={"index_dir": idx, "query_log_dir": tmp_path / "var",
                                        "rate_limit": ""}, environ={})
    app = create_app(settings)
    assert warm_up(app)
    body = app.test_client().get("/api/search?q=acupuncture").get_json()
    assert body["ok"] and body["data"]["total"] == 30
    _truncate(idx / first)
    fresh = create_app(settings)
    response = fresh.test_client().get("/api/search?q=acupuncture")
    assert response.status_code == 503
    message = response.get_json()["error"]["message"]
    assert "rebuilt" in message and str(idx) not in message


def test_incremental_build_over_a_damaged_live_generation_rebuilds(two_builds) -> None:
    idx, _first, second = two_builds
    _truncate(idx / second)
    report = build_index(corpus(30, "moxibustion"), idx)
    assert not report.incremental and report.added == 30
    assert any("damaged" in p and "rebuilt from scratch" in p for p in report.problems)
    assert served(idx, "moxibustion") == (report.generation, 30)


def test_index_into_a_file_is_one_line(tmp_path) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    source = tmp_path / "r.jsonl"
    source.write_text('{"id": "a", "question": "q", "answer": "a"}\n')
    result = CliRunner().invoke(cli, ["index", "-q", "--source", str(source),
                                      "--index", str(target)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {target} is a file")
    assert target.read_text() == "x"


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'not permitted'})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


# Whoosh's writer does not close its segment files when a write fails (the garbage collector
# does, with a ResourceWarning): the build's own files are all closed.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("parallel", [False, True])
def test_full_disk_fails_cleanly_and_the_old_index_serves(tmp_path, monkeypatch,
                                                          parallel) -> None:
    if parallel:  # with writer subprocesses, which may be the ones to hit the full disk
        monkeypatch.setattr("indexer.index.build.PARALLEL_MIN_RECORDS", 100)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        idx = disk / "idx"
        old = build_index(corpus(20, "acupuncture"), idx).generation
        # (more than the 1 MB disk holds: words of their own, not only one repeated)
        big = [r.rehashed(answer=r.answer + " moxibustion" * 400
                          + "".join(f" w{k}x{i}" for k in range(20)))
               for i, r in enumerate(corpus(1500, "x"))]
        with pytest.raises(BuildError, match=r"the disk is full.*live index was left as it was"):
            build_index(big, idx, full=True)
        assert current_generation(idx) == old
        assert served(idx, "acupuncture") == (old, 20)
        assert sorted(p.name for p in idx.iterdir() if p.name.startswith("gen-")) == [old]
        assert build_index(corpus(20, "moxibustion"), idx).records == 20  # room again


def test_read_only_folder_fails_cleanly_and_the_old_index_serves(tmp_path) -> None:
    with tmpfs(tmp_path / "ro", "4m") as disk:
        idx = disk / "idx"
        old = build_index(corpus(20, "acupuncture"), idx).generation
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        source = tmp_path / "r.jsonl"
        source.write_text('{"id": "a", "question": "q", "answer": "a"}\n')
        result = CliRunner().invoke(cli, ["index", "-q", "--source", str(source),
                                          "--index", str(idx)])
        assert result.exit_code == 1, result.output
        last = result.output.strip().splitlines()[-1]
        assert "read-only" in last and "live index was left as it was" in last
        assert served(idx, "acupuncture") == (old, 20)
