"""Publishing a generation to replicas: copied, verified, swapped in; servers reading the
replica's folder pick it up on their next search; a damaged copy is never swapped in."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from indexer.index import publish as pub
from indexer.index.build import CURRENT, build_index, current_generation
from indexer.index.publish import INCOMING_PREFIX, PublishError, is_remote, publish, receive
from indexer.index.store import IndexStore
from indexer.records import Record
from indexer.search import search


def rec(i: int, word: str = "acupuncture") -> Record:
    return Record(id=f"r{i}", question=f"Question {i} about {word} and back pain number{i}?",
                  answer=f"Answer {i}: needles, sessions and gentle {word} treatment.")


def hits(store: IndexStore, query: str) -> list[str]:
    with store.searcher() as s:
        return [h.id for h in search(s, query, limit=50).hits]


@pytest.fixture
def built(tmp_path: Path) -> Path:
    src = tmp_path / "build"
    build_index([rec(i) for i in range(4)], src)
    return src


def test_remote_targets_follow_rsync_s_rule():
    assert is_remote("web2:/srv/qasearch/index") and is_remote("deploy@web2:index")
    assert not is_remote("/srv/qasearch/index") and not is_remote("./a:b")
    assert not is_remote("relative/dir")


def test_publish_copies_verifies_and_swaps(built: Path, tmp_path: Path):
    replica = tmp_path / "replica"
    report = publish(built, str(replica))
    gen = current_generation(built)
    assert report.changed and report.generation == gen and report.previous is None
    assert (replica / CURRENT).read_text().split() == [gen]
    same = filecmp.dircmp(built / gen, replica / gen)
    assert not same.left_only and not same.right_only and not same.diff_files
    assert not list(replica.glob(INCOMING_PREFIX + "*"))
    assert hits(IndexStore(replica), "number2") == ["r2"]
    again = publish(built, str(replica))
    assert not again.changed and "already live" in again.summary()


def test_a_running_server_picks_up_a_new_generation_without_restart(built, tmp_path):
    replica = tmp_path / "replica"
    publish(built, str(replica))
    store = IndexStore(replica)  # a server process reading the replica's folder
    assert hits(store, "moxibustion") == []
    first = current_generation(replica)
    build_index([rec(i) for i in range(4)] + [rec(7, "moxibustion")], built)
    report = publish(built, str(replica))
    assert report.previous == first
    assert hits(store, "moxibustion") == ["r7"]  # the next search, same process
    assert (replica / CURRENT).read_text().split() == [report.generation, first]
    build_index([rec(i) for i in range(3)], built)
    third = publish(built, str(replica))
    kept = sorted(p.name for p in replica.iterdir() if p.name.startswith("gen-"))
    assert kept == sorted([third.generation, report.generation])  # the old one is removed


@pytest.mark.parametrize("damage", ["truncate", "flip", "missing"])
def test_a_damaged_copy_is_refused_and_the_live_index_stays(built, tmp_path, monkeypatch,
                                                            damage):
    replica = tmp_path / "replica"
    publish(built, str(replica))
    live = current_generation(replica)
    build_index([rec(i) for i in range(4)] + [rec(7, "moxibustion")], built)
    copy = pub.shutil.copyfile

    def bad_copy(src, dst):
        copy(src, dst)
        if Path(dst).suffix == ".seg":  # the Whoosh segment: damaged "in transit"
            data = Path(dst).read_bytes()
            if damage == "truncate":
                Path(dst).write_bytes(data[: len(data) // 2])
            elif damage == "flip":
                Path(dst).write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
            else:
                Path(dst).unlink()
        return dst

    monkeypatch.setattr(pub.shutil, "copyfile", bad_copy)
    with pytest.raises(PublishError, match=r"incomplete or damaged.*live index was left"):
        publish(built, str(replica))
    assert current_generation(replica) == live
    assert hits(IndexStore(replica), "number1") == ["r1"]
    monkeypatch.setattr(pub.shutil, "copyfile", copy)
    report = publish(built, str(replica))  # publishing again repairs the copy
    assert report.changed and hits(IndexStore(replica), "moxibustion") == ["r7"]


def test_receive_drops_stray_files_of_an_interrupted_transfer(built, tmp_path):
    replica = tmp_path / "replica"
    gen = current_generation(built)
    incoming = replica / f"{INCOMING_PREFIX}{gen}"
    incoming.mkdir(parents=True)
    for path in (built / gen).iterdir():
        (incoming / path.name).write_bytes(path.read_bytes())
    (incoming / ".MAIN_x.seg.AbC123").write_bytes(b"partial")  # rsync's temporary file
    report = receive(replica, incoming)
    assert report.changed and not (replica / gen / ".MAIN_x.seg.AbC123").exists()
    assert json.loads((replica / gen / "checksums.json").read_text())["files"]


def test_an_older_generation_needs_allow_older(built, tmp_path):
    replica = tmp_path / "replica"
    old = current_generation(built)
    publish(built, str(replica))
    build_index([rec(i) for i in range(5)], built)
    publish(built, str(replica))
    new = current_generation(replica)
    with pytest.raises(PublishError, match=r"older than the live.*--allow-older"):
        publish(built, str(replica), generation=old)
    assert current_generation(replica) == new
    back = publish(built, str(replica), generation=old, allow_older=True)  # a roll-back
    assert back.changed and current_generation(replica) == old


def test_clear_errors(tmp_path, built):
    with pytest.raises(PublishError, match="no index in"):
        publish(tmp_path / "nothing", str(tmp_path / "replica"))
    with pytest.raises(PublishError, match="no generation 'gen-nope'"):
        publish(built, str(tmp_path / "replica"), generation="gen-nope")
    with pytest.raises(PublishError, match="is the index being published"):
        publish(built, str(built))
    with pytest.raises(PublishError, match="rsync daemon"):
        publish(built, "rsync://host/module")
    with pytest.raises(PublishError, match="expected"):
        receive(tmp_path / "replica", tmp_path / "elsewhere")
    gen = current_generation(built)
    seg = next((built / gen).glob("*.seg"))
    seg.write_bytes(seg.read_bytes()[:-10])  # damage is never shipped
    with pytest.raises(PublishError, match="is not published"):
        publish(built, str(tmp_path / "replica"))
    assert not (tmp_path / "replica").exists()


# ---------------------------------------------------------------------------------------------
# The command, locally and over a remote shell.


def run_cli(*args: str):
    from click.testing import CliRunner

    from indexer.cli import cli

    return CliRunner().invoke(cli, ["publish", *args])


def test_publish_command_to_two_folders(built, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    out = run_cli("--index", str(built), "--to", str(a), "--to", str(b))
    assert out.exit_code == 0, out.output
    gen = current_generation(built)
    assert out.output.count(f"{gen} is live") == 2
    assert current_generation(a) == current_generation(b) == gen
    again = run_cli("--index", str(built), "--to", str(a), "--format", "json")
    data = json.loads(again.output)
    assert data["failed"] == [] and data["published"][0]["changed"] is False


def test_one_failed_target_is_reported_and_exits_1(built, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = run_cli("--index", str(built), "--to", str(blocker), "--to", str(tmp_path / "ok"))
    assert out.exit_code == 1
    assert "error: " in out.output and "1 of 2 targets not published" in out.output
    assert current_generation(tmp_path / "ok") == current_generation(built)
    assert run_cli("--index", str(built)).exit_code == 2  # no --to: a usage error


def test_publish_over_a_remote_shell_with_rsync(built, tmp_path):
    """`host:folder` targets: rsync copies through the remote shell, then `qasearch publish
    --receive` verifies and swaps on the "replica" (here a shell that runs it locally)."""
    import shutil
    import sys

    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed (`make redis` installs it; apt-get install rsync)")
    rsh = tmp_path / "fake-ssh"
    rsh.write_text('#!/bin/sh\n# like ssh HOST COMMAND, on this machine\nshift\nexec sh -c "$*"\n')
    rsh.chmod(0o755)
    qasearch = str(Path(sys.executable).with_name("qasearch"))
    replica = tmp_path / "replica" / "index"
    out = run_cli("--index", str(built), "--to", f"web9:{replica}", "--rsh", str(rsh),
                  "--remote-qasearch", qasearch)
    assert out.exit_code == 0, out.output
    gen = current_generation(built)
    assert f"web9:{replica}: {gen} is live" in out.output
    assert current_generation(replica) == gen
    assert hits(IndexStore(replica), "number3") == ["r3"]
    build_index([rec(i) for i in range(2)], built)
    (built / current_generation(built) / "rank.json.gz").write_text("{}")  # damaged at the source
    out = run_cli("--index", str(built), "--to", f"web9:{replica}", "--rsh", str(rsh),
                  "--remote-qasearch", qasearch)
    assert out.exit_code == 1 and "is not published" in out.output
    assert current_generation(replica) == gen


def test_a_damaged_copy_received_over_rsync_is_refused(built, tmp_path):
    from indexer.cli import cli  # noqa: F401  (the command must exist on the replica)

    gen = current_generation(built)
    replica = tmp_path / "replica"
    incoming = replica / f"{INCOMING_PREFIX}{gen}"
    incoming.mkdir(parents=True)
    for path in (built / gen).iterdir():
        (incoming / path.name).write_bytes(path.read_bytes())
    (incoming / "rank.npz").write_bytes(b"cut short")
    out = run_cli("--receive", str(incoming), "--index", str(replica))
    assert out.exit_code == 1 and "incomplete or damaged" in out.output
    assert current_generation(replica) is None
