"""Kill harness: SIGKILL an index build (or a crawl) at chosen points and check what is left.

Used by tests/index/test_kill.py (a few points, a small corpus) and bench/kill_harness.py
(every point, random moments, the real CLI). A build runs in a child process
(`python -m tests.index.killer child INDEX RECORDS POINT`) in its own session; at POINT it
prints `at POINT` and waits on its stdin (a full build, with writer subprocesses, when asked
or for `writer:` points), so the harness kills it at exactly that point, then:

- every process of the build's session is gone (the writer subprocesses died with it);
- the live index still answers, from an intact generation (checksums), never a half-written one;
- the next build starts at once (no stale lock) and leaves at most two generations.

Points: `added:N` (N records fed to the writers), `committed`, `ranked`, `meta`, `checked`,
`swapped`, `grouped` (see `indexer.index.build`; with KILLER_HOLD_GROUPS set, the duplicate
groups' process never stores them). `writer:N` kills one writer subprocess at `added:N` and
lets the build go on: the build must fail on its own, quickly, with a clear message.

`scrape_trial` does the same to `qasearch scrape` against tests/site.py's local site: killed
after N page requests, nothing outlives it, every stored page is whole, and the next run
starts at once and finishes the same mirror as an uninterrupted crawl.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from indexer.index import build as build_mod
from indexer.index import checks
from indexer.index.mpwriter import WRITER_NAME
from indexer.index.store import IndexStore
from indexer.records import Record, read_jsonl, write_jsonl
from indexer.search import search
from tests.site import ARCHIVE_HOST, PREFIX, LocalSite

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("committed", "ranked", "meta", "checked", "swapped")


def corpus(n: int, word: str) -> list[Record]:
    """`n` records that all contain `word`, record i also `tok<i>`."""
    return [Record(id=f"r{i}", question=f"How does {word} help with tok{i}?",
                   answer=f"{word.capitalize()} helps tok{i}: sessions, needles and rest.",
                   categories=[["care", f"c{i % 7}"]]) for i in range(n)]


# --------------------------------------------------------------------------- processes
def session_pids(sid: int) -> set[int]:
    """PIDs of the live processes in session `sid` (zombies excluded)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.add(int(entry.name))
    return pids


def children_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.update(int(p) for p in task.read_text().split())
    return found


