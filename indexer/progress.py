"""One progress bar for long library work (crawl, parse, index build, duplicate groups).

    bar = progress_bar(total, unit="rec", desc="indexing")
    bar.update(1); bar.close()

A tqdm bar on stderr; `enabled=False` (or stderr not a terminal, tqdm's `disable=None`) gives
a bar that draws nothing, so callers never branch on it.
"""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(total: int | None, *, unit: str, desc: str, initial: int = 0,
                 enabled: bool = True, leave: bool = False, mininterval: float = 0.1) -> Any:
    """A tqdm bar writing to stderr (imported lazily: importing the library stays cheap)."""
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit=unit, desc=desc, file=sys.stderr,
                leave=leave, mininterval=mininterval, disable=None if enabled else True)
