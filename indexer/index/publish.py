"""Publishing a built generation to the index folders of replicas: copy, verify, swap.

    qasearch index --index /srv/build/index --source ...           # build once
    qasearch publish --index /srv/build/index --to /srv/qasearch/index      # a local folder
    qasearch publish --index /srv/build/index --to web2:/srv/qasearch/index  # rsync over ssh

A replica's index folder has the layout of a built one (CURRENT + gen-*/), so every
`qasearch serve` reading it picks the new generation up on its next request (IndexStore
re-reads CURRENT per request): no restart, no request fails while it changes.

Publishing one generation to one target:

1. the generation's files are copied into ``TARGET/.incoming-<generation>/`` (a local copy, or
   ``rsync --partial`` over ssh: an interrupted transfer resumes where it stopped);
2. the receiving side (`receive`; over ssh it runs ``qasearch publish --receive`` there) takes
   the folder's build lock, drops files the generation does not list, flushes every file to
   disk and verifies size and SHA-256 of each against the generation's checksums.json: a
   truncated or altered copy is refused and the live index is left as it was;
3. the verified folder is renamed to ``TARGET/<generation>`` and ``TARGET/CURRENT`` is replaced
   atomically (new generation, then the one it replaced: the fallback of a damaged one);
4. generations older than those two are removed, as a build does.

A generation whose build is still computing its duplicate groups (live and searchable, the
groups stored after the swap: `indexer.index.build`) is refused until they are stored.
A generation older than the target's live one is refused unless `allow_older` (a roll-back);
publishing the live generation again changes nothing. Errors are one line (`PublishError`).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.index import build, checks, lock, pending
from indexer.index.build import (
    CURRENT,
    GEN_PREFIX,
    LOCK,
    current_generation,
    live_and_earlier,
    read_meta,
)

INCOMING_PREFIX = ".incoming-"


class PublishError(RuntimeError):
    """Publishing could not be done; the target's live index is as it was (one line)."""


@dataclass
class PublishReport:
    target: str
    generation: str
    previous: str | None  # the generation it replaced there (None: the first one)
    files: int
    bytes: int
    seconds: float
    changed: bool  # False when the generation was already live there

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if not self.changed:
            return f"{self.target}: {self.generation} is already live"
        was = f" (was {self.previous})" if self.previous else ""
        return (f"{self.target}: {self.generation} is live{was}; {self.files} files, "
                f"{self.bytes / 1e6:.1f} MB verified in {self.seconds:.1f} s")


def is_remote(target: str) -> bool:
    """rsync's rule: a colon before the first slash names a host (``host:path``)."""
    head = target.split("/", 1)[0]
    return ":" in head and not target.startswith("rsync://")


# ---------------------------------------------------------------------------------------------
# The sending side.


def publish(index_dir: Path | str, target: str, *, generation: str | None = None,
            rsh: str = "ssh", remote_qasearch: str = "qasearch",
            allow_older: bool = False) -> PublishReport:
    """Publish `generation` (default: the live one) of `index_dir` to `target`: a folder, or
    ``[user@]host:folder`` reached by rsync over `rsh`, where `remote_qasearch` runs the
    receiving step."""
    started = time.monotonic()
    index_dir = Path(index_dir)
    if target.startswith("rsync://"):
        raise PublishError(f"{target}: an rsync daemon cannot verify and swap; use "
                           "host:/path (over ssh) or a folder")
    source = _source(index_dir, generation)
    if is_remote(target):
        report = _publish_remote(source, target, rsh, remote_qasearch, allow_older)
    else:
        report = _publish_local(source, Path(target), allow_older)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _source(index_dir: Path, generation: str | None) -> Path:
    """The generation to publish, verified (damage is never shipped)."""
    name = generation or current_generation(index_dir)
    if name is None:
        raise PublishError(f"no index in {index_dir}: build one with `qasearch index`")
    gen_dir = index_dir / name
    if not name.startswith(GEN_PREFIX) or "/" in name or not gen_dir.is_dir():
        raise PublishError(f"{index_dir} has no generation {name!r}")
    try:
        if not checks.has_checksums(read_meta(gen_dir)):
            raise PublishError(f"{name} was built before generations had checksums and cannot "
                               f"be verified at the other end: rebuild it with `qasearch index "
                               f"--full --index {index_dir}`")
        checks.verify(gen_dir)
    except (OSError, ValueError, checks.GenerationDamaged) as exc:
        raise PublishError(f"{index_dir}: {exc}; {name} is not published") from None
    _refuse_pending(gen_dir)
    return gen_dir


def _refuse_pending(gen_dir: Path) -> None:
    """A generation whose build still computes its duplicate groups (it is live and
    searchable already) is published once they are stored: a replica gets it whole."""
    building = pending.pending(gen_dir)
    if building is not None:
        raise PublishError(f"the build of {gen_dir.name} is still storing its duplicate groups "
                           f"({building.percent}% done, pid {building.pid}); publish it when "
                           "`qasearch index` has finished")


def _publish_local(source: Path, target: Path, allow_older: bool) -> PublishReport:
    if target.resolve() == source.parent.resolve():
        raise PublishError(f"{target} is the index being published")
    try:
        target.mkdir(parents=True, exist_ok=True)
        if current_generation(target) == source.name:
            return _unchanged(target, source.name)
        incoming = target / f"{INCOMING_PREFIX}{source.name}"
        incoming.mkdir(exist_ok=True)
        for path in sorted(source.iterdir()):
            if path.is_file():
                shutil.copyfile(path, incoming / path.name)
    except OSError as exc:
        raise PublishError(f"cannot copy {source.name} to {target}: "
                           f"{(exc.strerror or str(exc)).lower()}; its live index was left as "
                           "it was") from None
    return receive(target, incoming, allow_older=allow_older)


