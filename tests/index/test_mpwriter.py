"""The build's worker processes: a build on several cores writes one Whoosh segment (a new one
only past SEGMENT_POSTINGS), the same documents as a single-process build; the side job (the
duplicate groups beside the workers): its progress reaches the build, and a side job that
dies or fails fails the build with a clear error."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from killer import corpus
from whoosh import index as windex

from indexer.index import mpwriter
from indexer.index.build import build_index
from indexer.index.schema import PHRASE_FIELD, segment_parts


def _segments_and_postings(idx: Path, generation: str) -> tuple[int, dict]:
    ix = windex.open_dir(str(idx / generation))
    try:
        with ix.searcher() as s:
            reader = s.reader()
            ids = s.reader().column_reader("id")
            postings = {}
            for term in reader.lexicon(PHRASE_FIELD):
                m = reader.postings(PHRASE_FIELD, term)
                items = []
                while m.is_active():
                    items.append((ids[m.id()].decode(), tuple(m.value_as("positions"))))
                    m.next()
                postings[term] = sorted(items)
            return len(ix._segments()), postings
    finally:
        ix.close()


@pytest.mark.parametrize("bound", [mpwriter.SEGMENT_POSTINGS, 500])
def test_a_build_on_two_cores_writes_the_documents_of_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int) -> None:
    records = corpus(300, "acupuncture")
    one = build_index(records, tmp_path / "one").generation
    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    monkeypatch.setattr(mpwriter, "SEGMENT_POSTINGS", bound)
    two = build_index(records, tmp_path / "two").generation
    n_one, want = _segments_and_postings(tmp_path / "one", one)
    n_two, got = _segments_and_postings(tmp_path / "two", two)
    assert got == want and n_one == 1
    stored = [segment_parts(tmp_path / name / gen)["stored records"]
              for name, gen in (("one", one), ("two", two))]
    assert stored[1] <= stored[0] * 1.05  # compressed as in one process (not inflated)
    assert n_two == 1 if bound > 10_000 else n_two > 2  # (3,000 postings: new segments)


def _progress_then_done(report) -> None:
    report(3, 4)
    report(4, 4)


def test_a_side_job_reports_progress_and_finishes() -> None:
    job = mpwriter.side_job(_progress_then_done, "the test job")
    seen: list[tuple[int, int]] = []
    job.wait(lambda done, total: seen.append((done, total)))
    assert job.proc.exitcode == 0
    assert seen and seen[-1] == (4, 4)


def _killed(_report) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_side_job_fails_the_build() -> None:
    job = mpwriter.side_job(_killed, "the test job")
    with pytest.raises(mpwriter.WriterDied, match=r"the test job died \(exit code -9\)"):
        job.wait()


def _disk_full(_report) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_side_job_s_disk_error_is_raised_as_such() -> None:
    job = mpwriter.side_job(_disk_full, "the test job")
    with pytest.raises(OSError) as info:
        job.wait()
    assert info.value.errno == errno.ENOSPC and "the test job" in str(info.value)


def _forever(_report) -> None:
    while True:
        signal.pause()


def test_closing_a_side_job_kills_it() -> None:
    job = mpwriter.side_job(_forever, "the test job")
    job.close()
    assert job.proc.exitcode == -signal.SIGKILL
