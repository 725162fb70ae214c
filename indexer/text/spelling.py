"""Did-you-mean from the corpus vocabulary (words of answers, titles and foci: the text
experts wrote; visitors' questions are where the misspellings are).

Candidates come from a symmetric-delete table (every vocabulary word with one letter left
out; `indexer.index.deletes.DeleteTable`, stored with the generation as memory-mapped arrays
that worker processes share), checked with the Damerau edit distance: "accupuncture",
"sciatia", "insomina" and "pnuemonia" are one edit from a frequent corpus word.

Spelling that does no harm (issue F): with a general English dictionary (`english_words`:
the frequency dictionary that the symspellpy package ships), a word is corrected only when
neither the corpus nor the dictionary knows it ("covid" stays "covid"), contractions are
never corrected, and a correction onto a rare term (one the dictionary does not know and
the corpus seldom uses: "cvid") is `rare`: callers offer it as "Did you mean" and keep
searching what was typed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from nltk.metrics.distance import edit_distance

from indexer.index.caches import budget
from indexer.index.deletes import MIN_VOCAB_COUNT, MIN_WORD_LEN, DeleteTable, deletes1
from indexer.index.strings import WordSet  # a leaf module (numpy only): no import cycle
from indexer.text.analysis import STOP_WORDS, WORD_RE, fold, stem

RARE_COUNT = 3  # a known word this rare may still be a typo of a frequent one
RARE_RATIO = 20  # ...when the candidate is this many times more frequent
SHORT_WORD = 5  # words this short are corrected only for a missing, extra or swapped letter
SPLIT_MIN_LEN = 3  # a run-together word is split into parts of at least this many letters
SPLIT_MIN_COUNT = 2  # ...each seen at least this often
CORRECT_MEMO_BYTES = budget("spelling")  # corrections (or none) remembered (0.5 MB by default);
# past this, forgotten at once
_MEMO_ENTRY_BYTES = 200  # a memo entry besides its two strings' characters (objects, dict slot)
RARE_TARGET_COUNT = 50  # a correction the dictionary does not know, used less often than
# this in the corpus, is only offered ("Did you mean"), never searched in place of the word
SURE_SLIP_LEN = 8  # an unknown word this long, an edit or two from a corpus term, is a slip
# whatever the term ("methylprednisolne"): only shorter words may meet a rare term by chance
ENGLISH_DICTIONARY = "frequency_dictionary_en_82_765.txt"  # in the symspellpy package
CONTRACTIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "contractions.txt"
_UNSEEN = object()


@lru_cache(maxsize=1)
def english_words() -> WordSet:
    """The words of a general English dictionary: symspellpy's frequency dictionary (82,765
    words from Google Books n-grams intersected with SCOWL), read from the installed package;
    empty when the package is missing (then only the corpus knows words). A set over arrays
    (~2.5 MB; a frozenset of them held 8.7 MB in every process)."""
    try:
        text = resources.files("symspellpy").joinpath(ENGLISH_DICTIONARY).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return WordSet.build(())
    return WordSet.build(line.split(" ", 1)[0] for line in text.splitlines() if line)


EVERYDAY_SHARE = 0.25  # the most frequent quarter of the dictionary's words are everyday words


@lru_cache(maxsize=1)
def everyday_words() -> WordSet:
    """The everyday words of English: the most frequent EVERYDAY_SHARE of the general
    dictionary's words (from ~1.1 million uses in Google Books on: "night", "desk",
    "lifting"; not "covid", "sciatica" or "ivf"). Empty without the dictionary."""
    return WordSet.build(most_frequent_english(EVERYDAY_SHARE))


def most_frequent_english(share: float) -> list[str]:
    """The most frequent `share` of the general English dictionary's words, most frequent
    first (ties: the later word in the alphabet first); empty without the dictionary."""
    try:
        text = resources.files("symspellpy").joinpath(ENGLISH_DICTIONARY).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return []
    counts = []
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and parts[1].isdigit():
            counts.append((int(parts[1]), parts[0]))
    counts.sort(reverse=True)
    return [w for _, w in counts[: int(len(counts) * share)]]


@lru_cache(maxsize=1)
def contractions() -> frozenset[str]:
    """English contractions as visitors type them, with and without the apostrophe, folded
    ("cant", "dont", "im"): never corrected, never a condition's name."""
    out: set[str] = set()
    for line in CONTRACTIONS_FILE.read_text(encoding="utf-8").splitlines():
        for w in line.split("#", 1)[0].split():
            out.add(w.replace("'", ""))
    return frozenset(out)


