"""Snippets as plain `Segment`s (text, highlighted?) and an HTML renderer that escapes all.

Record text comes from scraped pages and is untrusted: segments carry plain text only, and
`render_html` escapes every character of it, so a stored `<script>` comes back inert.

(~540 lines: finding the query's words in a text has a fast path for ASCII text beside the
general one, kept side by side because they must give the same hits and the tests compare
them, and a memo of each stem's hits per text (`Spans`) read before scanning; then the
choice of the window, the segments (a highlighted word's shared) and the renderers.)
"""

from __future__ import annotations

import html
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache
from operator import itemgetter
from typing import Protocol

from indexer.index.caches import entries
from indexer.results import Segment, segment
from indexer.text import analysis
from indexer.text.analysis import analyse_with_offsets, term

ELLIPSIS = "…"
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)(?=\S)")
# the last sentence start of a span: a greedy run first, so that the engine tries the places
# from the span's end backwards and stops at the first that starts a sentence (one call, where
# finditer met every start of the span); the latest place ends the latest match, the text's
# start (empty) tried last there
_LAST_SENTENCE_START = re.compile(r"(?s:.*)(?:[.!?:;]\s+|\n\s*|^)(?=\S)")
_WS = re.compile(r"\s+")
MAX_SCAN_CHARS = 60_000  # very long answers: look for the best fragment in the first 60k chars

Hit = tuple[str, int, int]  # (stem, start, end) of a matched word


def _collapse(text: str) -> str:
    """`text` with every whitespace run made one space (`_WS.sub(" ", text)`, by `str.split`,
    which splits at the same characters as `\\s`, in half the time of the regex)."""
    if "  " not in text and text.isprintable():
        return text  # (every whitespace character but the space is unprintable: no run)
    parts = text.split()
    if not parts:
        return " " if text else ""
    out = " ".join(parts)
    if text[0].isspace():
        out = " " + out
    if text[-1].isspace():
        out += " "
    return out


# --------------------------------------------------------------------------- finding words
# Analysing every word of an answer for every hit was most of a search request's time. Only
# the *candidate* words (those that can have one of the stems) are analysed now, found with
# `str.find` in the lower-cased text (or a regex in the rare non-ASCII text). A word's stem
# keeps the first characters of the lower-cased word (Snowball changes endings only: 'lying'
# -> 'lie', 'studies' -> 'studi'), so a word can have stem `s` only if it starts with the
# first 3 letters of `s` but its last (checked on 2 million words and variants from MedQuAD,
# LiveQA, RQE and the sample archive, with Snowball's irregular forms 'dying' and the like);
# British spellings folded by the analyzer ('haem' -> 'hem') add their prefix, and words
# with an apostrophe or a non-ASCII letter among their first characters are always
# candidates. Candidates are checked with the analyzer's own `term`, so the hits are exactly
# those of analysing every word (tests/test_app_snippets.py compares the two).
_WORD = r"[^\W_]+(?:['’][^\W_]+)*"  # = analysis.WORD_RE (the word-start rules below use it)
_WORD_RE = re.compile(_WORD)
_WORD_START = r"(?<![^\W_])(?<![^\W_]['’])"  # not inside a word of WORD_RE
_ODD_START = r"[^\W_]{0,2}[^\x00-\x7f]|[^\W_]{1,3}['’]"  # folding may change the first chars
_FAST = analysis.WORD_RE.pattern == _WORD  # else (analyzer changed) analyse every word


# Snowball's irregular forms whose stem does not keep the word's first two letters
_IRREGULAR_HEADS = {"die": "dy", "lie": "ly", "tie": "ty"}


def _stem_heads(stem: str) -> set[str]:
    k = len(stem) if len(stem) <= 2 else min(3, len(stem) - 1)
    heads = {stem[:k]}
    if stem in _IRREGULAR_HEADS:
        heads.add(_IRREGULAR_HEADS[stem])
    return heads


@lru_cache(maxsize=entries("snippet_heads"))
def _heads(stems: frozenset[str]) -> tuple[str, ...]:
    """Lower-case beginnings that every word with one of `stems` starts with."""
    folds = getattr(analysis, "_SPELLING_PREFIXES", ())
    heads = set()
    for s in stems:
        heads |= _stem_heads(s)
        heads.update(pre for pre, repl in folds if s.startswith(repl))
    # a head that starts with another head finds nothing more
    return tuple(sorted(h for h in heads if not any(h != o and h.startswith(o) for o in heads)))


