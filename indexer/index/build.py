"""Building the index: a new generation beside the live one, swapped in atomically.

(~640 lines: the steps of one build, in order, with their failure handling; the workers are
`writing.py`/`mpwriter.py`, the arrays `ranking.py`, the swap `store.py`.)

Layout of an index directory:

    index/CURRENT              name of the live generation, then the one it replaced (the
                               fallback when the live one is damaged); atomic rename
    index/gen-<time>-<rand>/   a complete generation: Whoosh files, rank.npz, rank.json.gz,
                               conditions.npz (corpora with conditions), duplicates.json.gz,
                               meta.json and checksums.json (size + SHA-256 of every file)
    index/.build.lock          flock()ed while a build runs (the kernel drops it if we die;
                               see lock.py), with the holder's PID

A build copies the live generation's Whoosh files into a fresh folder, deletes the records that
were removed or changed, adds new and changed records (unchanged ones, by content hash, are not
re-analysed; from PARALLEL_MIN_RECORDS on, analysed and made into documents in one process
per core and added to one writer in record order, so one segment and the files a single
process writes; the duplicate groups are computed in another process started first, beside the
records dictionary's training and the workers, whenever the generation has that many records:
writing.py), writes the ranking data (the condition table by another process meanwhile; a
full build's arrays and table by a process started before the segment's commit, its rows being
the records in the order they were added) and `meta.json`, checks that every record made it
into the committed index, writes and fsyncs the checksums, then points CURRENT at it. The
duplicate groups (carried over from the live generation when only answers changed:
indexer.editors.duplicates.reuse) are written by their process, at a low priority (it takes
the cores' idle time, then runs past the swap: the generation is live as soon as it is
searchable); the build then adds them to the checksums and returns, holding the directory's
lock until then. Meanwhile the generation's `pending` marker lets readers show the build's
progress; if the build dies first, readers compute the groups as for an older generation.
(Without a side process, below PARALLEL_MIN_RECORDS or on one core, they are computed here
before the checksums.)
A build that fails or is killed before the swap never touches CURRENT: readers keep the old
generation, and the writer's subprocesses die with the build (mpwriter.py). The previous generation is kept
(readers may still hold it, and readers fall back to it when the live one is damaged); older
ones and leftovers of killed builds are removed by the next build, so a directory holds at
most the live generation, the one before it and one leftover of a killed build.

A damaged live generation (checksums) is not reused: the build starts from scratch and says so
in `BuildReport.problems`. Disk and permission errors (full disk, read-only folder) and a
refused lock raise `BuildError` with a one-line message; the live index is left as it was.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as windex

from indexer.index import checks, conditions, lock, mpwriter, pending, stored, writing
from indexer.index.ranking import RankData
from indexer.index.schema import SCHEMA_VERSION, build_schema, docnums_of, stored_json
from indexer.index.vectors import build_if_enabled as build_vectors_if_enabled
from indexer.records import Record

CURRENT = "CURRENT"
LOCK = lock.LOCK
META = "meta.json"
GEN_PREFIX = "gen-"
KEEP_GENERATIONS = 2  # the live one and the one before it
PARALLEL_MIN_RECORDS = 3000  # below this a single process is quicker than forking writers
MAX_PROCS = 8
SIDE_JOB = "the duplicate groups subprocess"  # (names it in errors)
CONDITIONS_JOB = "the condition table subprocess"
RANKING_JOB = "the ranking arrays subprocess"
GROUPS_NICE = 19  # the duplicate groups' process's niceness (it runs past the swap)

log = logging.getLogger(__name__)

class BuildError(RuntimeError):
    """The build could not run (another build holds the lock, bad index directory...)."""


@dataclass
class BuildReport:
    index_dir: str
    generation: str
    records: int  # records in the new generation
    added: int
    updated: int
    removed: int
    unchanged: int
    duplicates: int  # input records whose id was seen before (the last one wins)
    seconds: float  # until the build returned (in meta.json: until it was searchable)
    built_at: str
    incremental: bool
    problems: list[str] = field(default_factory=list)
    # wall seconds of each stage: "records" (analysed and written into segments), "ranking"
    # (ranking arrays, condition table, vectors), "checks" (checksums, fsync), "duplicates"
    # (computing the duplicate groups here before "checks", or waiting for their process
    # after the swap)
    stages: dict[str, float] = field(default_factory=dict)
    searchable: float = 0.0  # seconds until the generation was swapped in


    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        mode = "incremental" if self.incremental else "full"
        rate = self.records / self.seconds if self.seconds else 0.0
        when = f"{self.seconds:.1f} s ({rate:.0f} records/s)"
        if self.searchable and self.searchable < self.seconds:
            fast = self.records / self.searchable
            when = (f"searchable after {self.searchable:.1f} s ({fast:.0f} records/s), "
                    f"duplicate groups stored after {self.seconds:.1f} s")
        return (
            f"{self.records} records in generation {self.generation} ({mode} build): "
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged; {when}"
        )


# --------------------------------------------------------------------------- generations
def current_generation(index_dir: Path) -> str | None:
    """Name of the live generation, or None when nothing was built yet."""
    names = live_and_earlier(index_dir)
    if not names or not (Path(index_dir) / names[0]).is_dir():
        return None
    return names[0]  # CURRENT only ever names a complete generation (damage: see store.py)


def live_and_earlier(index_dir: Path) -> list[str]:
    """CURRENT's names: the live generation, then the one it replaced (if still listed)."""
    try:
        text = (Path(index_dir) / CURRENT).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = text.split()
    return [n for n in names if n.startswith(GEN_PREFIX) and "/" not in n]


