"""Crash safety, the full run: SIGKILL index builds and crawls at many points and check
that nothing is lost and nothing is stuck (the short version is tests/index/test_kill.py).

    .venv/bin/python bench/kill_harness.py [--records 6000] [--random 12] [--scrape 8]
    .venv/bin/python bench/kill_harness.py --source ../shared/data/medquad --random 8

1. Staged kills: a build (full, with writer subprocesses, or incremental) stopped at every
   named point -- records fed to the writers, committed, ranked, meta, checked, swapped -- and
   killed; and one writer subprocess killed mid-build (the build must fail by itself).
2. Random kills of the real command, `qasearch index --full --source ... --index DIR`, at a
   uniformly random moment of its run (measured first), the main process or a writer.
3. Crawl kills: `qasearch scrape` of tests/site.py's local site killed after N requests.

Checked after every kill: no process of the build outlives it, the index answered every query
of a reader thread that queried throughout, CURRENT names an intact generation (checksums),
never a half-written one, the next build starts at once, and at most three generations are on
disk (two after the next build). Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "index"))

from killer import (  # noqa: E402
    STAGES,
    children_of,
    corpus,
    mirror,
    next_build,
    run_trial,
    scrape_command,
    scrape_trial,
    session_pids,
    wait_gone,
    write_records,
)

from indexer.index import checks  # noqa: E402
from indexer.index.build import build_index, current_generation  # noqa: E402
from indexer.index.lock import LockBusy, build_lock  # noqa: E402
from indexer.index.store import IndexStore  # noqa: E402
from indexer.search import search  # noqa: E402
from tests.site import SAMPLE_STORE, LocalSite  # noqa: E402


class Reader(threading.Thread):
    """Queries the index without pause; counts queries and failures."""

    def __init__(self, index_dir: Path, word: str) -> None:
        super().__init__(daemon=True)
        self.store = IndexStore(index_dir)
        self.word = word
        self.queries = 0
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with self.store.searcher() as s:
                    if search(s, self.word, limit=3).total == 0:
                        self.failures.append(f"no hits for {self.word!r} in {s.gen.name}")
            except Exception as exc:  # any failure to answer is a finding
                self.failures.append(repr(exc))
            self.queries += 1
            time.sleep(0.01)  # leave the build some CPU on a 2-core machine


def staged(tmp: Path, n: int) -> list[str]:
    old, new = corpus(n, "acupuncture"), corpus(n, "acupuncture")
    new = [r.rehashed(answer=r.answer + " moxibustion") for r in new]
    source = write_records(tmp / "staged.jsonl", new)
    points = [(f"added:{k}", True) for k in (1, n // 3, n - 1)]
    points += [(p, full) for p in STAGES for full in (True, False)]
    points += [(f"writer:{k}", True) for k in (n // 4, n - 1)]
    failures = []
    for i, (point, full) in enumerate(points):
        idx = tmp / f"staged{i}"
        build_index(old, idx)
        reader = Reader(idx, "acupuncture")
        reader.start()
        trial = run_trial(idx, source, point, "acupuncture", "moxibustion" if point == "swapped"
                          else "acupuncture", n, reader.store, full)
        problems = trial.problems + next_build(idx, old)
        reader.stop.set()
        reader.join()
        problems += reader.failures[:3]
        mode = "full" if full else "incremental"
        print(f"  {point:<14} {mode:<11} exit {trial.returncode:>3}  "
              f"{reader.queries:>5} queries  {problems or 'ok'}")
        failures += [f"{point}: {p}" for p in problems]
    return failures


def random_kills(tmp: Path, source: Path, kills: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    idx = tmp / "cli"
    command = [sys.executable, "-c", "from search_app.cli import main; main()", "index",
               "--full", "-q", "--source", str(source), "--index", str(idx)]
    t = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    duration = time.monotonic() - t
    word = "treatment"  # in every synthetic record, and in most MedQuAD answers
    print(f"  a full build takes {duration:.1f} s; killing {kills} builds at random moments")
    failures = []
    for i in range(kills):
        reader = Reader(idx, word)
        reader.start()
        live = current_generation(idx)
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        at = rng.uniform(0.5, duration * 1.1)
        target_writer = rng.random() < 0.3
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=at)
        pids = session_pids(proc.pid)
        writers = sorted(children_of(proc.pid))
        victim = writers[0] if target_writer and writers else proc.pid
        with_kill = proc.poll() is None
        if with_kill:
            os.kill(victim, signal.SIGKILL)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        problems = []
        survivors = wait_gone(pids - {proc.pid}, timeout=10)
        if survivors:
            problems.append(f"processes outlived the build: {sorted(survivors)}")
        now = current_generation(idx)
        try:
            checks.verify(idx / now)
        except checks.GenerationDamaged as exc:
            problems.append(f"damaged live generation: {exc}")
        if now != live and proc.returncode != 0:
            problems.append(f"CURRENT moved by a build that failed (exit {proc.returncode})")
        try:
            with build_lock(idx):
                pass
        except LockBusy as exc:
            problems.append(f"the next build would be refused: {exc}")
        gens = [p for p in idx.iterdir() if p.name.startswith("gen-")]
        if len(gens) > 3:
            problems.append(f"{len(gens)} generations on disk")
        reader.stop.set()
        reader.join()
        problems += reader.failures[:3]
        what = ("writer" if victim != proc.pid else "build") if with_kill else "(finished)"
        print(f"  kill {i + 1:>2} at {at:5.1f} s: {what:<10} exit {proc.returncode:>3}  "
              f"{reader.queries:>5} queries  {problems or 'ok'}")
        failures += [f"random kill {i + 1}: {p}" for p in problems]
    return failures


def crawl_kills(tmp: Path, kills: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    failures = []
    with LocalSite.from_store(SAMPLE_STORE) as site:
        reference = tmp / "reference"
        subprocess.run(scrape_command(site, reference), check=True, capture_output=True)
        pages = len(mirror(reference))
        for i in range(kills):
            after = rng.randint(1, pages - 1)
            problems = scrape_trial(site, tmp / f"crawl{i}", after, mirror(reference))
            print(f"  crawl killed after {after:>3} of {pages} requests: "
                  f"{problems or 'ok'}")
            failures += [f"crawl kill after {after}: {p}" for p in problems]
    return failures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=6000, help="synthetic records (staged kills)")
    ap.add_argument("--source", type=Path, help="what random kills index (default: the "
                                                "synthetic records)")
    ap.add_argument("--random", type=int, default=12, help="random-moment kills")
    ap.add_argument("--scrape", type=int, default=8, help="crawl kills")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="kill-harness-") as name:
        tmp = Path(name)
        print(f"staged kills ({args.records} records)")
        failures += staged(tmp, args.records)
        source = args.source or write_records(tmp / "random.jsonl",
                                              corpus(args.records, "treatment"))
        print(f"random kills of `qasearch index --full --source {source}`")
        failures += random_kills(tmp, source, args.random, args.seed)
        print("crawl kills")
        failures += crawl_kills(tmp, args.scrape, args.seed)
    print(f"\n{len(failures)} failed check(s)")
    for failure in failures:
        print(f"  {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
