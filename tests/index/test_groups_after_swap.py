"""A build whose duplicate groups run in a process of their own swaps its generation in as soon
as it is searchable and stores the groups after: meanwhile readers see "being computed by the
build" with its progress (nothing computes them twice), publishing waits for them, and
`duplicate_clusters` waits for the build; then they are in the generation and its checksums.
A build killed after the swap leaves a searchable generation whose groups are computed on
demand, and the next build starts at once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from killer import corpus, next_build, run_trial, write_records

from indexer.cli.editors import _stored_groups
from indexer.editors import duplicates as dup
from indexer.editors.duplicates import store
from indexer.index import build, checks, pending
from indexer.index.build import build_index, current_generation
from indexer.index.publish import PublishError, publish
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search


def _records(n: int = 120) -> list[Record]:
    """`corpus` records plus pairs that ask the same thing (so there are groups)."""
    twins = [Record(id=f"t{i}{k}", question=f"Can quilt fever number {i} come back after "
                    f"treatment{'?' if k else ' ?'}", answer=f"Quilt fever {i} answer {k}.")
             for i in range(10) for k in range(2)]
    return [*corpus(n, "acupuncture"), *twins]


@pytest.fixture()
def held(monkeypatch: pytest.MonkeyPatch):
    """The groups' process waits for a byte on a pipe before it computes (forked: it runs
    the patched function); yields the release function."""
    read_end, write_end = os.pipe()
    real = build._write_groups

    def waiting(*args, **kwargs):
        os.read(read_end, 1)
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "_write_groups", waiting)
    monkeypatch.setattr(build, "PARALLEL_MIN_RECORDS", 50)
    monkeypatch.setattr(build, "_procs", lambda n: 2 if n >= 50 else 1)
    yield lambda: os.write(write_end, b"x")
    os.close(read_end)
    os.close(write_end)


def test_searchable_before_the_groups_which_are_stored_after(tmp_path: Path, held) -> None:
    idx, records = tmp_path / "idx", _records()
    seen: dict = {}

    def at(stage: str) -> None:
        if stage != "swapped":
            return
        gen = current_generation(idx)
        seen["gen"] = gen
        st = IndexStore(idx)
        with st.searcher() as s:
            seen["hits"] = search(s, "acupuncture", limit=1).total
            groups = dup.generation_groups(s)
            seen["state"] = (groups.state, groups.source)
        checks.verify(idx / gen)  # the checksums hold without the groups file
        seen["pending"] = pending.pending(idx / gen) is not None
        with pytest.raises(PublishError, match="duplicate groups"):
            publish(idx, str(tmp_path / "replica"))
        waiter.append(threading.Thread(target=wait_for_groups, args=(st,)))
        waiter.append(threading.Thread(target=cli_waits, args=(idx / gen,)))
        for w in waiter:
            w.start()
        held()

    def wait_for_groups(st: IndexStore) -> None:
        with st.searcher() as s:
            seen["waited"] = [c.ids for c in dup.duplicate_clusters(s)]

    def cli_waits(gen_dir: Path) -> None:  # `qasearch duplicates` meanwhile
        seen["cli"] = [c.ids for c in _stored_groups(gen_dir, progress=False).clusters]

    waiter: list[threading.Thread] = []

    said: list[tuple[float, dict]] = []
    report = build_index(records, idx, _at=at,
                         on_searchable=lambda r: said.append((r.searchable, dict(r.stages))))
    for w in waiter:
        w.join(60)
    gen_dir = idx / seen["gen"]
    assert seen["hits"] == 120 and seen["state"] == ("computing", "build") and seen["pending"]
    assert said and "duplicates" not in said[0][1]
    assert report.searchable <= report.seconds and "duplicates" in report.stages
    expected = [c.ids for c in dup.clusters_for_records(records)]
    assert expected and seen["waited"] == expected and seen["cli"] == expected
    assert not (gen_dir / pending.PENDING).exists()
    assert checks.file_intact(gen_dir, store.FILE)
    checks.verify(gen_dir)
    assert [c.ids for c in store.read_groups(gen_dir).clusters] == expected
    with IndexStore(idx).searcher() as s:
        assert dup.generation_groups(s).state == "ready"
    assert publish(idx, str(tmp_path / "replica")).changed
    assert (tmp_path / "replica" / seen["gen"] / store.FILE).is_file()


def test_a_failed_groups_process_leaves_the_generation_live(tmp_path: Path, held,
                                                             monkeypatch) -> None:
    def failing(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "_write_groups", failing)
    idx, records = tmp_path / "idx", _records()
    report = build_index(records, idx)
    gen_dir = idx / current_generation(idx)
    assert any("duplicate groups could not be stored" in p for p in report.problems)
    assert not (gen_dir / pending.PENDING).exists() and not (gen_dir / store.FILE).exists()
    checks.verify(gen_dir)
    with IndexStore(idx).searcher() as s:  # computed on demand, as for an older generation
        assert dup.generation_groups(s).source == "background"
        assert [c.ids for c in dup.duplicate_clusters(s)] == [
            c.ids for c in dup.clusters_for_records(records)]


def test_a_build_killed_after_the_swap_leaves_groups_computed_on_demand(
        tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    old, new = _records(400), corpus(400, "moxibustion")
    build_index(old, idx)
    os.environ["KILLER_HOLD_GROUPS"] = "1"  # the groups' process never stores them
    try:
        trial = run_trial(idx, write_records(tmp_path / "new.jsonl", new), "swapped",
                          "acupuncture", "moxibustion", 400, IndexStore(idx))
    finally:
        del os.environ["KILLER_HOLD_GROUPS"]
    assert trial.returncode == -9 and not trial.problems, trial.problems
    gen_dir = idx / current_generation(idx)
    assert (gen_dir / pending.PENDING).exists() and pending.pending(gen_dir) is None
    assert not (gen_dir / store.FILE).exists()
    with IndexStore(idx).searcher() as s:
        assert dup.generation_groups(s).source == "background"
        assert [c.ids for c in dup.duplicate_clusters(s)] == [
            c.ids for c in dup.clusters_for_records(new)]
    assert not next_build(idx, old)
    assert store.read_groups(idx / current_generation(idx)) is not None


def test_qasearch_index_says_when_the_index_is_searchable(tmp_path: Path, held,
                                                         monkeypatch) -> None:
    from click.testing import CliRunner

    from indexer.cli import cli
    from indexer.records import write_jsonl

    held()  # (the groups' process goes on at once)
    source = tmp_path / "records.jsonl"
    write_jsonl(_records(), source)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["index", "--source", str(source), "--index",
                                      str(tmp_path / "idx")])
    assert result.exit_code == 0, result.output
    live = current_generation(tmp_path / "idx")
    assert (f"generation {live} is live: searchable after" in result.output
            and "storing its duplicate groups" in result.output)
    assert "duplicate groups stored after" in result.output
    assert store.read_groups(tmp_path / "idx" / live) is not None
