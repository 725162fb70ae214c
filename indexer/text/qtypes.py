"""What a question asks about (treatment, causes, outlook...): one model, two views.

The cues live in one table, `indexer/data/qtype_cues.toml`: MedQuAD's ``qtype`` labels grouped
into 13 coarse groups, each label with its search cues and each group with its cue words.

- **Search** (`question_types`, `with_related`): MedQuAD's 36 fine labels.
      question_types("Can acupuncture help my sciatica?")  -> [("treatment", 1.0)]
  Cue phrases (regular expressions over the lower-cased text) vote for labels with weights;
  scores are scaled so the best label has 1.0, and labels under a third of the best are
  dropped. "information" ("what is ...") is a weak cue: consumers write "what is the treatment
  for..." more often than they want a definition. Returns [] when nothing points anywhere.
- **Similar questions** (`detect`, `from_label`, `best`): weights over the 13 `GROUPS` that
  sum to 1, from cue words over the folded words; a question without a cue is "information";
  a record carrying a MedQuAD label keeps that label's group (`MEDQUAD_GROUPS`).

The two views keep the cues they were tuned with (search on LiveQA, groups on the RQE training
split): they match differently (phrases over the raw text vs word alternations over folded
words, counted per cue vs per group), so one set of cues cannot give both views' results.
Measured against MedQuAD's labels (its 43,465 distinct questions), the top detected group is the
label's group for 83%; most misses are templates whose one cue is outweighed by the
"information" share every question gets (`INFORMATION_PRIOR`), e.g. "What are the brand names
of X ?" (2026-11-28; the similarity uses the whole distribution, not the top).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.index.caches import entries
from indexer.text.analysis import words

CUES_FILE = Path(__file__).resolve().parent.parent / "data" / "qtype_cues.toml"

INFORMATION = "information"
INFORMATION_PRIOR = 1.0  # added to "information" when a question has any group cue
RELATED_TREATMENT = 0.8
KEEP_RATIO = 1 / 3
MIN_SCORE = 0.5  # a label needs at least one clear cue (weak hints alone say nothing)
MAX_CHARS = 4000  # search view: text looked at
MAX_CHARS_GROUPS = 2000  # similar view: text looked at

# Labels that answer a question of another type when the corpus has few of the first kind
# (MedQuAD's drug pages, for example, cover interactions under side effects and precautions).
RELATED: dict[str, tuple[tuple[str, float], ...]] = {
    # a drug page answers "can X treat Y" in what it is prescribed for and how it is used
    "treatment": (("indication", RELATED_TREATMENT), ("usage", RELATED_TREATMENT * 0.75)),
    "interactions with medications": (("side effects", 0.6), ("precautions", 0.6), ("usage", 0.5)),
    "interactions with foods": (("dietary", 0.8), ("precautions", 0.5), ("usage", 0.4)),
    "interactions with herbs and supplements": (("precautions", 0.6), ("side effects", 0.5)),
    "dose": (("usage", 1.0),),
    "precautions": (("side effects", 0.5), ("usage", 0.4)),
    "dietary": (("usage", 0.5), ("precautions", 0.4)),
    "severe reaction": (("side effects", 0.8),),
    "contraindication": (("precautions", 0.8),),
    "emergency or overdose": (("symptoms", 0.5), ("outlook", 0.5), ("treatment", 0.5)),
}

Cue = tuple[str, re.Pattern[str], float]  # (label or group, pattern, weight)


@dataclass(frozen=True)
class CueTable:
    """The parsed cue table: both views' labels, cues and the label -> group mapping."""

    labels: tuple[str, ...]  # search's fine labels, in tie-break order
    groups: tuple[str, ...]  # similar questions' groups, in order
    label_group: dict[str, str]  # every MedQuAD label -> its group
    search: list[Cue]
    openers: list[Cue]
    similar: list[Cue]
    type_words: frozenset[str]