@lru_cache(maxsize=entries("snippet_patterns"))
def _candidates(heads: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(h) for h in sorted(heads, key=lambda h: (-len(h), h)))
    return re.compile(f"{_WORD_START}(?=(?i:{alts})|{_ODD_START}){_WORD}")


def _hits(text: str, stems: Collection[str]) -> list[Hit]:
    """(stem, start, end) of every word of `text` whose stem is in `stems`, in order."""
    if not stems or not text:
        return []
    if not _FAST:
        return [(t, a, b) for t, a, b in analyse_with_offsets(text) if t in stems]
    heads = _heads(stems if isinstance(stems, frozenset) else frozenset(stems))
    if not text.isascii():
        out = []
        for m in _candidates(heads).finditer(text):
            t = term(m.group())
            if t in stems:
                out.append((t, m.start(), m.end()))
        return out
    if len(text) < WORD_SCAN_CHARS_PER_HEAD * len(heads):
        return _every_word_hits(text, stems)
    return _ascii_hits(text, stems, heads)


WORD_SCAN_CHARS_PER_HEAD = 8  # ASCII text shorter than this many characters per head: every
# word of it looked up (one scan) rather than each head's words (a scan per head). A long
# question's twenty stems highlighted in a 60-character heading were twenty scans; measured
# on bench/search_latency.py's MedQuAD searches (every `_hits` call timed both ways), a
# threshold of 6 to 10 is best: long queries' hits 182 -> 166 us a query, short ones unchanged


def _every_word_hits(text: str, stems: Collection[str]) -> list[Hit]:
    """`_hits` of ASCII `text` by looking up every word of WORD_RE (what `_ascii_hits`
    finds, by the analyzer's own rule: tests/search/test_snippets.py compares both)."""
    out = []
    known = _TERM_MEMO.get
    for m in _WORD_RE.finditer(text):
        raw = m.group()
        t = known(raw, "")
        if t == "":
            t = term(raw)
        if t in stems:
            out.append((t, m.start(), m.end()))
    return out


def _ascii_hits(text: str, stems: Collection[str], heads: tuple[str, ...]) -> list[Hit]:
    low = text.lower()  # same offsets: the text is ASCII
    out = []
    append = out.append
    known = _TERM_MEMO.get  # (the analyzer's memo read first, as `analysis.analyse` does:
    # most candidate words were met before, and a call of `term` costs more than the look-up)
    for h in heads:  # (the words starting with each head, found and delimited in C)
        for m in _head_words(h).finditer(low):
            raw = m.group()  # (lower-cased: the analyzer lower-cases first, so its term is
            # the word's; one call where a span, its unpacking and a slice were three steps)
            t = known(raw, "")
            if t == "":
                t = term(raw)
            if t in stems:
                append((t, m.start(), m.end()))
    joined = len(heads) > 1  # (each head's words come in order)
    if "'" in low:
        # o'brien: the folded word drops the apostrophe, so any head may follow
        found = {a for _, a, _ in out}
        match = _WORD_RE.match
        for k in _apostrophe_starts(low):
            if k not in found and (m := match(text, k)) is not None:
                t = term(m.group())
                if t in stems:
                    append((t, k, m.end()))
                    joined = True
    if joined:
        out.sort(key=_start)
    return out


class Spans(Protocol):
    """One text's stem -> its hits there (in order; () when it has none), kept by the caller
    across calls on that same text (a record's answer met again by a later search), e.g.
    an `indexer.index.wordspans.SpanMemo`. (Kept as the hits themselves: read back as they
    are, where a compact array of offsets made into hits again cost 2% of a search, for half
    the memory.)"""

    def get(self, stem: str, /) -> tuple[Hit, ...] | None: ...

    def keep(self, found: dict[str, tuple[Hit, ...]], hits: int) -> None:
        """Keep `found` (stems not kept yet, holding `hits` hits in all)."""


