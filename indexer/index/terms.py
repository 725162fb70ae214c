"""What a record's terms are: the one field list, the one field-to-text mapping, and the one
pass that analyses a record into the terms both indexes are built from.

`analyse_record` runs once per record at build time. Whoosh's postings (with positions, for
phrase checks) and the ranking arrays (term frequencies, for scoring) are both written from
its `RecordTerms.fields`, so the two indexes always hold the same terms of the same fields.
What a structured record (a MedQuAD answer: a question type and a focus) must not be found
by is decided here, once: see `STRUCTURED_QUESTION_NAMES_ONLY`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from indexer.records import Record
from indexer.text.analysis import _TERMS, WORD_RE, find_words, fold, phrase_key, term
from indexer.text.qtypes import INFORMATION, question_types

# The text fields of a record, in the order the ranking arrays and match reports use.
FIELDS: tuple[str, ...] = ("question", "title", "focus", "category", "answer")
SPELLING_FIELDS = frozenset({"answer", "focus"})  # titles of archive items are the visitors'
ACRONYM_MAX = 4  # a name whose words are all this short may be an acronym ("MED", "GSD VI")

# A structured record's question is a template over its condition ("What should I do if I
# forget a dose of X?") and its category is [collection, question type]: both say the
# question type, which the ranking weighs as such; as terms they would let a chance word of
# a query ("low dose", "is it safe", "genetic") pick the section. So its question holds its
# condition's names only (at their positions in the question) and its category no term.
STRUCTURED_QUESTION_NAMES_ONLY = True

# A record with a focus but no question type whose title is its focus name heads the page
# about it: an overview (`_title_qtype`)
FOCUS_TITLE_OVERVIEW = True


def focus_text(rec: Record) -> str:
    """The focus and its synonyms, one per line (the text of the `focus` field)."""
    return "\n".join([rec.focus, *rec.synonyms]) if (rec.focus or rec.synonyms) else ""


def category_text(rec: Record) -> str:
    """Words of the record's category names (each name once)."""
    names = dict.fromkeys(name for path in rec.categories for name in path)
    return "\n".join(names)


