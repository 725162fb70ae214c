"""Building generations: atomic swap, failures and kills leave the old index serving,
incremental builds skip unchanged records, the store picks up a new generation."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indexer.index.build import CURRENT, BuildError, _build_lock, build_index, current_generation
from indexer.index.store import IndexNotFound, IndexStore
from indexer.records import Record
from indexer.search import get_record, index_stats, search

ROOT = Path(__file__).resolve().parents[2]


def rec(i: int, question: str | None = None, answer: str | None = None) -> Record:
    return Record(
        id=f"r{i}",
        question=question or f"Question {i} about acupuncture and back pain number{i}?",
        answer=answer or f"Answer {i}: needles, sessions and gentle treatment word{i}.",
        categories=[["muscles", "back"]] if i % 2 else [["sleep"]],
    )


def hits(index_dir: Path, query: str) -> list[str]:
    store = IndexStore(index_dir)
    with store.searcher() as s:
        return [h.id for h in search(s, query, limit=50).hits]


def test_build_then_search(tmp_path: Path) -> None:
    report = build_index([rec(i) for i in range(5)], tmp_path / "idx")
    assert report.records == report.added == 5 and not report.incremental
    assert hits(tmp_path / "idx", "number3") == ["r3"]
    assert (tmp_path / "idx" / CURRENT).read_text().split() == [report.generation]
    assert not list((tmp_path / "idx" / report.generation).glob("*WRITELOCK*"))
    # the wall time of each stage, in the order they ran (benchmarks print them)
    assert list(report.stages) == ["records", "ranking", "duplicates", "checks"]
    assert all(v >= 0 for v in report.stages.values())
    assert sum(report.stages.values()) <= report.seconds + report.stages["checks"] + 0.01


def test_incremental_build_reindexes_only_changes(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = build_index([rec(i) for i in range(6)], idx)
    changed = [rec(i) for i in range(6) if i != 2]  # r2 removed
    changed[0] = rec(0, answer="A new answer about moxibustion.")  # r0 changed
    changed.append(rec(9))  # r9 added
    second = build_index(changed, idx)
    assert second.incremental
    assert (second.added, second.updated, second.removed, second.unchanged) == (1, 1, 1, 4)
    assert second.generation != first.generation
    assert hits(idx, "moxibustion") == ["r0"]
    assert hits(idx, "number2") == []
    assert hits(idx, "number9") == ["r9"]
    assert hits(idx, "number4") == ["r4"]  # an unchanged record is still found
    assert hits(idx, "word0") == []  # the old text of a changed record is gone
    store = IndexStore(idx)
    with store.searcher() as s:
        assert index_stats(s)["records"] == 6
        assert get_record(s, "r2") is None
        assert get_record(s, "r0").answer.startswith("A new answer")
    # the same input again: nothing to do, everything unchanged
    third = build_index(changed, idx)
    assert (third.added, third.updated, third.removed, third.unchanged) == (0, 0, 0, 6)
    # only the live and the previous generation are kept
    gens = sorted(p.name for p in idx.iterdir() if p.name.startswith("gen-"))
    assert gens == sorted([second.generation, third.generation])


def test_full_rebuild_matches_incremental(tmp_path: Path) -> None:
    records = [rec(i) for i in range(8)]
    build_index(records[:5], tmp_path / "a")
    build_index(records, tmp_path / "a")
    build_index(records, tmp_path / "b", full=True)
    for q in ("acupuncture", "number6", "needles sessions", "back pain"):
        assert hits(tmp_path / "a", q) == hits(tmp_path / "b", q), q


def test_failed_build_leaves_old_index_serving(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = build_index([rec(i) for i in range(4)], idx)

    def boom(n: int) -> None:
        if n == 3:
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        build_index([rec(i) for i in range(10, 20)], idx, _after_add=boom)
    assert current_generation(idx) == first.generation
    assert hits(idx, "number1") == ["r1"]
    assert hits(idx, "number12") == []
    assert [p.name for p in idx.iterdir() if p.name.startswith("gen-")] == [first.generation]
    with _build_lock(idx):  # the lock was released
        pass


def test_store_picks_up_a_new_generation(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    build_index([rec(1)], idx)
    store = IndexStore(idx)
    with store.searcher() as s:
        assert [h.id for h in search(s, "acupuncture").hits] == ["r1"]
        build_index([rec(1), rec(2)], idx)
        # an open session keeps its generation
        assert [h.id for h in search(s, "acupuncture").hits] == ["r1"]
    with store.searcher() as s:
        assert sorted(h.id for h in search(s, "acupuncture").hits) == ["r1", "r2"]


def test_store_without_index(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "nothing")
    assert not store.exists()
    with pytest.raises(IndexNotFound), store.searcher():
        pass
    assert not (tmp_path / "nothing").exists()  # opening did no I/O that creates things


def test_concurrent_build_is_refused(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    idx.mkdir()
    with _build_lock(idx), pytest.raises(BuildError, match=rf"\(pid {os.getpid()} since "):
        build_index([rec(1)], idx)


def test_killed_build_leaves_old_index_and_no_stale_lock(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    first = build_index([rec(i) for i in range(3)], idx)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from indexer.index.build import build_index
        from indexer.records import Record

        def stall(n):
            if n == 5:  # mid-build: say so, then wait (for the kill) on a pipe that stays open
                print("started", flush=True)
                sys.stdin.read()

        recs = [Record(id=f"k{{i}}", question=f"killed {{i}}", answer="never") for i in range(500)]
        build_index(recs, Path({str(idx)!r}), _after_add=stall)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the build did not reach its fifth record within 60 s"
        assert proc.stdout.readline().strip() == "started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert current_generation(idx) == first.generation
    assert hits(idx, "number2") == ["r2"]
    assert hits(idx, "killed") == []
    gens = [p.name for p in idx.iterdir() if p.name.startswith("gen-")]
    leftovers = [g for g in gens if g != first.generation]
    assert leftovers  # the killed build's folder is still there...
    second = build_index([rec(7)], idx)  # ...no stale lock stops the next build...
    assert hits(idx, "number7") == ["r7"]
    names = {p.name for p in idx.iterdir() if p.name.startswith("gen-")}
    assert names == {first.generation, second.generation}  # ...which cleans it up


def test_empty_index_builds_and_answers(tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    assert build_index([], idx).records == 0
    assert hits(idx, "back pain") == []
    assert hits(idx, "What causes shingles? I have had it for years.") == []
    build_index([rec(1)], idx)
    assert hits(idx, "number1") == ["r1"]
    report = build_index([], idx)  # everything removed
    assert (report.removed, report.records) == (1, 0) and hits(idx, "number1") == []


def test_a_thread_holding_the_generation_lock_can_open_its_searcher(tmp_path: Path) -> None:
    import threading

    build_index([rec(1)], tmp_path / "idx")
    store = IndexStore(tmp_path / "idx")
    done = []

    def work() -> None:
        with store.searcher() as s, s.gen.lock:  # e.g. building a derived index
            done.append(search(s, "number1").hits[0].id)

    t = threading.Thread(target=work)
    t.start()
    t.join(timeout=20)
    assert done == ["r1"]
