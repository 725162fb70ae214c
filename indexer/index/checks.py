"""Checksums of a generation: written at build, verified when a process opens it.

`write_checksums(gen_dir)` records the size and SHA-256 of every file of a finished
generation in `checksums.json` (and fsyncs each file: a generation is swapped in only once it
is on disk); `add_checksum` adds the duplicate groups, which a build may store after the
swap. `verify(gen_dir)` checks them and raises `GenerationDamaged` with one line
naming the first bad file. Hashing reads the whole generation once (~0.1 s for the 37 MB
MedQuAD index), so a process verifies a generation once, when it opens it.

Generations built before checksums existed have none and their meta.json does not say
`"checksums": true`; they are opened unverified. A generation whose meta.json says it has
checksums but lacks the file is damaged.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

CHECKSUMS = "checksums.json"
_CHUNK = 1 << 20


class GenerationDamaged(RuntimeError):
    """A generation's files do not match what its build wrote (truncated, edited, missing)."""


def file_digest(path: Path, fsync: bool = False) -> tuple[int, str]:
    """(size, sha256 hex) of a file; `fsync` also flushes it to disk."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
        if fsync:
            os.fsync(fh.fileno())
    return size, h.hexdigest()


def write_checksums(gen_dir: Path, skip: frozenset[str] = frozenset()) -> None:
    """Record size and SHA-256 of every file in `gen_dir`, fsyncing each one; dot-files
    (temporary files, the duplicate groups' pending marker) and `skip` are left out."""
    files = {}
    for path in sorted(gen_dir.iterdir()):
        if (path.is_file() and path.name != CHECKSUMS and not path.name.startswith(".")
                and path.name not in skip):
            files[path.name] = list(file_digest(path, fsync=True))
    _write_listed(gen_dir, files)


def add_checksum(gen_dir: Path, name: str) -> None:
    """Add file `name`, written after the checksums, to them (the duplicate groups a build
    stores in its generation after the swap): checksums.json is replaced atomically by one
    that lists the same files and this one, so a process verifying the generation meanwhile
    sees the old list or the new one, each true."""
    files = json.loads((gen_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
    files[name] = list(file_digest(gen_dir / name, fsync=True))
    _write_listed(gen_dir, dict(sorted(files.items())))


def _write_listed(gen_dir: Path, files: dict[str, list]) -> None:
    tmp = gen_dir / f".{CHECKSUMS}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump({"version": 1, "files": files}, fh, indent=0)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, gen_dir / CHECKSUMS)


def has_checksums(meta: dict) -> bool:
    return bool(meta.get("checksums"))


def file_intact(gen_dir: Path, name: str) -> bool:
    """Whether file `name` of the generation is listed in its checksums and matches them."""
    try:
        listed = json.loads((gen_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        return list(file_digest(gen_dir / name)) == list(listed[name])[:2]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def verify(gen_dir: Path) -> None:
    """Raise GenerationDamaged unless every file listed in checksums.json is intact."""
    try:
        listed = json.loads((gen_dir / CHECKSUMS).read_text(encoding="utf-8"))["files"]
        if not isinstance(listed, dict):
            raise TypeError("'files' is not an object")
    except FileNotFoundError:
        raise GenerationDamaged(f"{gen_dir.name}: {CHECKSUMS} is missing") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GenerationDamaged(f"{gen_dir.name}: {CHECKSUMS} is unreadable ({exc})") from None
    for name, expected in sorted(listed.items()):
        path = gen_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            raise GenerationDamaged(f"{gen_dir.name}: {name} is missing") from None
        if [size] != list(expected)[:1]:
            raise GenerationDamaged(
                f"{gen_dir.name}: {name} is {size} bytes, its build wrote {expected[0]}")
    for name, expected in sorted(listed.items()):
        try:
            _, digest = file_digest(gen_dir / name)
        except OSError as exc:
            raise GenerationDamaged(f"{gen_dir.name}: {name} is unreadable ({exc})") from None
        if digest != expected[1]:
            raise GenerationDamaged(f"{gen_dir.name}: {name} has changed since its build "
                                    "(checksum mismatch)")