@dataclass
class Correction:
    text: str  # the whole query with the corrected words
    changes: dict[str, str] = field(default_factory=dict)  # typed word -> correction


class SpellIndex:
    """Symmetric-delete lookup over a vocabulary of words and their counts. `known_stem`
    (optional) tells whether a stem is a word of the vocabulary's texts in some form: a word
    whose stem is known is an inflection ("taking" of "take"), not a misspelling."""

    def __init__(self, counts: Mapping[str, int],
                 known_stem: Callable[[str], bool] | None = None,
                 english: Collection[str] = frozenset(),
                 deletes: DeleteTable | None = None) -> None:
        """`deletes`: the table of `counts` stored with a generation (`DeleteTable.arrays`,
        memory-mapped); built here when None or when it is another vocabulary's."""
        self.counts = counts
        self.known_stem = known_stem
        self.english = english
        # a loaded generation's words are a table over shared arrays: no list of them here
        words: Sequence[str] = getattr(counts, "table", None) or list(counts)
        if deletes is None or deletes.n_words != len(words):
            deletes = DeleteTable.build(counts)
        self.deletes = deletes
        self._words = words
        self._memo: dict[str, str | None] = {}
        self._memo_bytes = 0

    def candidates(self, word: str) -> Iterable[str]:
        seen: set[str] = set()
        keys = {word, *deletes1(word)}
        if len(word) >= 7:
            keys |= {d2 for d in list(keys) for d2 in deletes1(d)}
        ordered = list(keys)
        known = self._counts_of(ordered)
        for k, wids, count in zip(ordered, self.deletes.lookup(ordered), known, strict=True):
            for i in wids:
                w = self._words[i]
                if w not in seen and _is_delete(k, w):
                    seen.add(w)
                    yield w
            if count and k not in seen and count >= MIN_VOCAB_COUNT:
                seen.add(k)
                yield k

    def _counts_of(self, words: list[str]) -> list[int]:
        """The vocabulary count of each of `words` (0: not a vocabulary word)."""
        get_many = getattr(self.counts, "get_many", None)
        if get_many is not None:  # a stored table: one search for all of them
            return get_many(words)
        return [self.counts.get(w, 0) for w in words]

    def best(self, word: str) -> str | None:
        """The most frequent vocabulary word within 1 edit (2 for long words), or None."""
        max_d = 1 if len(word) < 7 else 2
        best: tuple | None = None
        for cand in self.candidates(word):
            if cand == word or abs(len(cand) - len(word)) > max_d or cand in STOP_WORDS:
                continue
            if len(cand) < MIN_WORD_LEN or stem(cand) == stem(word):
                continue  # "hernias" is not a misspelling of "hernia"
            if len(word) <= SHORT_WORD and _substitution(word, cand):
                continue  # hand/sand/band: too many real words one letter apart
            d = edit_distance(word, cand, transpositions=True)
            if d > max_d or (d > 1 and cand[0] != word[0]):
                continue  # two slips, one of them the first letter: another word (de-pressed)
            count = self.counts.get(cand, 0)
            # closest first; then clearly more frequent; then the longer shared start and
            # the longer word (a left-out letter is the commonest slip)
            key = (d, -int(math.log2(count + 1)), -_common_prefix(word, cand), -len(cand), cand)
            if best is None or key < best:
                best = key
        return best[-1] if best else None

    def correct(self, word: str) -> str | None:
        """A correction for `word` when it looks misspelt, else None (remembered: the
        vocabulary of an index never changes, and most words of a query are no typo)."""
        memo = self._memo
        fix = memo.get(word, _UNSEEN)  # one lookup: another thread may clear the memo
        if fix is not _UNSEEN:
            return fix  # type: ignore[return-value]
        fix = self._correct(word)
        size = len(word) + len(fix or "") + _MEMO_ENTRY_BYTES
        if self._memo_bytes + size > CORRECT_MEMO_BYTES:  # a plain dict: an LRU's bookkeeping
            memo.clear()  # cost more than the lookups it would save
            self._memo_bytes = 0
        memo[word] = fix
        self._memo_bytes += size
        return fix

    def rare(self, fix: str, typed: str = "") -> bool:
        """Is `fix` (a correction of `typed`) a rare term: a word of it that the dictionary
        does not know and the corpus seldom uses ("cvid" for "covid")? Only with a
        dictionary, and never for a typed word of SURE_SLIP_LEN letters or more."""
        if not self.english or len(typed) >= SURE_SLIP_LEN:
            return False
        return any(w not in self.english and self.counts.get(w, 0) < RARE_TARGET_COUNT
                   for w in fix.split())

    def _correct(self, word: str) -> str | None:
        if len(word) < MIN_WORD_LEN or not word.isalpha() or word in STOP_WORDS:
            return None
        if self.english and (word in self.english or word in contractions()):
            return None  # a word of English, not a slip
        known = self.counts.get(word, 0)
        if known and self.english:
            return None  # the corpus knows it too
        if known > RARE_COUNT:
            return None
        if not known and self.known_stem is not None and self.known_stem(stem(word)):
            return None  # another form of a known word: "taking" (take), "stressed" (stress)
        cand = self.best(word)
        if cand is None or edit_distance(word, cand, transpositions=True) > 1:
            cand = self.split(word) or cand  # "backpain": two words run together
        if cand is None:
            return None
        if known and self.counts.get(cand, 0) < known * RARE_RATIO:
            return None
        return cand

    def split(self, word: str) -> str | None:
        """Two vocabulary words run together ("backpain" -> "back pain", "sideeffects"):
        the split whose rarer part is the most frequent, or None."""
        best: tuple[int, str] | None = None
        for i in range(SPLIT_MIN_LEN, len(word) - SPLIT_MIN_LEN + 1):
            a, b = word[:i], word[i:]
            if a in STOP_WORDS or b in STOP_WORDS:
                continue
            count = min(self.counts.get(a, 0), self.counts.get(b, 0))
            if count >= SPLIT_MIN_COUNT and (best is None or count > best[0]):
                best = (count, f"{a} {b}")
        return best[1] if best else None


