"""The MedQuAD check of the duplicate groups: precision and recall of their cross-source pairs
against the pairs of records from different sources that share a focus CUI and a question
type (`qasearch duplicates --medquad-check`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from indexer.editors.duplicates.cluster import SAME_QUESTION, Cluster
from indexer.editors.similar.features import Entry
from indexer.editors.similar.index import QuestionIndex

MAX_FOCI_PER_CUI = 4  # CUIs on more distinct foci are generic concepts

def medquad_check(qi: QuestionIndex, clusters: Sequence[Cluster]) -> dict[str, Any]:
    """Precision and recall of the clusters' cross-source pairs against the pairs of records
    from different sources that share a focus CUI and a question type."""
    entries = qi.entries
    gold: set[tuple[str, str]] = set()
    # a CUI annotated on many different foci is a generic concept ("Syndrome"), not a focus
    foci: dict[str, set[frozenset[str]]] = defaultdict(set)
    for e in entries:
        for cui in set(e.cuis):
            foci[cui].add(e.focus[0][0] if e.focus else frozenset())
    by_key: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in entries:
        if e.qtype:
            for cui in set(e.cuis):
                if len(foci[cui]) <= MAX_FOCI_PER_CUI:
                    by_key[(cui, e.qtype)].append(e)
    for group in by_key.values():
        for a in group:
            for b in group:
                if a.id < b.id and a.source != b.source:
                    gold.add((a.id, b.id))
    source = {e.id: e.source for e in entries}
    pred: set[tuple[str, str]] = set()
    for c in clusters:
        if c.kind != SAME_QUESTION:
            continue
        ids = c.ids
        for a in ids:
            for b in ids:
                if a < b and source[a] != source[b]:
                    pred.add((a, b))
    tp = len(gold & pred)
    return {
        "gold_pairs": len(gold),
        "predicted_pairs": len(pred),
        "true_positives": tp,
        "precision": round(tp / len(pred), 4) if pred else 0.0,
        "recall": round(tp / len(gold), 4) if gold else 0.0,
    }
