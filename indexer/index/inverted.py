"""The inverted lists of a generation's forward arrays (term -> rows), written with the
generation (`indexer.index.ranking`) so that processes share them, and computed in the process
for a generation written before they were stored.

The frequencies are kept as the forward arrays hold them (whole numbers, uint8 or uint16):
scoring multiplies them by float32 weights, which gives the same float32 products as a
float32 copy would, without one (4 bytes a posting on disk and in every process's pages).
"""

from __future__ import annotations

import numpy as np

from indexer.index.arrays import count_array, index_array, offset_array
from indexer.index.terms import FIELDS


def inverted_lists(fwd: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], n_rows: int,
                   n_terms: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per field, the inverted lists of the forward arrays: (ptr by term id, rows, tfs),
    each in the smallest type that holds it (`indexer.index.arrays`)."""
    inv = {}
    for f in FIELDS:
        ptr, tids, tfs = fwd[f]
        rows = np.repeat(index_array(np.arange(n_rows), n_rows), np.diff(ptr))
        order = np.argsort(tids, kind="stable")
        counts = np.bincount(tids, minlength=n_terms)
        iptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(counts, out=iptr[1:])
        inv[f] = (offset_array(iptr), rows[order], count_array(tfs[order]))
    return inv


def entry_rows(cat_ptr: np.ndarray, n_rows: int) -> np.ndarray:
    """The row of every entry of `cat_ids`."""
    return np.repeat(index_array(np.arange(n_rows), n_rows), np.diff(cat_ptr))
