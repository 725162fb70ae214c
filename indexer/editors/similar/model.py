"""The scoring model of similar questions: feature names, fitted weights, calibration, the flag.

The weights, the 0..1 calibration and the flag threshold are data, fitted by
`qasearch eval rqe --fit [--semantic] --write` (`indexer.eval.rqe.fit`) and kept in
`indexer/data/similar_weights.json`; they are read once, on first use. `install` replaces them
for this process (what a fit does before it measures); `save` writes them back.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEIGHTS_FILE = Path(__file__).resolve().parents[2] / "data" / "similar_weights.json"

FEATURES = ("focus", "focus_subject", "focus_mass", "type", "doc_cover", "draft_cover",
            "draft_mass", "specific_generic", "semantic")
FLAG_MIN_FOCUS = 0.5  # the flag needs this much of the hit's condition in the draft
FLAG_MIN_ASKED = 0.05  # ... and some of what the draft asks in the hit (chosen on validation)


@dataclass(frozen=True)
class Scoring:
    """Weights of the features, the logistic calibration (a, b) and the flag threshold."""

    weights: dict[str, float]
    calibration: tuple[float, float]  # calibrated = sigmoid(a * score + b)
    threshold: float  # "likely already answered" at or above this calibrated score

    def raw(self, feats: dict[str, float]) -> float:
        """The linear score of a pair's features."""
        return sum(self.weights[k] * v for k, v in feats.items())

    def calibrated(self, raw: float) -> float:
        """The raw score mapped to 0..1."""
        a, b = self.calibration
        return sigmoid(a * raw + b)

    def to_dict(self) -> dict[str, Any]:
        return {"weights": self.weights, "calibration": list(self.calibration),
                "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scoring:
        weights = {k: float(d["weights"][k]) for k in FEATURES}
        a, b = d["calibration"]
        return cls(weights, (float(a), float(b)), float(d["threshold"]))


@dataclass(frozen=True)
class Model:
    """Both scorings (without and with the semantic extra) and where they came from."""

    lexical: Scoring
    semantic: Scoring
    source: str = field(default="")

    def scoring(self, semantic: bool) -> Scoring:
        return self.semantic if semantic else self.lexical

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "lexical": self.lexical.to_dict(),
                "semantic": self.semantic.to_dict()}


def load(path: Path | None = None) -> Model:
    """The model stored at `path` (default: the data file)."""
    d = json.loads(Path(path or WEIGHTS_FILE).read_text(encoding="utf-8"))
    return Model(Scoring.from_dict(d["lexical"]), Scoring.from_dict(d["semantic"]),
                 str(d.get("source", "")))


def save(model: Model, path: Path | None = None) -> None:
    """Write `model` to `path` (default: the data file), atomically."""
    path = Path(path or WEIGHTS_FILE)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


class _Current:
    """The model this process scores with: read from the data file on first use."""

    def __init__(self) -> None:
        self._model: Model | None = None
        self._lock = threading.Lock()

    def get(self) -> Model:
        m = self._model
        if m is None:
            with self._lock:
                if self._model is None:
                    self._model = load()
                m = self._model
        return m

    def set(self, model: Model | None) -> None:
        self._model = model


_CURRENT = _Current()


def current() -> Model:
    """The model in use (the data file's, unless `install` replaced it)."""
    return _CURRENT.get()


def scoring(semantic: bool) -> Scoring:
    """The scoring in use, without or with the semantic extra."""
    return _CURRENT.get().scoring(semantic)


def install(scoring_: Scoring, *, semantic: bool, source: str | None = None) -> Model:
    """Use `scoring_` for one mode in this process from now on; returns the new model."""
    m = current()
    new = Model(m.lexical if semantic else scoring_, scoring_ if semantic else m.semantic,
                m.source if source is None else source)
    _CURRENT.set(new)
    return new


def reset() -> None:
    """Forget installed changes: the data file is read again on next use."""
    _CURRENT.set(None)


FLAGGED = "flagged"
BELOW_THRESHOLD = "below threshold"
CONDITION_NOT_NAMED = "condition not named"
NOT_WHAT_IS_ASKED = "not what is asked"
VERDICTS = {  # why a hit is or is not flagged, for people
    FLAGGED: "its score reaches the threshold, your draft names its condition and it asks "
             "what your draft asks",
    BELOW_THRESHOLD: "its score is below the threshold",
    CONDITION_NOT_NAMED: "your draft does not name this question's condition (at most half "
                         "of its words)",
    NOT_WHAT_IS_ASKED: "it shares the condition but not what your draft asks",
}


def verdict(p: float, feats: dict[str, float], threshold: float, asked: float = 1.0) -> str:
    """Why a hit is flagged "likely already answered" or not (a key of VERDICTS): the three
    conditions of `flag`, checked in order."""
    if p < threshold:
        return BELOW_THRESHOLD
    if feats.get("focus", 0.0) < FLAG_MIN_FOCUS:
        return CONDITION_NOT_NAMED
    if asked < FLAG_MIN_ASKED:
        return NOT_WHAT_IS_ASKED
    return FLAGGED


def flag(p: float, feats: dict[str, float], threshold: float, asked: float = 1.0) -> bool:
    """"Likely already answered": a calibrated score at the threshold, the archived question's
    condition mostly named in the draft *and* (`asked`) enough of what the draft asks (its
    first and asking sentences) met in the archived question: a hit that shares only the
    archive's common words ("acupuncture" on an acupuncture site), or a short question whose
    few words a long message happens to contain, is not flagged."""
    return verdict(p, feats, threshold, asked) == FLAGGED


def sigmoid(x: float) -> float:
    """The logistic function, without overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)