def load_cues(path: Path = CUES_FILE) -> CueTable:
    """Read and compile the cue table at `path`."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    labels = tuple(data.pop("labels"))
    type_words = frozenset(data.pop("type_words"))
    label_group: dict[str, str] = {}
    search: list[Cue] = []
    openers: list[Cue] = []
    similar: list[Cue] = []
    for group, table in data.items():
        for weight, cue in table.get("similar", ()):
            pattern = cue if isinstance(cue, str) else r"\b(" + "|".join(cue) + r")\b"
            similar.append((group, re.compile(pattern), float(weight)))
        for label, lt in table.get("label", {}).items():
            label_group[label] = group
            search += [(label, re.compile(rx), float(w)) for w, rx in lt.get("search", ())]
            openers += [(label, re.compile(rx), float(w)) for w, rx in lt.get("opener", ())]
    missing = set(labels) - label_group.keys()
    if missing:
        raise ValueError(f"{path}: labels without a group: {sorted(missing)}")
    return CueTable(labels, tuple(data), label_group, search, openers, similar, type_words)


_TABLE = load_cues()
LABELS: tuple[str, ...] = _TABLE.labels
GROUPS: tuple[str, ...] = _TABLE.groups
MEDQUAD_GROUPS: dict[str, str] = _TABLE.label_group
# Words that name a question type rather than a condition: left out of the "condition"
# (focus) of a question that has no focus of its own.
TYPE_WORDS: frozenset[str] = _TABLE.type_words
_RANK = {label: i for i, label in enumerate(LABELS)}


# ---------------------------------------------------------------------------------------------
# Search view: the fine labels.


def question_types(text: str) -> list[tuple[str, float]]:
    """MedQuAD question types the text asks about, best first, scores in (0, 1]."""
    if not isinstance(text, str) or not text.strip():
        return []
    return list(_types(" ".join(text.lower().split())[:MAX_CHARS]))


@lru_cache(maxsize=entries("question_types"))
def _types(text: str) -> tuple[tuple[str, float], ...]:
    scores: dict[str, float] = {}
    for label, rx, w in _TABLE.search:
        n = len(rx.findall(text))
        if n:
            scores[label] = scores.get(label, 0.0) + w * (1.0 + 0.25 * min(n - 1, 4))
    scores = {label: sc for label, sc in scores.items() if sc >= MIN_SCORE}
    # openers point somewhere only when nothing else does: "What is X?" asks for an
    # overview, "What are the causes of X?" does not
    if not (scores.keys() - {INFORMATION}):
        for label, rx, w in _TABLE.openers:
            if rx.search(text):
                scores[label] = scores.get(label, 0.0) + w
    if not scores:
        return ()
    top = max(scores.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _RANK[kv[0]]))
    return tuple((label, round(s / top, 3)) for label, s in ranked if s >= top * KEEP_RATIO)


def with_related(types: list[tuple[str, float]], known: set[str] | None = None,
                 ) -> list[tuple[str, float]]:
    """`types` plus the labels related to them (weighted down), best first; with `known`,
    only labels in it (e.g. those the index has)."""
    scores = dict(types)
    for label, conf in types:
        for other, w in RELATED.get(label, ()):
            scores[other] = max(scores.get(other, 0.0), round(conf * w, 3))
    out = sorted(scores.items(), key=lambda kv: (-kv[1], _RANK[kv[0]]))
    return [(lab, c) for lab, c in out if known is None or lab in known]


# ---------------------------------------------------------------------------------------------
# Similar questions' view: the groups.


def detect(text: str) -> dict[str, float]:
    """Weights over `GROUPS` (summing to 1) for what `text` asks about."""
    return dict(_detect_cached((text or "")[:MAX_CHARS_GROUPS]))


@lru_cache(maxsize=20_000)
def _detect_cached(text: str) -> tuple[tuple[str, float], ...]:
    joined = " ".join(words(text))
    scores: dict[str, float] = {}
    for group, pattern, weight in _TABLE.similar:
        n = len(pattern.findall(joined))
        if n:
            scores[group] = scores.get(group, 0.0) + weight * min(n, 3) ** 0.5
    if not scores:
        return ((INFORMATION, 1.0),)
    # a question always asks "about" its condition too: a general page about it answers
    # part of it (the weight was chosen on the RQE training split: 0.3 -> 1.0 raised P@1
    # with MedQuAD distractors from 0.876 to 0.884 there, 0.345 -> 0.398 on validation)
    scores[INFORMATION] = scores.get(INFORMATION, 0.0) + INFORMATION_PRIOR
    total = sum(scores.values())
    return tuple(sorted(((g, s / total) for g, s in scores.items()), key=lambda x: -x[1]))


def from_label(qtype: str) -> dict[str, float] | None:
    """The group of a MedQuAD ``qtype`` label, or None when the label is unknown or empty."""
    group = MEDQUAD_GROUPS.get((qtype or "").strip().lower())
    return {group: 1.0} if group else None


def best(types: dict[str, float]) -> str:
    """The most likely group."""
    return max(types.items(), key=lambda x: x[1])[0] if types else INFORMATION
