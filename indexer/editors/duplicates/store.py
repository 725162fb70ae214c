"""Duplicate groups kept with an index generation, so that asking for them costs a file read.

The index build computes them in a process of its own (`write_groups(gen_dir, records,
previous=live_gen_dir)`) and writes ``<generation>/duplicates.json.gz`` (gzipped JSON: 2.2 MB
-> ~0.3 MB on MedQuAD; a generation written before holds ``duplicates.json``, read as well;
temp file + rename, so a reader sees the whole file or none). When only answers changed since
the previous generation, its groups are reused (`reuse`: same result, no question compared
again). The build swaps the generation in as soon as it is searchable and adds the file to
its checksums when the groups are ready: the one file a build writes into a live generation
(`indexer.index.build`). Meanwhile the generation holds a marker (`indexer.index.pending`), and
`generation_groups(s)` reports the build's progress (state "computing", source "build")
instead of computing them again. Once there, the file is read once per generation and process.

A generation built before this file existed, whose file cannot be read, or whose build was
killed before the groups were written, gets its groups computed once per process in a
background thread: `generation_groups` then returns at once with `state == "computing"` and
how far it got, and the groups when they are ready (kept in memory, not written).
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.editors.duplicates import reuse
from indexer.editors.duplicates.cluster import THRESHOLD, Cluster, find_duplicates
from indexer.editors.similar.index import QuestionIndex
from indexer.index import pending
from indexer.records import Record

log = logging.getLogger(__name__)

FILE = pending.GROUPS_FILE  # "duplicates.json.gz"
LEGACY_FILE = "duplicates.json"  # plain JSON, generations written before the gzipped file
FORMAT = 1  # version of the file's layout; another version is recomputed
GZIP_LEVEL = 6
MEMO_KEY = "duplicates.groups"

READY, COMPUTING, FAILED = "ready", "computing", "failed"


@dataclass
class Groups:
    """The duplicate groups of one generation, or how far their computation got."""

    state: str  # READY, COMPUTING or FAILED
    clusters: list[Cluster] = field(default_factory=list)
    records: int = 0  # records compared
    done: int = 0  # records compared so far (while computing)
    computed_at: str = ""
    seconds: float = 0.0
    source: str = ""  # "build" (stored with the generation) or "background"
    error: str = ""
    finished: threading.Event = field(default_factory=threading.Event, repr=False,
                                      compare=False)

    def __post_init__(self) -> None:
        if self.state != COMPUTING:
            self.finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the groups are ready or failed; False on timeout."""
        return self.finished.wait(timeout)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.records) if self.records else 0

    def status(self) -> dict[str, Any]:
        """Everything but the groups (for a progress display or an API's meta)."""
        return {"state": self.state, "records": self.records, "done": self.done,
                "percent": self.percent, "computed_at": self.computed_at,
                "seconds": self.seconds, "source": self.source, "error": self.error}


def compute(records: Iterable[Record], progress: Any = False) -> Groups:
    """The duplicate groups among `records`, timed."""
    started = time.monotonic()
    qi = QuestionIndex.from_records(records)
    clusters = find_duplicates(qi, progress=progress)
    return Groups(READY, clusters, records=len(qi), done=len(qi),
                  computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  seconds=round(time.monotonic() - started, 3))


def write_groups(gen_dir: Path, records: Iterable[Record], *, progress: Any = False,
                 previous: Path | None = None) -> Groups:
    """Compute the groups among `records` and store them in the generation `gen_dir`
    (written and fsynced; the build adds the file to the generation's checksums). With
    `previous` (the generation the build started from), its groups are reused when the
    records differ from its records in their answers only. `progress`: as `find_duplicates`.
    (The build runs it with the cyclic garbage collector off: `indexer.index.mpwriter`.)"""
    records = list(records)
    started = time.monotonic()
    reused = _reused(previous, records) if previous is not None else None
    if reused is not None:
        n = len(reuse.compared(records))
        groups = Groups(READY, reused, records=n, done=n,
                        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        seconds=round(time.monotonic() - started, 3))
    else:
        groups = compute(records, progress=progress)
    groups.source = "build"
    data = {"format": FORMAT, "threshold": THRESHOLD, **groups.status(),
            "inputs": reuse.inputs_digest(records),
            "clusters": [c.to_dict() for c in groups.clusters]}
    data.pop("state"), data.pop("done"), data.pop("percent"), data.pop("error")
    tmp = Path(gen_dir) / f".{FILE}.tmp"
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with tmp.open("wb") as fh:
        fh.write(gzip.compress(text, GZIP_LEVEL, mtime=0))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, Path(gen_dir) / FILE)
    return groups


