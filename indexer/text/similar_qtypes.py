"""What a question asks about (treatment, cause, diagnosis, ...), for the editors' tools.

Question types are detected from cue words and phrases, in coarse groups that MedQuAD's 39
``qtype`` labels map onto (`MEDQUAD_GROUPS`). A record that carries a MedQuAD label keeps it;
anything else (a draft question, a scraped archive item, a consumer's long message) is
classified from its words. `detect(text)` returns weights over the groups that sum to 1; a
question without a cue falls back to "information" ("what is X?", "tell me about X").

Measured against MedQuAD's labels (its 43,465 distinct questions, `rqe_eval.medquad_questions`):
the top detected group is the label's group for 83%; most misses are templates whose one cue
is outweighed by the "information" share every question gets (`INFORMATION_PRIOR`): "What are
the brand names of X ?", "How should X be used and what is the dosage ?", "What are the
complications of X ?" (2026-11-28; the similarity uses the whole distribution, not the top).
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.text.analysis import words

INFORMATION = "information"
INFORMATION_PRIOR = 1.0  # added to "information" when a question has any type cue
GROUPS = (
    "information",
    "treatment",
    "causes",
    "symptoms",
    "diagnosis",
    "outlook",
    "prevention",
    "susceptibility",
    "complications",
    "side effects",
    "contact",
    "research",
    "drug use",
)

MEDQUAD_GROUPS: dict[str, str] = {
    "information": "information",
    "other information": "information",
    "considerations": "information",
    "symptoms": "symptoms",
    "treatment": "treatment",
    "dietary": "treatment",
    "usage": "treatment",
    "indication": "treatment",
    "how does it work": "treatment",
    "how effective is it": "treatment",
    "causes": "causes",
    "genetic changes": "causes",
    "inheritance": "susceptibility",
    "susceptibility": "susceptibility",
    "frequency": "susceptibility",
    "outlook": "outlook",
    "exams and tests": "diagnosis",
    "stages": "diagnosis",
    "prevention": "prevention",
    "why get vaccinated": "prevention",
    "complications": "complications",
    "side effects": "side effects",
    "precautions": "side effects",
    "important warning": "side effects",
    "contraindication": "side effects",
    "severe reaction": "side effects",
    "emergency or overdose": "side effects",
    "interactions with medications": "side effects",
    "interactions with herbs and supplements": "side effects",
    "interactions with foods": "side effects",
    "when to contact a medical professional": "contact",
    "support groups": "contact",
    "how can i learn more": "contact",
    "research": "research",
    "brand names": "drug use",
    "brand names of combination products": "drug use",
    "storage and disposal": "drug use",
    "forget a dose": "drug use",
    "dose": "drug use",
}

# (group, weight, pattern over the folded words joined by single spaces).
_CUES: list[tuple[str, float, str]] = [
    ("information", 0.6, r"\b(what|whats) (is|are|s)\b(?! the (best|treatment|cause|outlook|"
                         r"prognosis|risk|symptom|sign|side|main|long|economic))"),
    ("information", 0.6, r"\b(tell me|know|learn|information|info|explain|mean|meaning|definition"
                         r"|about)\b"),
    ("treatment", 1.0, r"\b(treat|treats|treated|treating|treatment|treatments|cure|cures|cured"
                       r"|curing|curable|therapy|therapies|therapeutic|remedy|remedies|medication"
                       r"|medications|medicine|medicines|drug|drugs|surgery|surgeries|surgical"
                       r"|operation|operate|procedure|procedures|heal|healing|relief|relieve|prescribed"
                       r"|how effective|how does it work|dietary|diet|eat|food|foods"
                       r"|manage|managing|management|options|option|rehabilitation|rehab)\b"),
    ("treatment", 0.8, r"\b(get rid|go away|what (can|should) i do|what to do|how (can|do) i "
                       r"(stop|fix|solve|reduce|overcome|help|get over|deal)|help me|stop|"
                       r"overcome|solve|fix|remove|removed|removal|help)\b"),
    ("causes", 1.0, r"\b(cause|causes|caused|causing|why|reason|reasons|trigger|triggers"
                    r"|triggered|due to|result of|how do i get|how did i get|how do you get"
                    r"|what makes|lead to|leads to|responsible|genetic changes)\b"),
    ("symptoms", 1.0, r"\b(symptom|symptoms|sign|signs|feel like|look like|warning signs"
                      r"|manifestations?)\b"),
    ("diagnosis", 1.0, r"\b(diagnose|diagnosed|diagnosis|diagnosing|test|tests|tested|testing"
                       r"|detect|detected|found|find out if|screen|screening|scan|scans|mri|ct"
                       r"|x ray|xray|biopsy|exam|examination|blood work|stage|stages|staging)\b"),
    ("outlook", 1.0, r"\b(prognosis|outlook|survival|survive|surviving|life expectancy|expectancy"
                     r"|recover|recovery|recovering|get better|long term|permanent|fatal|die"
                     r"|dying|deadly|how long|chance|chances|go away|worse|progress|progression"
                     r"|cope|coping)\b"),
    ("prevention", 1.0, r"\b(prevent|prevents|prevented|preventing|prevention|avoid|avoiding"
                        r"|reduce the risk|lower the risk|protect|vaccine|vaccines|vaccination"
                        r"|vaccinated|immune|immunization|recurrence|recurrance)\b"),
    ("susceptibility", 1.0, r"\b(who gets|who get|who is at risk|how many|how common|common"
                            r"|inherit|inherited|inheritance|hereditary|genetic|genes|gene|run in"
                            r"|runs in|family history|more likely|risk|risks|at risk|risk factor"
                            r"|risk factors|age|children get|contagious|catch)\b"),
    ("complications", 1.0, r"\b(complication|complications|long term effects|harmful effects"
                           r"|effects of|associated with|co exist|lead to|damage)\b"),
    ("side effects", 1.5, r"\b(side effect|side effects|safe|safety|harmful|dangerous|overdose"
                          r"|interact|interaction|interactions|allergic|reaction|too much"
                          r"|precautions?|warning|contraindications?|should not)\b"),
    ("contact", 1.0, r"\b(support group|support groups|find a doctor|which doctor|what doctor"
                     r"|type of doctor|kind of doctor|specialist|specialists|physician|clinic"
                     r"|hospital|contact|see a doctor|when to see|refer|referral|where can i"
                     r"|recommend a|worry|worried|emergency|urgent|find support|learn more)\b"),
    ("research", 1.0, r"\b(research|researchers|study|studies|trial|trials|clinical trial"
                      r"|scientists|new treatment|new treatments|experimental|latest|recent)\b"),
    ("drug use", 1.0, r"\b(dose|dosage|doses|brand|brands|generic|store|storage|missed|forget"
                      r"|how to take|how should i take|price|cost|brand names)\b"),
]
_COMPILED = [(g, w, re.compile(p)) for g, w, p in _CUES]

# Words that name a question type rather than a condition: left out of the "condition"
# (focus) of a question that has no focus of its own.
TYPE_WORDS: frozenset[str] = frozenset(
    """
    treat treats treated treating treatment treatments cure cures cured curing therapy therapies
    remedy remedies option options manage management cause causes caused causing reason reasons
    symptom symptoms sign signs diagnose diagnosed diagnosis diagnosing test tests testing
    prognosis outlook survival rate rates prevent prevention risk risks factor factors
    complication complications effect effects side research researchers learning long term
    support group groups doctor doctors find get gets people person best available main
    different type types form forms help know information common many much new latest
    """.split()  # noqa: SIM905 - a word list is easier to edit as text
)


@lru_cache(maxsize=20_000)
def _detect_cached(text: str) -> tuple[tuple[str, float], ...]:
    joined = " ".join(words(text))
    scores: dict[str, float] = {}
    for group, weight, pattern in _COMPILED:
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


def detect(text: str) -> dict[str, float]:
    """Weights over `GROUPS` (summing to 1) for what `text` asks about."""
    return dict(_detect_cached((text or "")[:2000]))


def from_label(qtype: str) -> dict[str, float] | None:
    """The group of a MedQuAD ``qtype`` label, or None when the label is unknown or empty."""
    group = MEDQUAD_GROUPS.get((qtype or "").strip().lower())
    return {group: 1.0} if group else None


def best(types: dict[str, float]) -> str:
    """The most likely group."""
    return max(types.items(), key=lambda x: x[1])[0] if types else INFORMATION