def _substitution(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _is_delete(key: str, word: str) -> bool:
    """Is `key` `word` with one letter left out (a table hit, not a hash collision)?"""
    if len(word) != len(key) + 1:
        return False
    i = _common_prefix(key, word)
    return key[i:] == word[i + 1:]


def spell_index(gen: Any) -> SpellIndex:
    """The generation's spelling index (built on first use, then cached)."""
    idx = gen.cache.get("spell")
    if idx is None:
        with gen.lock:
            idx = gen.cache.get("spell")
            if idx is None:
                idx = gen.cache["spell"] = SpellIndex(
                    gen.data.words, known_stem=_expert_stem(gen.data), english=english_words(),
                    deletes=DeleteTable.from_arrays(gen.data.stored))
    return idx


def _expert_stem(data: Any) -> Callable[[str], bool]:
    """Is a stem used in the text experts or editors wrote (answers, foci, categories)?"""
    from indexer.index.terms import SPELLING_FIELDS

    fields = (*SPELLING_FIELDS, "category")

    def known(term: str) -> bool:
        return any(len(data.postings(f, term)[0]) for f in fields)

    return known


def correct_text(index: SpellIndex, text: str) -> Correction | None:
    """`text` with its misspelt words replaced (other characters kept), or None."""
    changes: dict[str, str] = {}
    out = []
    pos = 0
    for m in WORD_RE.finditer(text):
        w = fold(m.group(0))
        fix = index.correct(w) if w else None
        if fix:
            changes[m.group(0)] = fix
            out.append(text[pos:m.start()])
            out.append(_match_case(m.group(0), fix))
            pos = m.end()
    if not changes:
        return None
    out.append(text[pos:])
    return Correction(text="".join(out), changes=changes)


def _match_case(typed: str, fix: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return fix.upper()
    if typed[:1].isupper():
        return fix[:1].upper() + fix[1:]
    return fix


def correct_query(gen: Any, pq: Any) -> Correction | None:
    """A corrected version of the positive part of a parsed query, or None."""
    def fmt(it: Any, sign: str = "") -> str:
        return f'{sign}"{it.text}"' if it.phrase else f"{sign}{it.text}"

    parts = [" OR ".join(fmt(it) for it in group) for group in pq.groups]
    parts += [fmt(it, "-") for it in pq.negated]
    text = " ".join(parts)
    if not text:
        return None
    return correct_text(spell_index(gen), text)