def process_name(pid: int) -> str:
    """A process's name (/proc/<pid>/comm), "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def wait_gone(pids: set[int], timeout: float) -> set[int]:
    """Wait (on pidfds, no polling) until every pid has exited; return the ones still alive."""
    fds = {}
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            fds[os.pidfd_open(pid)] = pid
    try:
        pending = set(fds)
        while pending:
            ready, _, _ = select.select(list(pending), [], [], timeout)
            if not ready:
                break
            pending -= set(ready)
        alive = {fds[fd] for fd in pending}
        return {p for p in alive if _alive(p)}
    finally:
        for fd in fds:
            os.close(fd)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --------------------------------------------------------------------------- one trial
@dataclass
class Trial:
    point: str
    returncode: int | None = None
    output: str = ""
    survivors: set[int] = field(default_factory=set)
    served: str | None = None  # generation serving after the kill
    problems: list[str] = field(default_factory=list)


class StalledBuild:
    """A build in a child process, stopped at `point` (see the module doc)."""

    def __init__(self, index_dir: Path, records: Path, point: str, full: bool = False,
                 timeout: float = 120, parallel_min: int = 100) -> None:
        stop = point.replace("writer:", "added:")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KILLER_PARALLEL_MIN": str(parallel_min),
               "KILLER_FULL": "1" if full else ""}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.index.killer", "child", str(index_dir), str(records),
             stop], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().strip() if ready else ""
        if line != f"at {stop}":
            self.proc.kill()
            rest = self.proc.communicate()[0]
            raise RuntimeError(f"the build did not reach {stop}: {line} {rest}")
        self.pids = session_pids(self.proc.pid)

    def kill(self, pid: int | None = None) -> None:
        os.kill(pid or self.proc.pid, signal.SIGKILL)

    def resume(self, timeout: float = 60) -> tuple[int, str]:
        out, _ = self.proc.communicate("go\n", timeout=timeout)
        return self.proc.returncode, out

    def reap(self) -> tuple[int, str]:
        out = self.proc.stdout.read()
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        return self.proc.returncode, out


def answers(index_dir: Path, word: str, store: IndexStore | None = None) -> tuple[str, int]:
    """(generation, hits for `word`) through `store` (default: a fresh one)."""
    store = store or IndexStore(index_dir)
    with store.searcher() as s:
        return s.gen.name, search(s, word, limit=1).total


def run_trial(index_dir: Path, records: Path, point: str, old_word: str, new_word: str,
              n: int, store: IndexStore, full: bool = False) -> Trial:
    """Build `records` (all containing `new_word`) over an index of `n` records containing
    `old_word` (a full build: with writer subprocesses), kill it at `point`, and check what is
    left (see the module doc)."""
    trial = Trial(point)
    old_gen = build_mod.current_generation(index_dir)
    build = StalledBuild(index_dir, records, point, full=full or point.startswith("writer:"))
    if point.startswith("writer:"):
        writers = {pid for pid in children_of(build.proc.pid) - {build.proc.pid}
                   if process_name(pid) == WRITER_NAME}  # (not the duplicate groups' job)
        if not writers:
            trial.problems.append("no writer subprocess to kill")
        for pid in sorted(writers)[:1]:
            build.kill(pid)
        trial.returncode, trial.output = build.resume()
        if trial.returncode == 0:
            trial.problems.append("the build succeeded although a writer was killed")
    else:
        build.kill()
        trial.returncode, trial.output = build.reap()
    trial.survivors = wait_gone(build.pids - {build.proc.pid}, timeout=10)
    if trial.survivors:
        trial.problems.append(f"processes outlived the build: {sorted(trial.survivors)}")
    _check_served(trial, index_dir, old_gen, old_word, new_word, n, store)
    gens = _generations(index_dir)
    if len(gens) > 3:
        trial.problems.append(f"{len(gens)} generations on disk after the kill")
    return trial


def _check_served(trial: Trial, index_dir: Path, old_gen: str | None, old_word: str,
                  new_word: str, n: int, store: IndexStore) -> None:
    live = build_mod.current_generation(index_dir)
    trial.served = live
    swapped = live != old_gen
    if swapped and trial.point != "swapped":
        trial.problems.append(f"CURRENT moved to {live} before the swap")
    try:
        checks.verify(index_dir / live)
    except checks.GenerationDamaged as exc:
        trial.problems.append(f"the live generation is damaged: {exc}")
    word = new_word if swapped else old_word
    for label, st in (("long-lived store", store), ("fresh store", None)):
        try:
            gen, total = answers(index_dir, word, st)
        except Exception as exc:  # any failure to answer is the finding
            trial.problems.append(f"{label} failed to answer: {exc!r}")
            continue
        if gen != live or total != n:
            trial.problems.append(f"{label} served {gen} with {total} hits for {word!r}, "
                                  f"expected {live} with {n}")


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


def next_build(index_dir: Path, records: list[Record]) -> list[str]:
    """Problems of the build after a kill: it must start at once and keep two generations."""
    problems = []
    try:
        build_mod.build_index(records, index_dir)
    except build_mod.BuildError as exc:
        return [f"the next build failed: {exc}"]
    gens = _generations(index_dir)
    if len(gens) > 2:
        problems.append(f"{len(gens)} generations after the next build: {gens}")
    return problems


# --------------------------------------------------------------------------- scrape
def mirror(out: Path) -> dict[str, str]:
    """URL -> sha256 of the stored page, for every page of a page store."""
    pages = {}
    for meta in out.rglob("*.meta.json"):
        info = json.loads(meta.read_text())
        page = meta.with_name(meta.name.removesuffix(".meta.json"))
        pages[info["url"]] = hashlib.sha256(page.read_bytes()).hexdigest()
    return pages


def scrape_command(site: LocalSite, out: Path) -> list[str]:
    return [sys.executable, "-c", "from search_app.cli import main; main()", "scrape",
            site.url(PREFIX), "--out", str(out), "--delay", "0", "--no-progress",
            "--site-host", ARCHIVE_HOST]


def scrape_trial(site: LocalSite, out: Path, after_requests: int,
                 reference: dict[str, str]) -> list[str]:
    """Kill `qasearch scrape` after `after_requests` page requests; the problems found."""
    site.clear_log()
    proc = subprocess.Popen(scrape_command(site, out), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        reached = site.wait_for_page_requests(after_requests, timeout=60)
        pids = session_pids(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    problems = [] if reached else [f"the crawl ended before {after_requests} requests"]
    survivors = wait_gone(pids - {proc.pid}, timeout=10)
    if survivors:
        problems.append(f"processes outlived the crawl: {sorted(survivors)}")
    for meta in out.rglob("*.meta.json"):
        info = json.loads(meta.read_text())
        page = meta.with_name(meta.name.removesuffix(".meta.json"))
        if hashlib.sha256(page.read_bytes()).hexdigest() != info.get("sha256"):
            problems.append(f"half-written page {page}")
    done = subprocess.run(scrape_command(site, out), cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    if done.returncode:
        problems.append(f"the next crawl failed: {done.stderr.strip()[-300:]}")
    if mirror(out) != reference:
        problems.append("the resumed mirror differs from an uninterrupted crawl")
    return problems


# --------------------------------------------------------------------------- child
def child(index_dir: str, records: str, point: str) -> None:
    """Run a build that stops at `point` (prints `at POINT`, waits for a line on stdin)."""
    build_mod.PARALLEL_MIN_RECORDS = int(os.environ.get("KILLER_PARALLEL_MIN", "3000"))
    if os.environ.get("KILLER_HOLD_GROUPS"):  # the duplicate groups' process never ends
        build_mod._write_groups = lambda *_a, **_k: threading.Event().wait()

    def stop(here: str) -> None:
        if here == point:
            print(f"at {here}", flush=True)
            sys.stdin.readline()

    build_mod.build_index(list(read_jsonl(records)), Path(index_dir),
                          full=bool(os.environ.get("KILLER_FULL")),
                          _after_add=lambda i: stop(f"added:{i}"), _at=stop)
    print("built", flush=True)


def write_records(path: Path, records: list[Record]) -> Path:
    write_jsonl(records, path)
    return path


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:5])
