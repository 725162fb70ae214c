"""Duplicate groups: records that ask the same thing, and one answer reused for several
questions.

Modules: `pairs` (how much two archived questions ask the same thing), `candidates` (whom
each record is compared with), `cluster` (the groups: mutual nearest neighbours, stock
answers), `store` (groups computed by
the index build and kept in the generation; computed in the background for older
generations; `indexer.index.pending`: the build's progress while it computes them after
the swap), `decisions` (editors' "not duplicates" / "merged", by record ids), `medquad`
(the check against MedQuAD's focus CUIs and question types). `indexer.editors.report` renders
the groups (JSON, CSV, HTML).
"""

from __future__ import annotations

from typing import Any

from indexer.editors.duplicates.cluster import (
    CANDIDATES,
    KIND_LABELS,
    KINDS,
    NEIGHBOURS,
    SAME_QUESTION,
    STOCK_ANSWER,
    THRESHOLD,
    Cluster,
    Member,
    clusters_for_records,
    find_duplicates,
)
from indexer.editors.duplicates.medquad import medquad_check
from indexer.editors.duplicates.pairs import PairScorer, pair_similarity
from indexer.editors.duplicates.store import (
    Groups,
    generation_groups,
    read_groups,
    wait_groups,
    write_groups,
)


def duplicate_clusters(s: Any) -> list[Cluster]:
    """The duplicate groups of the generation session `s` sees, waiting for them when they
    are still being computed (the CLI and tests; the web app shows progress instead)."""
    groups = wait_groups(s)
    if groups.state != "ready":
        raise RuntimeError(f"duplicate groups could not be computed: {groups.error}")
    return groups.clusters


__all__ = [
    "CANDIDATES",
    "KINDS",
    "KIND_LABELS",
    "NEIGHBOURS",
    "SAME_QUESTION",
    "STOCK_ANSWER",
    "THRESHOLD",
    "Cluster",
    "Groups",
    "Member",
    "PairScorer",
    "clusters_for_records",
    "duplicate_clusters",
    "find_duplicates",
    "generation_groups",
    "medquad_check",
    "pair_similarity",
    "read_groups",
    "wait_groups",
    "write_groups",
]
