"""The one analyzer: tokenizer + filters, used for indexing and for querying.

    tokens -> lower case, accents folded, possessive 's dropped      (WordTokenizer)
           -> stop words removed, positions renumbered              (StopWordFilter)
           -> British spellings folded, Snowball English stem      (MedicalStemFilter)

`analyzer()` returns the Whoosh analyzer built from those pieces; `analyse(text)` runs the same
steps without Whoosh (for ranking, snippets and the editors' tools) and gives the same stems.
The stemmer is nltk's Snowball English stemmer behind an LRU cache, with a small list of
medical words it would otherwise merge with unrelated words (hepatitis/hepatic, organism/organ).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from whoosh.analysis import Filter, Token, Tokenizer

# Words of letters and digits; an apostrophe inside a word keeps it whole ("don't", "crohn's").
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# The same words in a text without an underscore (there `\w` is `[^\W_]`), found ~1.5x faster.
_WORD_RE_NO_UNDERSCORE = re.compile(r"\w+(?:['’]\w+)*")
# ASCII text: every byte that is no letter, digit or apostrophe made a space (`bytes.translate`
# in C), then split on the spaces. In ASCII, WORD_RE's `[^\W_]` is [A-Za-z0-9] and its only
# apostrophe is "'", which belongs to a word only between two letters or digits: so an
# apostrophe next to another, to a space or to an end is made a space too (`_inner_only`).
# The words are the same, ~2x faster (MedQuAD's 26 M characters of text: 1.2 -> 0.55 s).
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'")
_RUNS_OF_ASCII = bytes(c if c in _WORD_BYTES else 32 for c in range(256))


def find_words(text: str) -> list[str]:
    """`WORD_RE.findall(text)`, quicker."""
    if not text.isascii():
        return (WORD_RE if "_" in text else _WORD_RE_NO_UNDERSCORE).findall(text)
    runs = text.encode("ascii").translate(_RUNS_OF_ASCII).decode("ascii")
    return (_inner_only(runs) if "'" in runs else runs).split()


def _inner_only(runs: str) -> str:
    """`runs` (letters, digits, apostrophes and spaces) with every apostrophe that does not
    stand between two letters or digits made a space."""
    runs = f" {runs} "
    while "''" in runs:
        runs = runs.replace("''", "  ")
    return runs.replace(" '", "  ").replace("' ", "  ")

# A deliberately small stop list: function words that carry no meaning in a question.
# Medical single letters ("hepatitis b", "vitamin d") are kept; only the article "a" goes.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "a", "an", "the", "and", "or", "but", "if", "then", "than", "so", "as", "of", "at",
        "by", "for", "from", "in", "into", "on", "onto", "to", "with", "without", "about",
        "over", "under", "is", "are", "was", "were", "be", "been", "being", "am", "do",
        "does", "did", "doing", "have", "has", "had", "having", "i", "me", "my", "mine",
        "myself", "we", "us", "our", "ours", "you", "your", "yours", "he", "him", "his",
        "she", "her", "hers", "it", "its", "they", "them", "their", "theirs", "this",
        "that", "these", "those", "there", "here", "what", "which", "who", "whom", "whose",
        "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most",
        "other", "some", "such", "no", "nor", "not", "only", "own", "same", "too", "very",
        "s", "t", "can", "will", "just", "should", "would", "could", "may", "might", "must",
        "shall", "also", "up", "down", "out", "off", "again", "further", "once", "let",
        "lets",
    ]
)

# Stems that must not be produced for these words (they would meet unrelated words):
# the word itself is used as the index term instead.
PROTECTED: frozenset[str] = frozenset(
    [
        "organism", "organisms", "organic", "hepatic", "international", "internal",
        "universal", "general", "generic", "aids", "gout", "gouty", "lupus", "cystic",
        "fibrosis", "physical", "physician", "physicians", "sids", "ards", "sars", "mers",
    ]
)

# British spellings folded to the American ones the corpus mostly uses (prefix -> replacement).
_SPELLING_PREFIXES: tuple[tuple[str, str], ...] = (
    ("haem", "hem"),
    ("oesophag", "esophag"),
    ("oedem", "edem"),
    ("oestr", "estr"),
    ("paediatr", "pediatr"),
    ("orthopaed", "orthoped"),
    ("anaem", "anem"),
    ("anaesth", "anesth"),
    ("leukaem", "leukem"),
    ("diarrhoe", "diarrhe"),
    ("foet", "fet"),
    ("gynaecolog", "gynecolog"),
    ("coeliac", "celiac"),
    ("dyspnoe", "dyspne"),
    ("ischaem", "ischem"),
    ("septicaem", "septicem"),
    ("tumour", "tumor"),
    ("behaviour", "behavior"),
    ("colour", "color"),
    ("labour", "labor"),
    ("hospitalis", "hospitaliz"),
    ("immunis", "immuniz"),
    ("paralys", "paralyz"),
)

_stemmer = EnglishStemmer()
# Nouns in -sis of at least this many letters stem as their -se form (`stem`): diagnosis with
# diagnose(s/d), metastasis with metastases and metastasize, stenosis with stenoses. Shorter
# ones are left alone: basis would join base, thesis the stop word these. In the MedQuAD and
# MEDIQA texts, 393 such words change stem and 35 join other words, each a plural, verb or
# adjective of the same noun (plain9, 2026-12-08)
GREEK_SIS_MIN = 8


def fold(word: str) -> str:
    """Lower-case `word`, fold accents and drop a possessive 's / trailing apostrophe."""
    word = word.lower()
    if not word.isascii():
        word = unicodedata.normalize("NFKD", word)
        word = "".join(ch for ch in word if not unicodedata.combining(ch))
        word = word.replace("’", "'")
    if "'" in word:
        if word.endswith("'s"):
            word = word[:-2]
        word = word.replace("'", "")
    return word