def _hits_kept(text: str, stems: Collection[str], memo: Spans | None) -> list[Hit]:
    """`_hits(text, stems)`, each stem's hits read from `memo` when there, else found (one
    scan for all the missing stems) and kept in it. The same list: every word has one term,
    so the hits of a set of stems are those of each stem, merged in order."""
    if memo is None:
        return _hits(text, stems)
    parts = []
    missing = []
    get = memo.get
    for t in stems:
        found = get(t)
        if found is None:
            missing.append(t)
        elif found:
            parts.append(found)
    if missing:
        # (all missing, as for a text met for the first time: `stems` itself, whose heads
        # are known)
        new = _hits(text, stems if len(missing) == len(stems) else frozenset(missing))
        if len(missing) == 1:
            memo.keep({missing[0]: tuple(new)}, len(new))
        else:
            by_stem: dict[str, list[Hit]] = {t: [] for t in missing}
            for h in new:
                by_stem[h[0]].append(h)
            memo.keep({t: tuple(found) for t, found in by_stem.items()}, len(new))
        if new:
            if not parts:
                return new
            parts.append(new)
    if not parts:
        return []
    if len(parts) == 1:
        return list(parts[0])
    out = [h for part in parts for h in part]
    out.sort(key=_start)
    return out


# raw word -> its term or None (`analysis.term`'s memo, cleared in place, never rebound)
_TERM_MEMO: dict[str, str | None] = analysis._TERMS

_start = itemgetter(1)  # a hit's start (a key read in C: no Python call per hit)
_end = itemgetter(2)  # its end


_ALNUM = "[a-z0-9]"  # a letter or digit of lower-cased ASCII text ([^\W_] of WORD_RE)


@lru_cache(maxsize=entries("head_words"))
def _head_words(head: str) -> re.Pattern[str]:
    """The words of WORD_RE in lower-cased ASCII text that start with `head`: the head as a
    literal first (the regex engine looks for it as `str.find` would), then the word-start
    test as a look-behind (no letter or digit before the word, nor one joined to it by an
    apostrophe: "don't"), then the rest of the word."""
    n = len(head)
    return re.compile(f"{re.escape(head)}(?<!{_ALNUM}.{{{n}}})(?<!{_ALNUM}'.{{{n}}})"
                      f"{_ALNUM}*(?:'{_ALNUM}+)*")


def _apostrophe_starts(low: str) -> list[int]:
    """Starts of the words of ASCII text `low` with an apostrophe among their first four
    characters (their folded form can start with any head)."""
    starts = []
    find = low.find
    j = find("'")
    while j >= 0:
        k = j
        while k > 0 and j - k < 3 and low[k - 1].isalnum():
            k -= 1
        if k < j and _word_starts(low, k):
            starts.append(k)
        j = find("'", j + 1)
    return starts


def _word_starts(low: str, i: int) -> bool:
    """Does a word of WORD_RE start at `i` of ASCII text `low`?"""
    if not low[i].isalnum():
        return False
    if i == 0:
        return True
    prev = low[i - 1]
    if prev.isalnum():
        return False
    return not (prev == "'" and i >= 2 and low[i - 2].isalnum())


def highlight(text: str, stems: Collection[str], *, memo: Spans | None = None
              ) -> list[Segment]:
    """All of `text` as segments, with words whose stem is in `stems` highlighted.
    `memo`: the hits of `text` kept across calls (see `Spans`)."""
    if memo is None or not stems or not text:
        return _segments(text, 0, len(text), stems)
    return _segments(text, 0, len(text), stems, _hits_kept(text, stems, memo))


# highlighted word -> its segment: frozen, so one is shared by every snippet that shows the
# word (most of a page's highlighted words were shown before: bench/search_latency.py's 156
# queries show 850 words, ~180 kB); emptied when it would hold more than MARKED_BYTES
_MARKED: dict[str, Segment] = {}
MARKED_BYTES = 512 << 10
MARKED_ENTRY_BYTES = 200  # an entry's own bytes besides its word's characters (the dict's
# slot, the string's header and the segment: `caches.sizeof` of the 850 above, ~210 each)
_marked_bytes = 0


def _marked(word: str) -> Segment:
    """`segment(word, True)`, kept in `_MARKED`."""
    global _marked_bytes
    size = MARKED_ENTRY_BYTES + len(word)
    if _marked_bytes + size > MARKED_BYTES:
        _MARKED.clear()
        _marked_bytes = 0
    seg = _MARKED[word] = segment(word, True)
    _marked_bytes += size
    return seg


# A snippet is made into `Segment`s as its pieces are read (a frozen dataclass costs ~0.4 us
# to make, `results.segment` half that; a snippet of ten matched words used to make ~40 of
# them on the way), its plain runs collapsed and joined as they come.


def _window_hits_of(text: str, start: int, end: int, stems: Collection[str],
                    hits: list[Hit] | None) -> list[Hit]:
    """`hits` (those of `text[start:end]`, offsets in `text`), found when not given."""
    if hits is None:
        hits = [(t, a + start, b + start) for t, a, b in _hits(text[start:end], stems)]
    return hits


