"""Snippets as plain `Segment`s (text, highlighted?) and an HTML renderer that escapes all.

Record text comes from scraped pages and is untrusted: segments carry plain text only, and
`render_html` escapes every character of it, so a stored `<script>` comes back inert.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache

from indexer.results import Segment
from indexer.text import analysis
from indexer.text.analysis import analyse_with_offsets, term

ELLIPSIS = "…"
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)(?=\S)")
_WS = re.compile(r"\s+")
MAX_SCAN_CHARS = 60_000  # very long answers: look for the best fragment in the first 60k chars

Hit = tuple[str, int, int]  # (stem, start, end) of a matched word


def _collapse(text: str) -> str:
    return _WS.sub(" ", text)


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


@lru_cache(maxsize=4096)
def _heads(stems: frozenset[str]) -> tuple[str, ...]:
    """Lower-case beginnings that every word with one of `stems` starts with."""
    folds = getattr(analysis, "_SPELLING_PREFIXES", ())
    heads = set()
    for s in stems:
        heads |= _stem_heads(s)
        heads.update(pre for pre, repl in folds if s.startswith(repl))
    # a head that starts with another head finds nothing more
    return tuple(sorted(h for h in heads if not any(h != o and h.startswith(o) for o in heads)))


@lru_cache(maxsize=4096)
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
    return _ascii_hits(text, stems, heads)


def _ascii_hits(text: str, stems: Collection[str], heads: tuple[str, ...]) -> list[Hit]:
    low = text.lower()  # same offsets: the text is ASCII
    find = low.find
    starts = set()
    for h in heads:
        i = find(h)
        while i >= 0:
            # a word of WORD_RE starts at i: no letter or digit before it, nor one joined
            # to it by an apostrophe ("don't")
            if i == 0 or not (low[i - 1].isalnum() or
                              (low[i - 1] == "'" and i >= 2 and low[i - 2].isalnum())):
                starts.add(i)
            i = find(h, i + 1)
    j = find("'")
    while j >= 0:  # o'brien: the folded word drops the apostrophe, so any head may follow
        k = j
        while k > 0 and j - k < 3 and low[k - 1].isalnum():
            k -= 1
        if k < j and _word_starts(low, k):
            starts.add(k)
        j = find("'", j + 1)
    out = []
    match = _WORD_RE.match
    for i in sorted(starts):
        m = match(text, i)
        if m is not None:
            t = term(m.group())
            if t in stems:
                out.append((t, i, m.end()))
    return out


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


def highlight(text: str, stems: Collection[str]) -> list[Segment]:
    """All of `text` as segments, with words whose stem is in `stems` highlighted."""
    return _segments(text, 0, len(text), stems)


def _segments(text: str, start: int, end: int, stems: Collection[str],
              hits: list[Hit] | None = None) -> list[Segment]:
    """`text[start:end]` as segments; `hits`: those of `_hits(text[start:end], stems)`,
    already found (offsets in `text`)."""
    out: list[Segment] = []
    pos = start
    if stems:
        if hits is None:
            hits = [(t, a + start, b + start) for t, a, b in _hits(text[start:end], stems)]
        for _t, a, b in hits:
            if a > pos:
                out.append(Segment(_collapse(text[pos:a])))
            out.append(Segment(text[a:b], True))
            pos = b
    if pos < end:
        out.append(Segment(_collapse(text[pos:end])))
    return _merge(out)


def _merge(segs: Iterable[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segs:
        if not s.text:
            continue
        if out and out[-1].highlight == s.highlight and not s.highlight:
            out[-1] = Segment(out[-1].text + s.text, False)
        else:
            out.append(s)
    return out


def fragment(
    text: str,
    stems: Collection[str],
    *,
    max_chars: int = 240,
    weights: Mapping[str, float] | None = None,
) -> list[Segment]:
    """The best window of about `max_chars` characters of `text`: the one covering the most
    distinct matched stems (weighted by `weights`, e.g. IDF), with those words highlighted.
    Starts at a sentence start when one is close; ellipses mark cut text."""
    text = text or ""
    if not text.strip():
        return []
    scan = text[:MAX_SCAN_CHARS]
    hits = _hits(scan, stems)
    if len(text) <= max_chars:
        return _segments(text, 0, len(text), stems, hits) if hits else [Segment(_collapse(text))]
    best_start = 0
    if hits:
        w = weights or {}
        best_score = -1.0
        j = 0
        for i in range(len(hits)):
            limit = hits[i][1] + max_chars * 0.8
            while j < len(hits) and hits[j][2] <= limit:
                j += 1
            window = hits[i:j]
            distinct = {t for t, _, _ in window}
            # fsum: exact, so the sum (and which window wins a tie) does not depend on
            # the order of the set (string hashing differs between processes)
            score = math.fsum(w.get(t, 1.0) for t in distinct) + 0.01 * len(window)
            if score > best_score:
                best_score, best_start = score, hits[i][1]
        best_start = _back_to_sentence(scan, best_start, max_chars // 3)
    end = min(len(text), best_start + max_chars)
    if end < len(text):
        cut = text.rfind(" ", best_start + max_chars // 2, end)
        end = cut if cut > 0 else end
    segs = _segments(text, best_start, end, stems, _window_hits(text, scan, hits, best_start,
                                                                end, stems))
    if best_start > 0:
        segs.insert(0, Segment(ELLIPSIS))
    if end < len(text):
        segs.append(Segment(ELLIPSIS))
    return _merge(_strip_edges(segs))


def _window_hits(text: str, scan: str, hits: list[Hit], start: int, end: int,
                 stems: Collection[str]) -> list[Hit] | None:
    """The hits of `text[start:end]` from those of `scan` (a prefix of `text`), as
    `_hits(text[start:end])` finds them: the window starts at a word (a sentence start, after
    a space, or a hit) and a word is never cut but by its end, where the last, cut word is
    analysed as cut. None when the window goes past `scan`."""
    if end > len(scan) or (start and not (text[start - 1].isspace() or
                                          any(a == start for _, a, _ in hits))):
        return None
    whole = end
    if end < len(text) and not text[end].isspace():  # else the window's last word is whole
        whole = max(text.rfind(c, start, end) for c in " \t\n\r\f\v")  # last space
        if whole < start:
            return None
    out = [h for h in hits if h[1] >= start and h[2] <= whole]
    if whole < end:
        out.extend((t, a + whole, b + whole) for t, a, b in _hits(text[whole:end], stems))
    return out


def _strip_edges(segs: list[Segment]) -> list[Segment]:
    if segs and not segs[0].highlight:
        segs[0] = Segment(segs[0].text.lstrip())
    if segs and not segs[-1].highlight:
        segs[-1] = Segment(segs[-1].text.rstrip())
    return segs


def _back_to_sentence(text: str, pos: int, max_back: int) -> int:
    """Move `pos` back to the start of its sentence when that is within `max_back` chars,
    else to the start of the word it is in."""
    lo = max(0, pos - max_back)
    starts = [m.end() for m in _SENTENCE_START.finditer(text, lo, pos + 1) if m.end() <= pos]
    if starts:
        return starts[-1]
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
