"""Crash safety of builds: SIGKILL at chosen points (in the build and in its writer
subprocesses); the live index keeps answering, nothing outlives the build, the next build
starts at once, generations do not pile up; a killed crawl resumes to the same mirror. The
full run is bench/kill_harness.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from killer import (
    corpus,
    mirror,
    next_build,
    run_trial,
    scrape_command,
    scrape_trial,
    write_records,
)

from indexer.index.build import build_index
from indexer.index.store import IndexStore
from tests.site import SAMPLE_STORE, LocalSite

N = 400  # with the harness's parallel threshold of 100, the build forks writer subprocesses


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("kill")
    return {"old": corpus(N, "acupuncture"),
            "new": write_records(tmp / "new.jsonl", corpus(N, "moxibustion")),
            "tmp": tmp}


@pytest.mark.parametrize(("point", "full"), [("added:250", True), ("committed", False),
                                             ("checked", False), ("swapped", False)])
def test_killed_build(inputs: dict, tmp_path: Path, point: str, full: bool) -> None:
    idx = tmp_path / "idx"
    build_index(inputs["old"], idx)
    store = IndexStore(idx)  # opened before the kill, like a server's
    trial = run_trial(idx, inputs["new"], point, "acupuncture", "moxibustion", N, store, full)
    assert trial.returncode == -9, trial.output
    assert not trial.problems, trial.problems
    assert not next_build(idx, inputs["old"])


def test_killed_writer_subprocess_fails_the_build(inputs: dict, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    build_index(inputs["old"], idx)
    trial = run_trial(idx, inputs["new"], "writer:250", "acupuncture", "moxibustion", N,
                      IndexStore(idx))
    assert trial.returncode not in (0, -9)
    assert "writer subprocess" in trial.output and "died" in trial.output
    assert not trial.problems, trial.problems
    assert not next_build(idx, inputs["old"])


def test_killed_scrape(tmp_path: Path) -> None:
    with LocalSite.from_store(SAMPLE_STORE) as site:
        reference = tmp_path / "reference"
        subprocess.run(scrape_command(site, reference), check=True, capture_output=True)
        problems = scrape_trial(site, tmp_path / "out", 5, mirror(reference))
    assert not problems, problems