def read_meta(gen_dir: Path) -> dict:
    with (gen_dir / META).open(encoding="utf-8") as fh:
        return json.load(fh)


def _swap(index_dir: Path, generation: str, previous: str | None) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write("".join(f"{name}\n" for name in (generation, previous) if name))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a build runs (on again after, if it was):
    a build makes next to no reference cycles, and the collector walking the records and
    their analysis again and again was ~25% of the build process's own CPU time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    try:
        with lock.build_lock(index_dir):
            yield
    except lock.LockBusy as exc:
        raise BuildError(str(exc)) from None


def _os_message(index_dir: Path, exc: OSError) -> str:
    """One line for a disk or permission error, saying the live index is untouched."""
    why = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return (f"cannot write the index in {index_dir}: {why}{where}; "
            "the live index was left as it was")


def _prepare_dir(index_dir: Path) -> None:
    if index_dir.exists() and not index_dir.is_dir():
        raise BuildError(f"{index_dir} is a file, not an index directory: "
                         "give --index a folder (it is created if missing)")
    index_dir.mkdir(parents=True, exist_ok=True)


def _cleanup(index_dir: Path, keep: set[str]) -> None:
    """Remove generations other than `keep` (oldest first) and tmp files of killed builds."""
    for child in sorted(index_dir.iterdir()):
        if child.name in keep:
            continue
        if child.is_dir() and child.name.startswith(GEN_PREFIX):
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{CURRENT}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def generations_newest_first(index_dir: Path) -> list[str]:
    """Complete generations, newest first (by the time recorded in meta.json)."""
    gens = []
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith(GEN_PREFIX) and (child / META).is_file():
            try:
                gens.append((read_meta(child).get("built_at", ""), child.name))
            except (OSError, ValueError):
                continue
    return [name for _, name in sorted(gens, reverse=True)]


# --------------------------------------------------------------------------- build
def build_index(
    records: Iterable[Record],
    index_dir: Path,
    *,
    progress: bool = False,
    full: bool = False,
    on_searchable: Callable[[BuildReport], None] | None = None,
    _after_add: Callable[[int], None] | None = None,
    _at: Callable[[str], None] | None = None,
) -> BuildReport:
    """Index `records` into a new generation of `index_dir` and swap it in.

    Unchanged records (same id and content hash as in the live generation) are not
    re-analysed or re-indexed; `full=True` rebuilds from scratch. Returns a `BuildReport`
    once the generation's duplicate groups are stored: when they are computed in a process
    of their own, the generation is swapped in as soon as it is searchable and they are
    stored after (the build holds the directory's lock until then; `report.stages` has no
    "duplicates" yet). `on_searchable(report)` is called right after the swap,
    `report.searchable` seconds after the start.
    Raises BuildError when another build of the same directory is running, or when the
    directory cannot be written (full disk, read-only, a file); the live index is untouched.
    `_after_add(n)` and `_at(stage)` are test hooks (fault injection at named stages:
    "committed", "ranked", "meta", "checked", "swapped", "grouped").
    """
    index_dir = Path(index_dir)
    try:
        with _collector_paused():
            return _build(records, index_dir, progress, full, _after_add,
                          _at or (lambda _s: None), on_searchable)
    except OSError as exc:
        raise BuildError(_os_message(index_dir, exc)) from exc
    except mpwriter.WriterDied as exc:
        raise BuildError(f"{exc}; the live index was left as it was") from exc