def _load(gen_dir: Path) -> Any:
    """The parsed groups file of a generation (gzipped, else the legacy plain one);
    FileNotFoundError when it has neither."""
    try:
        with gzip.open(Path(gen_dir) / FILE, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        with (Path(gen_dir) / LEGACY_FILE).open(encoding="utf-8") as fh:
            return json.load(fh)


def _reused(previous: Path, records: list[Record]) -> list[Cluster] | None:
    """The previous generation's groups carried over (see `reuse`), or None."""
    try:
        data = _load(previous)
        if data.get("format") != FORMAT:
            return None
        return reuse.reuse(data, records)
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError,
            AttributeError) as exc:
        log.info("the duplicate groups of %s are not reused (%s)", Path(previous).name, exc)
        return None


def read_groups(gen_dir: Path) -> Groups | None:
    """The groups stored in generation `gen_dir`; None when it has none (or another format)."""
    try:
        data = _load(gen_dir)
        if data.get("format") != FORMAT:
            return None
        clusters = [Cluster.from_dict(c) for c in data["clusters"]]
    except FileNotFoundError:
        return None
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError,
            AttributeError) as exc:
        log.error("%s/%s cannot be read (%s); the duplicate groups are computed again",
                  Path(gen_dir).name, FILE, exc)
        return None
    records = int(data.get("records", 0))
    return Groups(READY, clusters, records=records, done=records,
                  computed_at=str(data.get("computed_at", "")),
                  seconds=float(data.get("seconds", 0.0)), source="build")


def generation_groups(s: Any) -> Groups:
    """The duplicate groups of the generation session `s` sees: read from the generation,
    else the progress of the build still computing them, else computing in the background
    (this call never waits for them)."""
    gen = s.gen
    groups = gen.cache.get(MEMO_KEY)
    if groups is not None:
        return groups
    with gen.lock:
        groups = gen.cache.get(MEMO_KEY)
        if groups is None:
            groups = read_groups(gen.path)
            if groups is None:
                building = pending.pending(gen.path)
                if building is not None:  # asked again until the build has stored them
                    return Groups(COMPUTING, records=building.records, done=building.done,
                                  source="build")
                groups = read_groups(gen.path)  # (stored as its process ended, maybe)
            if groups is None:
                groups = Groups(COMPUTING, source="background")
                threading.Thread(target=_background, args=(gen, groups), daemon=True,
                                 name=f"duplicates-{gen.name}").start()
            gen.cache[MEMO_KEY] = groups
    return groups


def wait_for_build(gen_dir: Path, tick: Any = None, poll: float = 0.2) -> Groups | None:
    """Wait while the build of `gen_dir` computes its groups (`tick(done, records)` between
    polls), then the groups it stored; None when it stored none (it was killed, or no build
    was computing them)."""
    while (building := pending.pending(gen_dir)) is not None:
        if tick is not None:
            tick(building.done, building.records)
        time.sleep(poll)
    return read_groups(gen_dir)


def wait_groups(s: Any) -> Groups:
    """`generation_groups(s)`, waited for: ready or failed."""
    groups = generation_groups(s)
    if groups.state == COMPUTING and groups.source == "build":
        wait_for_build(s.gen.path)
        groups = generation_groups(s)
    groups.wait()
    return groups


def _background(gen: Any, groups: Groups) -> None:
    """Compute the groups of generation `gen` into `groups` (its fields change in place)."""
    from indexer.editors.similar.service import question_index
    from indexer.index.store import Session

    def progress(done: int, total: int) -> None:
        groups.records, groups.done = total, done

    try:
        qi = question_index(Session(gen)).with_all_entries()  # every entry, once
        groups.records = len(qi)
        started = time.monotonic()
        groups.clusters = find_duplicates(qi, progress=progress)
        groups.seconds = round(time.monotonic() - started, 3)
        groups.computed_at = datetime.now(UTC).isoformat(timespec="seconds")
        groups.done = groups.records
        groups.state = READY
    except Exception as exc:  # reported on the page; the next generation tries again
        log.exception("duplicate groups of %s could not be computed", gen.name)
        groups.error = f"{type(exc).__name__}: {exc}"
        groups.state = FAILED
    finally:
        groups.finished.set()
