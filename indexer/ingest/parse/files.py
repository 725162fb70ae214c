"""Walking input folders: the one rule every reader follows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def walk_files(root: Path) -> Iterator[Path]:
    """Files under `root` in sorted order, skipping dot-directories and dot-files (a crawl's
    `.crawl/` state, editor swap files); an unreadable folder yields nothing."""
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from walk_files(entry)
        elif entry.is_file():
            yield entry