def _build(
    records: Iterable[Record],
    index_dir: Path,
    progress: bool,
    full: bool,
    after_add: Callable[[int], None] | None,
    at: Callable[[str], None],
    on_searchable: Callable[[BuildReport], None] | None,
) -> BuildReport:
    started = time.monotonic()
    _prepare_dir(index_dir)
    with _build_lock(index_dir):  # held until the duplicate groups are stored
        live = current_generation(index_dir)
        recent = generations_newest_first(index_dir)[:KEEP_GENERATIONS]
        _cleanup(index_dir, keep={CURRENT, LOCK, *recent, *([live] if live else [])})
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        generation = f"{GEN_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
        gen_dir = index_dir / generation
        groups: _PendingGroups | None = None
        try:
            problems: list[str] = []
            if live and not full and not _intact(index_dir / live, problems):
                full = True
            report, groups = _build_generation(
                records, index_dir, gen_dir, live, progress, full, after_add, at, problems
            )
            report.seconds = report.searchable = round(time.monotonic() - started, 3)
            _write_meta(gen_dir, report)
            at("meta")
            checked = time.monotonic()
            checks.write_checksums(gen_dir, skip=groups.files if groups else frozenset())
            _fsync_dir(gen_dir)
            report.stages["checks"] = round(time.monotonic() - checked, 3)  # (not in meta.json)
            at("checked")
            if groups is not None:
                groups.mark()  # before the swap: readers then wait for these groups
            _swap(index_dir, generation, live)
            at("swapped")
        except BaseException:
            if groups is not None:
                groups.close()
            shutil.rmtree(gen_dir, ignore_errors=True)
            raise
        keep = {CURRENT, LOCK, generation, *([live] if live else [])}
        _cleanup(index_dir, keep)
        report.searchable = round(time.monotonic() - started, 3)
        if on_searchable is not None:
            on_searchable(report)
        if groups is not None:
            waited = time.monotonic()
            groups.finish(progress, report.problems)
            report.stages["duplicates"] = round(time.monotonic() - waited, 3)
            at("grouped")
        report.seconds = round(time.monotonic() - started, 3)
        return report


def _intact(gen_dir: Path, problems: list[str]) -> bool:
    """Whether the live generation can be reused by an incremental build."""
    try:
        if checks.has_checksums(read_meta(gen_dir)):
            checks.verify(gen_dir)
    except (OSError, ValueError, checks.GenerationDamaged) as exc:
        message = f"the live generation is damaged ({exc}); rebuilt from scratch"
        log.error(message)
        problems.append(message)
        return False
    return True


