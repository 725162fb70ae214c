"""Snippets as plain `Segment`s (text, highlighted?) and an HTML renderer that escapes all.

Record text comes from scraped pages and is untrusted: segments carry plain text only, and
`render_html` escapes every character of it, so a stored `<script>` comes back inert.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Iterable, Mapping

from indexer.analysis import analyse_with_offsets
from indexer.results import Segment

ELLIPSIS = "…"
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)(?=\S)")
_WS = re.compile(r"\s+")
MAX_SCAN_CHARS = 60_000  # very long answers: look for the best fragment in the first 60k chars


def _collapse(text: str) -> str:
    return _WS.sub(" ", text)


def highlight(text: str, stems: Collection[str]) -> list[Segment]:
    """All of `text` as segments, with words whose stem is in `stems` highlighted."""
    return _segments(text, 0, len(text), stems)


def _segments(text: str, start: int, end: int, stems: Collection[str]) -> list[Segment]:
    out: list[Segment] = []
    pos = start
    if stems:
        for term, a, b in analyse_with_offsets(text[start:end]):
            if term in stems:
                a += start
                b += start
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
    hits = [(t, a, b) for t, a, b in analyse_with_offsets(scan) if t in stems] if stems else []
    if len(text) <= max_chars:
        return _segments(text, 0, len(text), stems).copy() if hits else [Segment(_collapse(text))]
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
            score = sum(w.get(t, 1.0) for t in distinct) + 0.01 * len(window)
            if score > best_score:
                best_score, best_start = score, hits[i][1]
        best_start = _back_to_sentence(scan, best_start, max_chars // 3)
    end = min(len(text), best_start + max_chars)
    if end < len(text):
        cut = text.rfind(" ", best_start + max_chars // 2, end)
        end = cut if cut > 0 else end
    segs = _segments(text, best_start, end, stems)
    if best_start > 0:
        segs.insert(0, Segment(ELLIPSIS))
    if end < len(text):
        segs.append(Segment(ELLIPSIS))
    return _merge(_strip_edges(segs))


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
