"""The inverted lists of a generation's forward arrays (term -> rows), written with the
generation (`indexer.index.ranking`) so that processes share them, and computed in the process
for a generation written before they were stored."""

from __future__ import annotations

import numpy as np

from indexer.index.terms import FIELDS


def inverted_lists(fwd: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int,
                   n_terms: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per field, the inverted lists of the forward arrays: (ptr by term id, rows, tfs)."""
    inv = {}
    for f in FIELDS:
        ptr, tids, tfs = fwd[f]
        rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(ptr))
        order = np.argsort(tids, kind="stable")
        counts = np.bincount(tids, minlength=n_terms)
        iptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=iptr[1:])
        # float32 frequencies: what scoring multiplies (converting a slice per lookup cost
        # 2 us, four times the lookup; uint16 would halve these arrays on disk)
        inv[f] = (iptr, rows[order], tfs[order].astype(np.float32))
    return inv


def entry_rows(cat_ptr: np.ndarray, n_rows: int) -> np.ndarray:
    """The row of every entry of `cat_ids`."""
    return np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(cat_ptr))