def _segments(text: str, start: int, end: int, stems: Collection[str],
              hits: list[Hit] | None = None) -> list[Segment]:
    """`text[start:end]` as segments: matched words highlighted, the text between them with
    its whitespace runs collapsed; `hits`: those of `_hits(text[start:end], stems)`, already
    found (offsets in `text`). Never an empty segment nor two plain ones in a row."""
    out: list[Segment] = []
    append = out.append
    collapse = _collapser(text, start, end)
    pos = start
    if stems:
        for _t, a, b in _window_hits_of(text, start, end, stems, hits):
            if a > pos:
                append(segment(collapse(text[pos:a])))
            word = text[a:b]
            append(_MARKED.get(word) or _marked(word))
            pos = b
    if pos < end:
        append(segment(collapse(text[pos:end])))
    return out


def _same(text: str) -> str:
    return text


def _collapser(text: str, start: int, end: int) -> Callable[[str], str]:
    """`_collapse` for the pieces of `text[start:end]`, or (when that has no whitespace run,
    so that none of its pieces has one) a function that returns a piece as it is."""
    part = text if start == 0 and end == len(text) else text[start:end]
    return _same if "  " not in part and part.isprintable() else _collapse


def _window_segments(text: str, start: int, end: int, stems: Collection[str],
                     hits: list[Hit] | None, lead: bool, tail: bool) -> list[Segment]:
    """`_segments(text, start, end, ...)` of a window cut from a longer text: an ellipsis
    before it (`lead`) and after it (`tail`), joined to the plain text beside them; the
    plain text at either edge without its spaces (unless an ellipsis stands there); no
    empty segment."""
    out: list[Segment] = []
    append = out.append
    plain = ELLIPSIS if lead else ""  # plain text waiting for the next highlighted word
    edge = not lead  # the next plain run is the window's first piece: stripped on the left
    collapse = _collapser(text, start, end)
    pos = start
    if stems:
        for _t, a, b in _window_hits_of(text, start, end, stems, hits):
            if a > pos:
                run = collapse(text[pos:a])
                plain += run.lstrip() if edge else run
            edge = False
            if plain:
                append(segment(plain))
                plain = ""
            word = text[a:b]
            append(_MARKED.get(word) or _marked(word))
            pos = b
    if pos < end:
        run = collapse(text[pos:end])
        if edge:
            run = run.lstrip()
        plain += run if tail else run.rstrip()
    if tail:
        plain += ELLIPSIS
    if plain:
        append(segment(plain))
    return out