# Memos of the analysis, per process, sized by measurement: analysing every text of the
# MedQuAD evaluation corpus (17,912 records) meets 41,083 distinct raw tokens (the raw token
# memo then holds 3.3 MB: ~72 bytes an entry besides its characters) and 31,258 folded words
# (the stem memo: 6.2 MB, ~200 bytes an entry). A server's memos fill with the corpus's words
# (snippets analyse the answers they show), then with what visitors type: the bounds keep
# about twice that corpus's words and no more (the former bounds, 500,000 and 200,000
# entries, let a long-running worker grow to ~80 MB on typed words alone). A build's one-off
# words (typos) empty the raw token memo now and then; its common words come back at once.
STEM_MEMO_ENTRIES = 64_000
TERM_MEMO_BYTES = 8 << 20  # raw token -> term; emptied at once when full
_TERM_ENTRY_BYTES = 72  # an entry besides its key's characters (the str object, dict slot)


@lru_cache(maxsize=STEM_MEMO_ENTRIES)
def stem(word: str) -> str:
    """The index term for an already folded, non-stop `word` (cached)."""
    for prefix, repl in _SPELLING_PREFIXES:
        if word.startswith(prefix):
            word = repl + word[len(prefix):]
            break
    if word in PROTECTED or len(word) <= 2 or word.isdigit():
        return word
    if len(word) == 3 and word.endswith("s"):
        return word  # acronyms, not plurals: EDS is not ED, IBS not IB, ALS not AL

    if word.endswith("itis") or word.endswith("itides"):
        # Inflammations stay apart from their organ: hepatitis != hepatic, thyroiditis != thyroid.
        return word[:-3] + "is" if word.endswith("itides") else word
    if len(word) >= GREEK_SIS_MIN and word.endswith("sis"):
        # Snowball keeps a Greek noun's -si (diagnosi) but strips its plural and verb to -s
        # (diagnoses, diagnose, diagnosed -> diagnos): stem the -sis noun as its -se form
        return _stemmer.stem(word[:-2] + "e")
    return _stemmer.stem(word)


# raw token -> index term, or None for a stop word / nothing (bounded memo: TERM_MEMO_BYTES)
_TERMS: dict[str, str | None] = {}
_terms_bytes = 0  # the estimated bytes `_TERMS` holds (approximate between threads)


def term(raw: str) -> str | None:
    """The index term of one token as the tokenizer finds it (None for stop words)."""
    global _terms_bytes
    t = _TERMS.get(raw, "")
    if t != "":
        return t
    if raw in _TERMS:
        return None
    w = fold(raw)
    t = stem(w) if w and w not in STOP_WORDS else None
    size = len(raw) + _TERM_ENTRY_BYTES  # (the term is the stem memo's string)
    if _terms_bytes + size > TERM_MEMO_BYTES:
        _TERMS.clear()
        _terms_bytes = 0
    _TERMS[raw] = t
    _terms_bytes += size
    return t


def memo_bytes() -> int:
    """The estimated bytes the raw token -> term memo holds now (for benchmarks)."""
    return _terms_bytes


def words(text: str) -> list[str]:
    """The folded words of `text`, stop words included (for spelling and query parsing)."""
    return [w for w in (fold(m) for m in find_words(text or "")) if w]


def analyse(text: str) -> list[str]:
    """The index terms of `text` in order: the same as the Whoosh analyzer produces."""
    get = _TERMS.get
    out = []
    for raw in find_words(text or ""):
        t = get(raw, "")
        if t == "":
            t = term(raw)
        if t is not None:
            out.append(t)
    return out


def phrase_key(text: str) -> str:
    """The analysed form of a name (focus, synonym, lay term): its terms joined by spaces."""
    return " ".join(analyse(text))


def analyse_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    """(term, start, end) for each non-stop word of `text`: for highlighting snippets."""
    for m in WORD_RE.finditer(text or ""):
        t = term(m.group(0))
        if t is not None:
            yield t, m.start(), m.end()


class WordTokenizer(Tokenizer):
    """Words of letters and digits, lower-cased, accents folded, possessives dropped."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordTokenizer)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in WORD_RE.finditer(value):
            text = fold(match.group(0))
            if not text:
                continue
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = match.group(0)
            if positions:
                t.pos = pos
            pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class StopWordFilter(Filter):
    """Removes the words of `STOP_WORDS` and renumbers positions so phrases ignore them."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StopWordFilter)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        pos = None
        for t in tokens:
            if t.text in STOP_WORDS:
                if not t.removestops:
                    t.stopped = True
                    yield t
                continue
            if t.positions:
                pos = t.pos if pos is None else pos + 1
                t.pos = pos
            yield t


class MedicalStemFilter(Filter):
    """Snowball English stem (cached) with British spellings folded and protected words."""

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MedicalStemFilter)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


def analyzer() -> object:
    """The one Whoosh analyzer of the project (a new, picklable instance each call)."""
    return WordTokenizer() | StopWordFilter() | MedicalStemFilter()
