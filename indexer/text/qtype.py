"""Question-type detection for queries and questions, in MedQuAD's `qtype` labels.

    question_types("Can acupuncture help my sciatica?")  -> [("treatment", 1.0)]
    question_types("Is dementia passed down in families?") -> [("inheritance", 1.0), ...]

Cue phrases (regular expressions over the lower-cased text) vote for labels with weights;
scores are scaled so the best label has 1.0, and labels under a third of the best are
dropped. "information" ("what is ...") is a weak cue: consumers write "what is the treatment
for..." more often than they want a definition. Returns [] when nothing points anywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

# MedQuAD qtype labels for diseases and conditions, then for drugs.
LABELS: tuple[str, ...] = (
    "information", "causes", "symptoms", "treatment", "exams and tests", "outlook",
    "prevention", "inheritance", "genetic changes", "frequency", "susceptibility",
    "complications", "research", "stages", "support groups", "considerations",
    "when to contact a medical professional",
    "usage", "side effects", "precautions", "dietary", "storage and disposal",
    "indication", "brand names", "forget a dose", "emergency or overdose", "other information",
    "interactions with medications", "interactions with foods",
    "interactions with herbs and supplements", "how does it work", "how effective is it",
    "dose", "contraindication", "important warning", "severe reaction",
)

_CUES: dict[str, list[tuple[str, float]]] = {
    "treatment": [
        (r"\btreat(?:s|ed|ing|ments?|able)?\b", 1.0), (r"\bcur(?:e|es|ed|ing|able)\b", 1.0),
        (r"\btherap(?:y|ies|ist)\b", 0.8), (r"\bremed(?:y|ies)\b", 0.9),
        (r"\bmedications?\b", 0.5), (r"\bmedicines?\b", 0.4), (r"\bdrugs?\b", 0.3),
        (r"\bsurger(?:y|ies)\b|\bsurgical\b|\boperation\b", 0.6),
        (r"\b(?:can|could|will|does|do|would)\b[^.?!]{0,40}\bhelp\b", 0.8),
        (r"\bhelp(?:s|ed)? (?:with|for)\b", 0.7), (r"\brelie(?:f|ve|ving)\b", 0.8),
        (r"\bget rid of\b", 1.0), (r"\bmanag(?:e|ing|ement)\b", 0.6), (r"\bheal(?:s|ing)?\b", 0.6),
        (r"\bwhat (?:can|should) (?:i|be|we|he|she) (?:do|done|take)\b", 0.8),
        (r"\bwhat to do\b", 0.6), (r"\balternatives?\b", 0.4), (r"\bacupuncture\b", 0.3),
    ],
    "causes": [
        (r"\bcaus(?:e|es|ed|ing)\b", 1.0), (r"\bwhy\b", 0.6), (r"\breasons?\b", 0.7),
        (r"\btrigger(?:s|ed)?\b", 0.7),
        (r"\bdue to\b", 0.5),
        (r"\bcontribut(?:e|es|ed|ing)\b", 0.6),
        (r"\blead(?:s)? to\b", 0.4), (r"\bresult(?:s)? (?:of|from)\b", 0.4),
        (r"\bhow (?:do|did|does|can) (?:you|i|one|people|someone) get\b", 0.8),
        (r"\bwhat makes\b", 0.6), (r"\baggravat\w*\b|\bmakes? (?:it )?worse\b", 0.6),
    ],
    "symptoms": [
        (r"\bsymptoms?\b", 1.0), (r"\bsigns?\b", 0.7), (r"\bsyntoms?\b|\bsymtoms?\b", 1.0),
        (r"\bfeel(?:s|ing)? like\b", 0.3), (r"\bis (?:this|it) (?:a sign|normal)\b", 0.6),
    ],
    "exams and tests": [
        (r"\bdiagnos(?:e|es|ed|is|ing|tic)\b", 1.0), (r"\btest(?:s|ed|ing)?\b", 0.8),
        (r"\bscreen(?:ing)?\b", 0.7), (r"\bdetect(?:ed|ion)?\b", 0.6),
        (r"\bfind out (?:if|whether)\b", 0.8), (r"\bblood work\b", 0.6),
        (r"\bbiopsy\b|\bmri\b|\bx-?ray\b|\bscan\b", 0.5),
        (r"\bdifferentiate\b|\btell the difference\b", 0.6),
    ],
    "outlook": [
        (r"\bprognosis\b", 1.0), (r"\boutlook\b", 1.0), (r"\blife expectancy\b", 1.0),
        (r"\bsurviv(?:e|al|ing)\b", 0.8), (r"\bgo away\b", 0.7), (r"\brecover(?:y|ed)?\b", 0.6),
        (r"\b(?:die|death|fatal|deadly|terminal)\b", 0.7), (r"\bhow long\b", 0.4),
        (r"\bcome back\b|\brecur(?:s|rence)?\b", 0.5), (r"\bsuccess rate\b", 0.6),
    ],
    "prevention": [
        (r"\bprevent(?:s|ed|ing|ion|ive)?\b", 1.0), (r"\bavoid(?:ing)?\b", 0.6),
        (r"\breduce (?:the|my) risk\b", 0.8), (r"\bprotect\b", 0.5),
        (r"\bvaccin(?:e|es|ated|ation)\b|\bvacine\b|\bshots?\b", 0.5),
    ],
    "inheritance": [
        (r"\binherit(?:ed|ance|able)?\b", 1.0), (r"\bhereditary\b", 1.0),
        (r"\bpass(?:ed)? (?:down|on)\b", 0.9),
        (r"\brun(?:s)? in (?:the |my )?famil(?:y|ies)\b", 1.0),
        (r"\bgenetic(?:ally)?\b", 0.7), (r"\bfamily history\b", 0.6), (r"\bcarriers?\b", 0.5),
        (r"\bchildren (?:get|have)\b", 0.3),
    ],
    "genetic changes": [
        (r"\bgenes?\b", 0.7),
        (r"\bmutations?\b", 0.9),
        (r"\bchromosom(?:e|es|al)\b|\bchromosone\b", 0.8),
        (r"\bgenetic(?:ally)?\b", 0.5), (r"\bdna\b", 0.5),
    ],
    "frequency": [
        (r"\bhow (?:common|rare|many people)\b", 1.0), (r"\bprevalence\b", 1.0),
        (r"\bincidence\b", 0.8), (r"\bhow often\b", 0.5),
    ],
    "susceptibility": [
        (r"\bat risk\b", 1.0), (r"\brisk factors?\b", 1.0), (r"\bwho (?:gets|is likely)\b", 0.8),
        (r"\bsu(?:s|c)cept[ai]b\w*\b", 1.0), (r"\bmore likely\b", 0.6), (r"\bcontagious\b", 0.6),
        (r"\btransmi(?:t|tted|ssion)\b|\bcatch(?:ing)?\b|\bspread\b", 0.6),
    ],
    "complications": [
        (r"\bcomplications?\b", 1.0), (r"\blong[- ]term effects?\b", 0.8),
        (r"\bdamage\b", 0.4), (r"\bafter effects?\b", 0.6), (r"\bcan (?:it|this) lead to\b", 0.6),
    ],
    "research": [
        (r"\bresearch\b", 1.0), (r"\bclinical trials?\b", 1.0), (r"\bstud(?:y|ies)\b", 0.6),
        (r"\bnew treatments?\b", 0.5), (r"\breferences?\b|\barticles?\b", 0.4),
    ],
    "stages": [(r"\bstag(?:e|es|ing)\b", 1.0)],
    "support groups": [
        (r"\bsupport groups?\b", 1.0), (r"\borgani[sz]ations?\b", 0.6),
        (r"\b(?:find|recommend) (?:a )?(?:doctor|specialist|physician)s?\b", 0.5),
    ],
    "information": [
        (r"\bwhat (?:is|are) (?:a |an |the )?\w+\s*\??\s*$", 0.6),
        (r"\binformation\b|\binfo\b", 0.6),
        (r"\bexplain\b|\bwhat does \w+ mean\b|\bmeaning\b", 0.5),
        (r"\bknow (?:more )?about\b|\blearn (?:more )?about\b|\btell me about\b", 0.5),
        (r"\bdefin(?:e|ition)\b", 0.6),
    ],
    "usage": [
        (r"\bdos(?:e|es|age)\b|\bmg\b|\bhow much\b", 0.8),
        (r"\bhow (?:to|should i) (?:take|use)\b", 1.0),
        (r"\bwhen (?:to|should i) take\b", 1.0), (r"\btak(?:e|ing) (?:it|this|them)\b", 0.4),
        (r"\bstop (?:taking|using)\b|\bswitch(?:ing)? from\b|\btaper\w*\b", 0.8),
        (r"\bmorning\b|\bevening\b|\bbed ?time\b", 0.3),
    ],
    "side effects": [
        (r"\bside[- ]?effe\w*\b", 1.0), (r"\breactions?\b", 0.5), (r"\badverse\b", 0.6),
        (r"\bwithdrawal\b", 0.6),
    ],
    "precautions": [
        (r"\bsafe (?:to|for)\b|\bis it safe\b", 0.8), (r"\bprecautions?\b", 1.0),
        (r"\ballergic\b", 0.5), (r"\bpregnan(?:t|cy)\b", 0.2),
    ],
    "storage and disposal": [
        (r"\bstor(?:e|age|ed)\b", 0.8),
        (r"\bdispos(?:e|al)\b", 1.0),
        (r"\bexpir(?:e|ed|ation|y)\b", 0.8),
        (r"refrigerat\w*\b", 0.8),
    ],
    "interactions with medications": [
        (r"\binteract(?:s|ion|ions)?\b", 1.0), (r"\b(?:take|taking) \w+ (?:with|and)\b", 0.3),
    ],
    "emergency or overdose": [(r"\boverdos\w*\b|\btoo (?:much|many)\b|\bpoison\w*\b", 1.0)],
    "dietary": [(r"\bdiet\b|\bfoods?\b|\beat(?:ing)?\b|\bgluten\b|\balcohol\b", 0.4)],
    "indication": [(r"\bprescribed\b|\bused for\b|\bwhat is \w+ for\b", 0.6)],
    "brand names": [(r"\bbrand names?\b|\bgeneric\b", 0.8)],
}

_COMPILED: list[tuple[str, re.Pattern[str], float]] = [
    (label, re.compile(rx), w) for label, cues in _CUES.items() for rx, w in cues
]
# Openers that point somewhere only when nothing else does: "What is X?" asks for an
# overview, "What are the causes of X?" does not.
_OPENERS: list[tuple[str, re.Pattern[str], float]] = [
    ("information", re.compile(r"^\s*what (?:is|are)\b"), 0.5),
]

RELATED_TREATMENT = 0.8

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

KEEP_RATIO = 1 / 3
MIN_SCORE = 0.5  # a label needs at least one clear cue (weak hints alone say nothing)
MAX_CHARS = 4000


@lru_cache(maxsize=4096)
def _types(text: str) -> tuple[tuple[str, float], ...]:
    scores: dict[str, float] = {}
    for label, rx, w in _COMPILED:
        n = len(rx.findall(text))
        if n:
            scores[label] = scores.get(label, 0.0) + w * (1.0 + 0.25 * min(n - 1, 4))
    scores = {label: sc for label, sc in scores.items() if sc >= MIN_SCORE}
    if not (scores.keys() - {"information"}):
        for label, rx, w in _OPENERS:
            if rx.search(text):
                scores[label] = scores.get(label, 0.0) + w
    if not scores:
        return ()
    best = max(scores.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], LABELS.index(kv[0])))
    return tuple((label, round(s / best, 3)) for label, s in ranked if s >= best * KEEP_RATIO)


def with_related(types: list[tuple[str, float]], known: set[str] | None = None,
                 ) -> list[tuple[str, float]]:
    """`types` plus the labels related to them (weighted down), best first; with `known`,
    only labels in it (e.g. those the index has)."""
    scores = dict(types)
    for label, conf in types:
        for other, w in RELATED.get(label, ()):
            scores[other] = max(scores.get(other, 0.0), round(conf * w, 3))
    out = sorted(scores.items(), key=lambda kv: (-kv[1], LABELS.index(kv[0])))
    return [(lab, c) for lab, c in out if known is None or lab in known]


def question_types(text: str) -> list[tuple[str, float]]:
    """MedQuAD question types the text asks about, best first, scores in (0, 1]."""
    if not isinstance(text, str) or not text.strip():
        return []
    return list(_types(_normal(text)))


def _normal(text: str) -> str:
    return " ".join(text.lower().split())[:MAX_CHARS]