def path_prefixes(categories: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """Every distinct prefix of every category path (so filtering on a parent finds children)."""
    seen: dict[tuple[str, ...], None] = {}
    for path in categories:
        clean = tuple(p.strip() for p in path if p and p.strip())
        for i in range(1, len(clean) + 1):
            seen.setdefault(clean[:i], None)
    return list(seen)


def field_texts(rec: Record) -> dict[str, str]:
    """The text of each field of `FIELDS` (the one mapping from a record to its fields)."""
    return {
        "question": rec.question,
        "title": rec.title,
        "focus": focus_text(rec),
        "category": category_text(rec),
        "answer": rec.answer,
    }


def _terms_and_words(text: str, words: Counter[str] | None) -> list[str]:
    """Index terms of `text` (as `analyse`); raw tokens are counted into `words` (see
    `spelling_words` for turning those counts into the spelling vocabulary)."""
    raws = find_words(text or "")
    if not raws:
        return []
    try:
        terms = list(map(_TERMS.__getitem__, raws))  # every token seen before: no bytecode
    except KeyError:  # analyse the tokens not seen yet (once each), then the same again
        for raw in set(raws).difference(_TERMS):
            term(raw)
        try:
            terms = list(map(_TERMS.__getitem__, raws))
        except KeyError:  # the memo was full and cleared on the way
            terms = [term(r) for r in raws]
    if words is not None:
        words.update(raws)
    return list(filter(None, terms))  # None: a stop word (a term is never "")


def spelling_words(raw_counts: Counter[str]) -> Counter[str]:
    """Folded words of 3+ letters and their counts, from raw token counts."""
    out: Counter[str] = Counter()
    for raw, c in raw_counts.items():
        if len(raw) >= 3 and raw.isalpha():
            out[fold(raw)] += c
    return out


def _name_key(name: str) -> str:
    """The gazetteer key of a focus name; "" when analysis lost its meaning (a name of
    several words reduced to one term by the stop list, e.g. "Hers disease" -> "diseas")."""
    key = phrase_key(name)
    if key and " " not in key and len(WORD_RE.findall(name)) > 1:
        return ""
    return key


def _short_key(key: str) -> bool:
    return all(len(t) <= ACRONYM_MAX or t.isdigit() for t in key.split())


def acronym_like(name: str) -> bool:
    """A name written as an acronym: every word short, one written with two or more capitals
    ("ODD", "GSD VI", "aHUS", "OI type V"); "Gout", "Ear wax" and "Flu" are ordinary words."""
    raws = WORD_RE.findall(name or "")
    if not raws or not all(len(r) <= ACRONYM_MAX or any(c.isdigit() for c in r) for r in raws):
        return False
    return any(sum(c.isupper() for c in r) >= 2 for r in raws)


@dataclass
class FieldTerms:
    """The terms of one field: what Whoosh posts (with positions) and the ranking counts."""

    terms: list[str]  # in text order
    positions: list[int] | None  # position of each term; None: 0, 1, 2... (all kept)
    length: int  # analysed words of the field's text (BM25's length normalisation)

    def counts(self) -> Counter[str]:
        return Counter(self.terms)

    def grouped(self) -> dict[str, list[int]]:
        """Each term's positions, terms in order of first occurrence (as
        `schema.AnalysedText` indexes them)."""
        out: dict[str, list[int]] = {}
        get = out.get
        positions = self.positions if self.positions is not None else range(len(self.terms))
        for t, p in zip(self.terms, positions):  # noqa: B905 (equal lengths by construction)
            have = get(t)
            if have is None:
                out[t] = [p]
            else:
                have.append(p)
        return out

    def postings(self) -> list[tuple[str, int]]:
        """(term, position) pairs, as `schema.AnalysedText` indexes them."""
        positions = self.positions if self.positions is not None else range(len(self.terms))
        return list(zip(self.terms, positions, strict=True))


@dataclass
class FieldCounts:
    """What the ranking arrays need of a field's terms (`FieldTerms` without the text order:
    what a writer process sends back, counted there)."""

    counted: Mapping[str, int]  # term -> count
    length: int

    def counts(self) -> Mapping[str, int]:
        return self.counted


@dataclass
class RecordTerms:
    """Everything the indexes need of one record, from one analysis."""

    fields: dict[str, FieldTerms | FieldCounts]  # field (FIELDS) -> its terms
    focus: str  # analysed focus ("" when none)
    focus_name: str
    focus_phrases: list[str]  # analysed focus and synonyms
    name_case: dict[str, str]  # analysed short name -> "caps" (written as an acronym) / "plain"
    qtype: str
    paths: list[tuple[str, ...]]  # every category path prefix


    def counted(self) -> RecordTerms:
        """The same with each field's terms counted (`FieldCounts`): Whoosh's postings can no
        longer be written from it, the ranking arrays can."""
        fields: dict[str, FieldTerms | FieldCounts] = {
            name: FieldCounts(ft.counts(), ft.length) for name, ft in self.fields.items()}
        return RecordTerms(fields, self.focus, self.focus_name, self.focus_phrases,
                           self.name_case, self.qtype, self.paths)

    def packed(self) -> tuple:
        """What a writer process sends back to the build: the fields of `FIELDS` counted, each
        as (terms, counts, length) tuples, then the other attributes in order (plain tuples
        pickle ~3x quicker than the dataclasses and their Counters), which `RankData.assemble`
        reads as they are."""
        fields = []
        for name in FIELDS:
            ft = self.fields[name]
            c = ft.counts()
            fields.append((tuple(c), tuple(c.values()), ft.length))
        return (tuple(fields), self.focus, self.focus_name, self.focus_phrases, self.name_case,
                self.qtype, self.paths)


def is_structured(rec: Record) -> bool:
    """A record with a question type and a focus (a MedQuAD answer)."""
    return bool(rec.qtype and rec.focus)


def _title_qtype(rec: Record) -> str:
    """The question type a record that states none is about, read from its own title (or
    question) as a query's is ("Quilt fever (Diagnosis)", "Can acupuncture help sciatica?"
    -> its top `question_types` label), or "". A title that names without asking heads the
    page about what it names: an overview ("Quilt fever"; for a record with a focus, a title
    that is its focus name; a title such as "Quilt fever (Living with it)" says nothing)."""
    title = rec.title.strip()
    if rec.focus:
        return INFORMATION if FOCUS_TITLE_OVERVIEW and title and (
            phrase_key(title) == phrase_key(rec.focus)) else ""
    for text in (rec.title, rec.question):
        types = question_types(text or "")
        if types:
            return types[0][0]
    return INFORMATION if title else ""


def analyse_record(rec: Record, raw_words: Counter[str] | None = None) -> RecordTerms:
    """Analyse a record once; its raw words are counted into `raw_words` (spelling)."""
    fields: dict[str, FieldTerms] = {}
    for name, text in field_texts(rec).items():
        # the spelling vocabulary comes from expert-written text only: visitors' questions
        # are where the misspellings are ("Can accupuncture help sciatia?")
        toks = _terms_and_words(text, raw_words if name in SPELLING_FIELDS else None)
        fields[name] = FieldTerms(terms=toks, positions=None, length=len(toks))
    if STRUCTURED_QUESTION_NAMES_ONLY and is_structured(rec):
        names = set(fields["focus"].terms)
        question = fields["question"]
        kept = [(t, i) for i, t in enumerate(question.terms) if t in names]
        fields["question"] = FieldTerms(terms=[t for t, _ in kept],
                                        positions=[i for _, i in kept], length=question.length)
        fields["category"] = FieldTerms(terms=[], positions=None,
                                        length=fields["category"].length)
    names_l = [rec.focus, *rec.synonyms] if rec.focus else list(rec.synonyms)
    keyed = [(n, _name_key(n)) for n in names_l]
    phrases = [p for p in dict.fromkeys(k for _, k in keyed) if p]
    name_case: dict[str, str] = {}
    for n, k in keyed:
        if k and _short_key(k) and name_case.get(k) != "plain":
            name_case[k] = "caps" if acronym_like(n) else "plain"
    return RecordTerms(
        fields=fields,
        focus=phrase_key(rec.focus) if rec.focus else "",
        focus_name=rec.focus.strip(),
        focus_phrases=phrases,
        name_case=name_case,
        qtype=(rec.qtype or "").strip().lower() or _title_qtype(rec),
        paths=path_prefixes(rec.categories),
    )
