"""The build's side job (the duplicate groups beside the writers): its progress reaches the
build, and a side job that dies or fails fails the build with a clear error."""

from __future__ import annotations

import errno
import os
import signal

import pytest

from indexer.index import mpwriter


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