def _publish_remote(source: Path, target: str, rsh: str, remote_qasearch: str,
                    allow_older: bool) -> PublishReport:
    host, _, folder = target.partition(":")
    folder = folder.rstrip("/") or "."
    incoming = f"{folder}/{INCOMING_PREFIX}{source.name}"
    rsync = shutil.which("rsync")
    if rsync is None:
        raise PublishError("rsync is not installed here (Debian: apt-get install rsync); it is "
                           "needed on both machines to publish to host:/folder")
    _run([rsync, "-a", "--partial", "--mkpath", "-e", rsh, f"{source}/", f"{host}:{incoming}/"],
         f"copying {source.name} to {target}")
    command = [*shlex.split(remote_qasearch), "publish", "--receive", incoming,
               "--index", folder, "--json", *(["--allow-older"] if allow_older else [])]
    out = _run([*shlex.split(rsh), host, shlex.join(command)], f"swapping it in on {host}")
    try:
        data = json.loads(out.strip().splitlines()[-1])
        data["target"] = target
        return PublishReport(**data)
    except (ValueError, IndexError, TypeError) as exc:
        raise PublishError(f"{host}: unexpected answer from `qasearch publish --receive` "
                           f"({exc}): {out[-200:]!r}") from None


def _run(cmd: list[str], doing: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise PublishError(f"{doing}: cannot run {cmd[0]} ({exc.strerror})") from None
    if done.returncode != 0:
        lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        why = lines[-1].removeprefix("Error: ") if lines else f"exit status {done.returncode}"
        raise PublishError(f"{doing}: {why}")
    return done.stdout


# ---------------------------------------------------------------------------------------------
# The receiving side.


def receive(index_dir: Path | str, incoming: Path | str, *,
            allow_older: bool = False) -> PublishReport:
    """Verify the copied generation in `incoming` (``INDEX/.incoming-<generation>``) and make
    it the live generation of `index_dir`."""
    started = time.monotonic()
    index_dir, incoming = Path(index_dir), Path(incoming)
    name = incoming.name.removeprefix(INCOMING_PREFIX)
    if (not incoming.name.startswith(INCOMING_PREFIX) or not name.startswith(GEN_PREFIX)
            or incoming.parent.resolve() != index_dir.resolve()):
        raise PublishError(f"{incoming}: expected {index_dir}/{INCOMING_PREFIX}{GEN_PREFIX}..."
                           " (the folder a publish copies a generation into)")
    try:
        with lock.build_lock(index_dir):
            live = current_generation(index_dir)
            if live == name:
                shutil.rmtree(incoming, ignore_errors=True)
                return _unchanged(index_dir, name)
            files, size = _verified(incoming, name)
            _refuse_older(index_dir, live, incoming, allow_older)
            _move_in(index_dir, incoming, name)
            build._swap(index_dir, name, live)
            build._cleanup(index_dir, keep={CURRENT, LOCK, name, *([live] if live else [])})
    except lock.LockBusy as exc:
        raise PublishError(f"{exc}; try again when it is done") from None
    except OSError as exc:
        raise PublishError(f"cannot publish into {index_dir}: "
                           f"{(exc.strerror or str(exc)).lower()}; the live index was left as "
                           "it was") from None
    return PublishReport(target=str(index_dir), generation=name, previous=live, files=files,
                         bytes=size, seconds=round(time.monotonic() - started, 3),
                         changed=True)


def _unchanged(index_dir: Path, name: str) -> PublishReport:
    return PublishReport(target=str(index_dir), generation=name, previous=name, files=0,
                         bytes=0, seconds=0.0, changed=False)


def _verified(incoming: Path, name: str) -> tuple[int, int]:
    """Check the copy against its checksums (after flushing it to disk); (files, bytes)."""
    try:
        meta = read_meta(incoming)
        if meta.get("generation") != name or not checks.has_checksums(meta):
            raise checks.GenerationDamaged(f"{name}: its meta.json does not describe it")
        listed = json.loads((incoming / checks.CHECKSUMS).read_text(encoding="utf-8"))["files"]
        for path in incoming.iterdir():  # e.g. a partial file of an interrupted transfer
            if path.name not in listed and path.name != checks.CHECKSUMS:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        checks.verify(incoming)
        size = sum(_fsync(path) for path in incoming.iterdir())
        build._fsync_dir(incoming)
    except (OSError, ValueError, KeyError, TypeError, checks.GenerationDamaged) as exc:
        raise PublishError(f"the copy of {name} is incomplete or damaged ({exc}): publish it "
                           "again; the live index was left as it was") from None
    return len(listed) + 1, size


def _fsync(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def _refuse_older(index_dir: Path, live: str | None, incoming: Path,
                  allow_older: bool) -> None:
    if live is None or allow_older:
        return
    try:
        live_built = str(read_meta(index_dir / live).get("built_at", ""))
    except (OSError, ValueError):
        return  # an unreadable live generation is no reason to keep it
    new_built = str(read_meta(incoming).get("built_at", ""))
    name = incoming.name.removeprefix(INCOMING_PREFIX)
    if new_built < live_built or name in live_and_earlier(index_dir)[1:]:
        raise PublishError(f"{name} (built {new_built}) "
                           f"is older than the live {live} (built {live_built}) of {index_dir};"
                           " to roll back, publish it with --allow-older")


def _move_in(index_dir: Path, incoming: Path, name: str) -> None:
    """Rename the verified copy to its generation's name (an earlier copy of the same
    generation, e.g. the one CURRENT keeps as fallback, is replaced)."""
    final = index_dir / name
    if final.exists():
        shutil.rmtree(final)
    os.rename(incoming, final)
    build._fsync_dir(index_dir)