def fragment(
    text: str,
    stems: Collection[str],
    *,
    max_chars: int = 240,
    weights: Mapping[str, float] | None = None,
    present: Collection[str] | None = None,
    memo: Spans | None = None,
) -> list[Segment]:
    """The best window of about `max_chars` characters of `text`: the one covering the most
    distinct matched stems (weighted by `weights`, e.g. IDF), with those words highlighted.
    Starts at a sentence start when one is close; ellipses mark cut text.

    `present`: the stems of `stems` that whole words of `text` have (from the index: the
    terms of the field `text` is), when known: only those are looked for in the text (a
    long question's stems are mostly elsewhere). All of `stems` still count for a word the
    window cuts, which can have a stem that no whole word has.

    `memo`: the hits of `text` (its first MAX_SCAN_CHARS) kept across calls (see `Spans`)."""
    if not text or text.isspace():  # (not a stripped copy of a long answer)
        return []
    scan = text[:MAX_SCAN_CHARS]
    hits = _hits_kept(scan, stems if present is None else present, memo)
    if len(text) <= max_chars:
        if not hits:
            return [segment(_collapse(text))]
        return _segments(text, 0, len(text), stems, hits)
    best_start = 0
    if hits:
        best_start = _back_to_sentence(scan, _best_window(hits, max_chars, weights or {}),
                                       max_chars // 3)
    end = min(len(text), best_start + max_chars)
    if end < len(text):
        cut = text.rfind(" ", best_start + max_chars // 2, end)
        end = cut if cut > 0 else end
    return _window_segments(text, best_start, end, stems,
                            _window_hits(text, scan, hits, best_start, end, stems),
                            best_start > 0, end < len(text))


def _best_window(hits: list[Hit], max_chars: int, w: Mapping[str, float]) -> int:
    """Where the best window starts: at the hit whose window (the hits ending within 0.8 *
    `max_chars` of it) has the highest weight of distinct stems (+ 0.01 per hit); the
    first such hit on a tie."""
    best_score, best_start = -1.0, 0
    j = 0
    n = len(hits)
    reach = max_chars * 0.8
    counts: dict[str, int] = {}  # stems of the window hits[i:j] -> how many times
    weight = 0.0  # the weight of the window's distinct stems (worked out when they change)
    changed = True
    for i in range(n):
        limit = hits[i][1] + reach
        while j < n and hits[j][2] <= limit:
            if j >= i:  # (a word longer than a window can leave j behind i)
                t = hits[j][0]
                c = counts.get(t, 0)
                counts[t] = c + 1
                changed = changed or not c
            j += 1
        if j > i:
            if changed:
                weight = _weight_of(counts, w)
                changed = False
            score = weight + 0.01 * (j - i)
        else:  # a word longer than the window: nothing in it
            score = 0.0
        if score > best_score:
            best_score, best_start = score, hits[i][1]
        if j > i:  # hits[i] leaves the window
            t = hits[i][0]
            left = counts[t] - 1
            if left:
                counts[t] = left
            else:
                del counts[t]
                changed = True
    return best_start


def _weight_of(stems: Collection[str], w: Mapping[str, float]) -> float:
    """The summed weight of distinct `stems`, exactly rounded (`math.fsum`), so that the sum
    (and which window wins a tie) does not depend on the order of the set (string hashing
    differs between processes). One or two weights need no fsum: a float addition is the
    exactly rounded sum of two."""
    if len(stems) == 1:
        for t in stems:
            return float(w.get(t, 1.0))
    if len(stems) == 2:
        a, b = (float(w.get(t, 1.0)) for t in stems)
        return a + b
    return math.fsum(w.get(t, 1.0) for t in stems)


def _window_hits(text: str, scan: str, hits: list[Hit], start: int, end: int,
                 stems: Collection[str]) -> list[Hit] | None:
    """The hits of `text[start:end]` from those of `scan` (a prefix of `text`), as
    `_hits(text[start:end])` finds them: the window starts at a word (a sentence start, after
    a space, or a hit) and a word is never cut but by its end, where the last, cut word is
    analysed as cut. None when the window goes past `scan`."""
    if end > len(scan):
        return None
    first = bisect_left(hits, start, key=_start)  # (hits are in order, and never overlap:
    # their ends are in order too)
    if start and not (text[start - 1].isspace() or (first < len(hits)
                                                    and hits[first][1] == start)):
        return None
    whole = end
    if end < len(text) and not text[end].isspace():  # else the window's last word is whole
        whole = _last_space(text, start, end)
        if whole < start:
            return None
    out = hits[first:bisect_right(hits, whole, first, key=_end)]
    if whole < end:
        out.extend((t, a + whole, b + whole) for t, a, b in _hits(text[whole:end], stems))
    return out


_OTHER_SPACES = "\t\n\r\f\v"


def _last_space(text: str, start: int, end: int) -> int:
    """Where the last white-space character (of " \\t\\n\\r\\f\\v") of `text[start:end]`
    is, or -1: the last space, unless another such character comes after it (looked for
    only in the few characters after that space)."""
    last = text.rfind(" ", start, end)
    after = max(last, start)
    if text[after:end].isprintable():  # (the other white-space characters are unprintable)
        return last
    return max(last, *(text.rfind(c, after, end) for c in _OTHER_SPACES))


def _back_to_sentence(text: str, pos: int, max_back: int) -> int:
    """Move `pos` back to the start of its sentence when that is within `max_back` chars,
    else to the start of the word it is in."""
    lo = max(0, pos - max_back)
    # (the look-ahead needs a character before `pos + 1`: every start found is at most `pos`)
    last = _LAST_SENTENCE_START.match(text, lo, pos + 1)
    if last is not None:
        return last.end()
    space = text.rfind(" ", lo, pos)
    return space + 1 if space >= 0 else pos


def render_html(segments: Iterable[Segment], *, mark: str = "mark") -> str:
    """HTML for segments: every text escaped, highlighted runs wrapped in <mark>."""
    tag = mark if mark.isalnum() else "mark"
    out = []
    for s in segments:
        text = html.escape(s.text, quote=True)
        out.append(f"<{tag}>{text}</{tag}>" if s.highlight else text)
    return "".join(out)


def plain_text(segments: Iterable[Segment]) -> str:
    return "".join(s.text for s in segments)