def _write_meta(gen_dir: Path, report: BuildReport) -> None:
    meta = {
        "generation": gen_dir.name,
        "built_at": report.built_at,
        "records": report.records,
        "schema_version": SCHEMA_VERSION,
        "checksums": True,
        "report": report.to_dict(),
    }
    with (gen_dir / META).open("w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=1)


def _build_generation(
    records: Iterable[Record],
    index_dir: Path,
    gen_dir: Path,
    live: str | None,
    progress: bool,
    full: bool,
    after_add: Callable[[int], None] | None,
    at: Callable[[str], None],
    problems: list[str],
) -> tuple[BuildReport, _PendingGroups | None]:
    """The generation's files but its checksums and meta.json, and the duplicate groups'
    process when they are computed beside the build (still running, maybe)."""
    previous: RankData | None = None
    if live and not full:
        try:
            meta = read_meta(index_dir / live)
            if meta.get("schema_version") == SCHEMA_VERSION:
                previous = RankData.load(index_dir / live)
        except (OSError, ValueError, KeyError):
            previous = None

    incoming: dict[str, Record] = {}
    duplicates = 0
    for rec in records:
        bad = rec.check()  # a Record may have been changed since it was made
        if bad:
            problems.append(f"record {rec.id!r}: {bad}; skipped")
            continue
        if rec.id in incoming:
            duplicates += 1
        incoming[rec.id] = rec

    old_hash: dict[str, str] = {}
    if previous is not None:
        rows = zip(previous.ids, previous.hashes, previous.live, strict=True)
        old_hash = {rid: h for rid, h, alive in rows if rid and alive}
    added = [rid for rid in incoming if rid not in old_hash]
    updated = [
        rid for rid, r in incoming.items() if rid in old_hash and old_hash[rid] != r.content_hash
    ]
    removed = [rid for rid in old_hash if rid not in incoming]
    unchanged = len(incoming) - len(added) - len(updated)
    to_index = [incoming[rid] for rid in (*updated, *added)]

    live_dir = _groups_from(index_dir, live, previous is not None)
    procs = _procs(len(to_index))
    # the duplicate groups and the condition table (their cost grows with every record, not
    # with the changed ones) run in processes of their own when another core is free: also
    # in an incremental build whose few changed records are analysed here
    beside = _procs(len(incoming)) > 1

    def groups(report: Any) -> None:  # the editors' duplicate groups (indexer.editors)
        _write_groups(gen_dir, incoming.values(), report, live_dir)

    stages: dict[str, float] = {}
    clock = time.monotonic()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        stages[name] = round(now - clock, 3)
        clock = now

    gen_dir.mkdir()
    # with several processes the duplicate groups start first, on another core, while this
    # one copies the live generation or trains the new one's records dictionary (~0.4 s on
    # MedQuAD that left the other core idle)
    # (at a lower priority while writer processes need every core: the build's critical path
    # first, the groups in the cores' idle time and after the swap)
    nice = GROUPS_NICE if procs > 1 else 0
    side = mpwriter.side_job(groups, SIDE_JOB, nice=nice) if beside else None
    early: list[_EarlyRanking] = []  # the ranking arrays, written beside the commit

    def before_commit(w: writing.Written) -> None:
        if procs > 1 and previous is None and w.order is not None:
            early.append(_EarlyRanking(gen_dir, w))

    try:
        ix = _open_writable(index_dir, live, gen_dir, previous, [*removed, *updated], to_index)
        written = writing.write_records(ix, to_index, [*removed, *updated], procs, side=side,
                                        progress=progress, after_add=after_add,
                                        before_commit=before_commit)
    except BaseException:
        for job in (side, *(e.job for e in early)):
            if job is not None:
                job.close()
        raise
    stage("records")
    try:
        at("committed")
        row_ids = writing.row_ids(ix)
        stored = sum(rid is not None for rid in row_ids)
        if stored != len(incoming):
            raise BuildError(f"the index writer stored {stored} of {len(incoming)} records; "
                             "the live index was left as it was")
        if early and early[0].rows == row_ids:
            # the analysed terms (millions of small objects) are freed now, while the other
            # process writes the arrays, instead of when the build returns (~0.4 s on MedQuAD)
            written.new_terms.clear()
        if not (early and early[0].wait_if(row_ids)):
            data = RankData.assemble(row_ids, written.new_terms, previous, written.raw_words)
            _save_ranking(gen_dir, data, beside)
        build_vectors_if_enabled(gen_dir, row_ids, incoming, progress=progress)  # hybrid
        stage("ranking")
        if written.side is None:
            groups(progress)
            stage("duplicates")
    except BaseException:
        if written.side is not None:
            written.side.close()
        raise
    finally:
        for e in early:
            e.job.close()
    at("ranked")
    ix.close()
    for stale in gen_dir.glob("*_WRITELOCK"):  # Whoosh leaves its (released) lock file behind
        stale.unlink(missing_ok=True)
    pending = None if side is None else _PendingGroups(gen_dir, side, len(incoming))
    return BuildReport(
        index_dir=str(index_dir),
        generation=gen_dir.name,
        records=len(incoming),
        added=len(added),
        updated=len(updated),
        removed=len(removed),
        unchanged=unchanged,
        duplicates=duplicates,
        seconds=0.0,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        incremental=previous is not None,
        problems=problems,
        stages=stages,
    ), pending


def _save_ranking(gen_dir: Path, data: RankData, beside: bool) -> None:
    """Write the ranking arrays and the condition table (`conditions.save`: the condition
    pseudo-documents, search.conditions); with `beside`, the table in a forked process while
    this one writes the arrays (~0.6 s each on MedQuAD, on two cores at once)."""
    if not beside:
        data.save(gen_dir)
        conditions.save(gen_dir, data)
        return
    job = mpwriter.side_job(lambda _progress: conditions.save(gen_dir, data), CONDITIONS_JOB)
    try:
        data.save(gen_dir)
        job.wait()
    finally:
        job.close()


class _EarlyRanking:
    """A full build's ranking arrays and condition table, assembled and written in a forked
    process from the moment every record was added (`writing.Written.order` gives the rows
    before the segment is committed), while this one writes the segment: ~1 s of the build's
    serial tail on MedQuAD. Used only when the committed rows turn out to be those."""

    def __init__(self, gen_dir: Path, written: writing.Written) -> None:
        self.rows = list(written.order or ())
        rows, terms, words = self.rows, written.new_terms, written.raw_words

        def write(_progress: Any) -> None:
            data = RankData.assemble(rows, terms, None, words)
            _save_ranking(gen_dir, data, True)  # the table in a process of its own again

        self.job = mpwriter.side_job(write, RANKING_JOB, daemon=False)

    def wait_if(self, row_ids: Sequence[str | None]) -> bool:
        """Wait for the job when it wrote the rows `row_ids` (raising what it raised);
        otherwise stop it and say False (the caller writes the arrays itself)."""
        if list(row_ids) != self.rows:
            self.job.close()
            return False
        self.job.wait()
        return True


class _PendingGroups:
    """The duplicate groups' process of a generation swapped in before they are ready: its
    groups file is added to the checksums when it has written it (`finish`), and until then
    the generation's `pending` marker tells readers that the build is computing them."""

    def __init__(self, gen_dir: Path, job: mpwriter.SideJob, records: int) -> None:
        self.gen_dir, self.job, self.records = gen_dir, job, records
        self.files = frozenset({pending.GROUPS_FILE})  # (left out of the checksums written before the swap)
        self.marker: Any = None

    def mark(self) -> None:
        self.marker = pending.Marker(self.gen_dir, self.job.proc.pid, self.records)

    def finish(self, progress: bool, problems: list[str]) -> None:
        """Wait for the groups (a "duplicates" progress bar), add them to the checksums. A
        failure leaves the live generation without them (computed on demand by readers,
        as for a generation built before they were stored) and is added to `problems`."""
        def tick(done: int, total: int) -> None:
            self.marker.update(done, total)

        try:
            writing.wait_side(self.job, self.records, progress, tick)
            for name in self.files:
                checks.add_checksum(self.gen_dir, name)
            _fsync_dir(self.gen_dir)
        except (OSError, mpwriter.WriterDied) as exc:
            message = (f"the duplicate groups could not be stored ({exc}); the generation is "
                       "live without them, and they are computed when first asked for")
            log.error(message)
            problems.append(message)
        finally:
            self.close()

    def close(self) -> None:
        self.job.close()
        if self.marker is not None:
            self.marker.clear()


def _open_writable(index_dir: Path, live: str | None, gen_dir: Path,
                   previous: RankData | None, gone: list[str],
                   to_index: Sequence[Record]) -> windex.Index:
    """The new generation's Whoosh index: a copy of the live one's (the spelling words of
    `gone` records taken out of `previous`), or a new one with its records dictionary."""
    if previous is None:
        return windex.create_in(str(gen_dir), build_schema(_zdict(to_index)))
    skip = shutil.ignore_patterns(META, "*_WRITELOCK", "rank.*", "duplicates.*", ".*")
    shutil.copytree(index_dir / live, gen_dir, ignore=skip, dirs_exist_ok=True)
    ix = windex.open_dir(str(gen_dir))
    if gone:
        previous.forget_words(_old_texts(ix, gone))
    return ix


def _zdict(records: Sequence[Record]) -> bytes:
    """The preset dictionary of a new index's stored records, from records spread over
    `records` (indexer.index.stored)."""
    step = max(1, len(records) // stored.SAMPLE_RECORDS)
    return stored.sample_dictionary([stored_json(r) for r in records[::step]])


def _procs(n: int) -> int:
    """Writer processes for `n` records to index: one per core (at most MAX_PROCS), or none
    (in this process) below PARALLEL_MIN_RECORDS or on one core."""
    if n < PARALLEL_MIN_RECORDS:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PROCS))


def _groups_from(index_dir: Path, live: str | None, reused: bool) -> Path | None:
    """The generation whose duplicate groups may be carried over (`duplicates.reuse`): the
    live one when this build reuses it, or when a full build finds its groups file intact
    (a schema change makes a full build; the groups do not depend on the schema)."""
    if not live:
        return None
    if reused or checks.file_intact(index_dir / live, pending.GROUPS_FILE):
        return index_dir / live
    return None


def _write_groups(gen_dir: Path, records: Iterable[Record], progress: Any,
                  previous: Path | None) -> None:
    from indexer.editors.duplicates import store as dup_store

    dup_store.write_groups(gen_dir, records, progress=progress, previous=previous)


def _old_texts(ix: windex.Index, ids: list[str]) -> list[str]:
    """Answer and focus texts of records about to leave the index (for spelling)."""
    out = []
    with ix.searcher() as s:
        for docnum in docnums_of(s.reader(), ids).values():
            doc = s.stored_fields(docnum)
            if not doc:
                continue
            rec = Record.from_dict(json.loads(doc["record"]))
            out.extend(["\n".join([rec.focus, *rec.synonyms]), rec.answer])
    return out

