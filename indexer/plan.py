"""From a parsed query to what is scored: clauses, phrases, exclusions, boosts.

This is where a query is *understood*: short keyword queries must match every word (falling
back to "some words"); long messages are reduced to the words that carry meaning, the
condition they name (matched against the corpus' foci and synonyms) and the question type
(treatment, cause...), which boost records about that condition and of that type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.analysis import STOP_WORDS, stem
from indexer.query import ParsedQuery
from indexer.ranking import Alternative, Clause, RankData
from indexer.results import SynonymUse

ALL_WORDS_MAX = 4  # up to this many query units, every one must match


@dataclass
class Plan:
    clauses: list[Clause] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)  # must appear as phrases
    negated: list[tuple[str, ...]] = field(default_factory=list)
    min_match: int = 1
    boost: Callable[[RankData, np.ndarray], np.ndarray] | None = None
    synonyms: list[SynonymUse] = field(default_factory=list)
    understood: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    searched: str = ""
    surface: dict[str, str] = field(default_factory=dict)  # stem -> word as typed


def plan_query(
    data: RankData, pq: ParsedQuery, *, corrections: dict[str, str] | None = None
) -> Plan:
    plan = Plan()
    via = "correction" if corrections else "query"
    corrected = set((corrections or {}).values())
    for group in pq.groups:
        alts = []
        for item in group:
            stems = tuple(item.stems)
            if not stems:
                continue
            for w in item.words:
                if w not in STOP_WORDS:
                    plan.surface.setdefault(stem(w), w)
            item_via = via if any(w in corrected for w in item.words) else "query"
            alts.append(Alternative(terms=stems, text=item.text, via=item_via))
            if item.phrase and len(stems) > 1 and len(group) == 1:
                plan.phrases.append(stems)
        if alts:
            plan.clauses.append(Clause(alternatives=alts, label=" OR ".join(a.text for a in alts)))
    for item in pq.negated:
        stems = tuple(item.stems)
        if stems:
            plan.negated.append(stems)
    n = len(plan.clauses)
    plan.min_match = n if n <= ALL_WORDS_MAX else max(1, (n + 1) // 2)
    plan.searched = " ".join(c.label for c in plan.clauses)
    return plan
