"""Text cleanup shared by the K2 page parser and the plain-text dump parser.

Conventions of the cleaned text (what every parser hands to the merge step):
- Characters: Unicode NFC; non-breaking and odd spaces become plain spaces; zero-width characters
  and soft hyphens are dropped; runs of spaces collapse to one; non-ASCII letters are kept.
- Paragraphs: separated by exactly one blank line (``"\\n\\n"``); there are no single newlines.
  A line break in the middle of a sentence (a ``<br>``, a link on its own line, a removed
  "Please click here") is joined back with a space.
- Boilerplate: only what the cleaner can name is removed. A line that is wholly site furniture
  (`BOILERPLATE_LINES`, each a name, a pattern and an example: find-an-acupuncturist boxes,
  "Post a question", factsheet promos, "Page X of Y", "N questions", print/email/navigation
  lines, "Read more...") is dropped; a sentence that is only a call to click a link is dropped
  (`CLICK_HERE_SENTENCES`), never one that says more. Real text that only mentions these
  things ("As our factsheet shows ...", "Published in 2012, a review found ...") is kept:
  patterns match whole short lines only.
- Repairs: URLs stuck to the word before them get a space ("seehttp://..."), run-together
  sentences get one ("word.Next" -> "word. Next"), "I' ve" -> "I've"; mojibake (UTF-8 read
  as cp1252, "â€™") is undone by `ftfy.fix_encoding`.

Decoding stays hand-written (`decode_bytes`: a byte order mark or BOM-less UTF-16 first
(`sniff_unicode`), then UTF-8, else cp1252, else Latin-1): the archive
is UTF-8 with a few cp1252 pages, and a fixed order gives the same text every run and a note
naming the first bad byte; charset-normalizer guesses (a short cp1252 page may come out as
another code page) and bs4's UnicodeDammit with these three encodings is no shorter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import ftfy


def words(text: str) -> list[str]:
    """The whitespace-separated words of `text` (for word-list constants)."""
    return text.split()


# --- decoding -------------------------------------------------------------------------------

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag (first 4 KB), lower-cased, or None."""
    m = _CHARSET_RE.search(data[:4096])
    return m.group(1).decode("ascii", "replace").lower() if m else None


# Byte order marks, longest first (a UTF-32 LE mark begins with the UTF-16 LE one).
_BOMS = [(b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
         (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
         (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
         (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
         (b"\xfe\xff", "utf-16-be", "UTF-16 BE")]


def sniff_unicode(data: bytes) -> tuple[str, int, str] | None:
    """(codec, length of its byte order mark, name) for text in a Unicode encoding that a plain
    byte check would call binary or mis-read: a byte order mark (UTF-32, UTF-16, UTF-8), or
    UTF-16 without one (every other byte of the first 4 KB NUL, the others not). None else."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return codec, len(bom), f"{name} (byte order mark)"
    head = data[:4096]
    if len(head) >= 8:
        head = head[: len(head) // 2 * 2]
        even, odd = head[0::2], head[1::2]
        for zeros, other, codec, name in ((odd, even, "utf-16-le", "UTF-16 LE"),
                                          (even, odd, "utf-16-be", "UTF-16 BE")):
            if zeros.count(0) >= 0.9 * len(zeros) and other.count(0) == 0:
                return codec, 0, f"{name} (no byte order mark)"
    return None


def transcode_unicode(data: bytes) -> tuple[bytes, str | None, str | None]:
    """`data` as UTF-8 bytes without a byte order mark when `sniff_unicode` recognises its
    encoding: (bytes, note saying what it was, error when it does not decode); the data as
    it is, None, None otherwise."""
    found = sniff_unicode(data)
    if found is None:
        return data, None, None
    codec, skip, name = found
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        return data, None, f"starts as {name} but byte {exc.start + skip} does not decode"
    note = None if codec == "utf-8" else f"decoded as {name}"
    return text.encode("utf-8"), note, None


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Decode page or dump bytes: UTF-8 (BOM allowed), else cp1252, else Latin-1.

    Returns (text, note): the note says which fallback was used, None for clean UTF-8.
    Text with a UTF-16/UTF-32 byte order mark (or BOM-less UTF-16) is decoded as such."""
    data, note, error = transcode_unicode(data)
    if note and not error:
        return data.decode("utf-8"), note
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = exc.start
    try:
        return data.decode("cp1252"), f"not valid UTF-8 (byte {where}); decoded as cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), f"not valid UTF-8 (byte {where}); decoded as Latin-1"


def looks_binary(data: bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters in the first 8 KB."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.05


# --- characters -------------------------------------------------------------------------------

_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                             "\u2009\u200a\u202f\u205f\u3000\t\x0b\x0c"), " ")
_DROP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalise_chars(text: str) -> str:
    """NFC, plain spaces for every kind of space, no zero-width characters, \\n line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = unicodedata.normalize("NFC", text.translate(_SPACES).translate(_DROP))
    return ftfy.fix_encoding(text)  # UTF-8 read as cp1252: "â€™" -> "’", "Ã©" -> "é"


# --- boilerplate ------------------------------------------------------------------------------

# Site furniture that fills a whole line, by name: (name, pattern, an example line it drops).
# A pattern matches a whole line (plus trailing punctuation), never the start of a longer
# sentence: a tail after the fixed words is short and has no sentence end in it, so an answer
# that opens with the same words ("Published in 2012, a review found ...") is kept.
# tests/ingest/test_boilerplate.py checks every example and a list of sentences kept.
_TAIL = r"[^.!?]{0,60}"  # a short tail with no sentence end in it
BOILERPLATE_LINES: list[tuple[str, str, str]] = [
    ("find-a-practitioner box",
     r"find an? (bacc )?(acupuncturist|practitioner|member)( near you| in your area)?"
     r"( \.\.\.|\.\.\.|…)?", "Find an acupuncturist near you"),
    ("postcode search box",
     r"(search|enter) (by |your )?(town|postcode|town or postcode|location)"
     r"( or (town|postcode|location))?( to find an? (acupuncturist|practitioner))?",
     "Enter your town or postcode"),
    ("search button", r"(go|search|find)", "Go"),
    ("post-a-question link", r"post an? (new )?question( to (our|an) experts?)?( now)?",
     "Post a question to our experts"),
    ("ask-an-expert link", r"ask an? (expert|question)( now)?", "Ask an expert"),
    ("archive header", r"ask an expert\s*[-–—:] " + _TAIL, "Ask an expert - muscles and bones"),
    ("questions promo",
     r"if you have any questions about acupuncture,? (please )?(browse|ask|post|contact|get in "
     r"touch|search)" + _TAIL,
     "If you have any questions about acupuncture, browse our archive or ask an expert."),
    ("factsheet heading", r"(the )?bacc factsheets?", "BAcC Factsheets"),
    ("factsheet browse link", r"browse (the|our) (facts|factsheets)( by condition)?",
     "Browse the facts"),
    ("factsheet promo",
     r"research[- ]based factsheets have been prepared" + r"[^.!?]{0,100}",
     "Research based factsheets have been prepared for over 60 conditions"),
    ("factsheet link", r"factsheets?", "Factsheets"),
    ("page counter", r"page \d+ of \d+", "Page 3 of 6"),
    ("question count", r"\d+ questions?", "28 questions"),
    ("recent answers heading", r"recent answers", "Recent answers"),
    ("read-more link",
     r"(\[|\()?read more( \.\.\.|\.\.\.|…|\.|…)?(\]|\))?( ?(→|»|>))?", "Read more..."),
    ("print and e-mail links",
     r"(print|e-?mail|print \| e-?mail|e-?mail \| print|print this (page|item)|e-?mail this"
     r"( page| item)?|e-?mail a friend|bookmark|share|share this|tweet|like|pin it)",
     "Print | Email"),
    ("pagination",
     r"((«|‹|<<|<)\s*)?(start|prev|previous|next|end)(\s*(»|›|>>|>))?"
     r"(\s+((«|‹|<<|<)\s*)?(start|prev|previous|next|end|\d+|\.\.\.|…)(\s*(»|›|>>|>))?)*",
     "« Start Prev 1 2 3 Next End »"),
    ("back link", r"(back to top|top of page|« back|go back|back)", "Back to top"),
    ("published-in line", r"(published|filed) in:? [\w&'’/ -]{1,50}",
     "Published in lower back pain"),
    ("author line", r"written by:? [\w.'’ -]{1,40}", "Written by Administrator"),
    ("modified-on line",
     r"(last )?(modified|updated) on:? [\w,:/. -]{0,40}\d[\w,:/. -]{0,20}",
     "Last modified on Tuesday, 05 March 2013 10:20"),
    ("font-size controls",
     r"(font size|(decrease|increase|reset) font size)(:? ?(decrease|increase|reset|bigger|"
     r"smaller|a\+|a-|\+|-)( font size)?)*", "Font size: Decrease font size Increase font size"),
    ("you-are-here line", r"you are here:( " + _TAIL + ")?", "You are here: Home » Ask an expert"),
    ("breadcrumb line", r"home\s*(»|>|/|›)\s*.*", "Home » Ask an expert » sleep"),
    ("skip link", r"skip to (main )?(content|navigation)", "Skip to main content"),
    ("account links",
     r"(log ?in|log ?out|sign in|register|members'? area|members only|join (the )?bacc)",
     "Log in"),
    ("related heading", r"related (items|questions)( \(by tag\))?:?", "Related items (by tag)"),
    ("comment links",
     r"(rate this item|be the first to comment!?|comments?|add comment|\d+ comments?)",
     "Be the first to comment!"),
    ("tag line", r"(tagged under|tags):? [\w,'’ /-]{0,80}", "Tagged under: pregnancy, nausea"),
    ("click-here link", r"(please )?click here\.?", "Please click here"),
]
_BOILERPLATE_RE = re.compile(
    r"^(?:" + "|".join(f"(?:{p})" for _, p, _ in BOILERPLATE_LINES) + r")[\s.:!]*$", re.I)
_PAGE_OF_RE = re.compile(r"\bpage\s+(\d+)\s+of\s+(\d+)\b", re.I)
_N_QUESTIONS_RE = re.compile(r"^\s*(\d+)\s+questions?\s*$", re.I)


def boilerplate_name(line: str) -> str | None:
    """The name of the furniture a whole line is (`BOILERPLATE_LINES`), or None for text."""
    line = " ".join(line.split())
    if not line or not _BOILERPLATE_RE.match(line):
        return None
    return next(name for name, p, _ in BOILERPLATE_LINES
                if re.match(rf"^(?:{p})[\s.:!]*$", line, re.I))


def is_boilerplate(line: str) -> bool:
    """True when a whole line is site furniture rather than question or answer text."""
    line = " ".join(line.split())
    return bool(line) and bool(_BOILERPLATE_RE.match(line))


def page_of(text: str) -> tuple[int, int] | None:
    """(X, Y) from "Page X of Y" anywhere in `text`, or None."""
    m = _PAGE_OF_RE.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def declared_count(text: str) -> int | None:
    """N from a line "N questions", or None."""
    for line in text.splitlines():
        m = _N_QUESTIONS_RE.match(line.replace("\u00a0", " "))
        if m:
            return int(m.group(1))
    return None


# --- inline repairs ---------------------------------------------------------------------------

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+")
_CLICK_HERE_RE = re.compile(r"\bclick\s+here\b", re.I)
# Sentences that are nothing but a link's call to action, each with an example.
CLICK_HERE_SENTENCES = [
    (r"(please\s+)?click\s+here(\s+(to|for)\b[^.!?]{0,60})?",
     "Please click here to read our factsheet."),
    (r"(for|to)\b[^.!?,]{0,60},?\s+(please\s+)?click\s+here",
     "For more information, please click here."),
    (r"[^.!?]{0,40}\b(is|are)\s+(available\s+)?(here|below)\s*[-–:]\s*(please\s+)?click\s+here",
     "Our factsheet is available here - click here."),
]
_CLICK_HERE_ONLY_RE = re.compile(
    r"^\s*(?:" + "|".join(p for p, _ in CLICK_HERE_SENTENCES) + r")\s*[.!:]*\s*$", re.I)
_URL_START_RE = re.compile(r"(?<=[A-Za-z,;:])(?=(?:https?://|www\.)[A-Za-z0-9])")
_URL_TAIL_RE = re.compile(r"^((?:https?://|www\.)\S+?)([.!?])([A-Z][a-z]+\S*)$")
_RUN_TOGETHER_RE = re.compile(r"(?<=[a-z)\]\"”’%])([.!?]+)(?=[A-Z][a-z]|[AI]\b)")
_APOSTROPHE_RE = re.compile(
    r"\b(I|you|we|they|he|she|it|that|there|what|who|don|doesn|didn|can|couldn|won|wouldn|"
    r"shouldn|isn|aren|wasn|weren|haven|hasn|hadn)\s?(['’])\s(ve|ll|re|m|d|s|t)\b", re.I)
_SPACE_BEFORE_PUNCT_RE = re.compile(r"(?<=\w)\s+([,;:!?]|\.(?!\.))(?=\s|$)")
_MULTISPACE_RE = re.compile(r" {2,}")


def drop_click_here(line: str) -> str:
    """Remove the sentences of `line` that are only a call to follow a dead link ("Please
    click here.", "Click here to read our factsheet.", "For more information click here.";
    `CLICK_HERE_SENTENCES`); a sentence that says more ("Our fact sheet - please click here
    is not overly encouraging, but ...") is answer text and stays."""
    if not _CLICK_HERE_RE.search(line):
        return line
    kept = [s for s in _SENTENCE_SPLIT_RE.split(line) if not _CLICK_HERE_ONLY_RE.match(s)]
    return " ".join(kept)


def _fix_token(token: str) -> str:
    if "://" in token or token.lower().startswith("www.") or "@" in token:
        m = _URL_TAIL_RE.match(token)
        return f"{m.group(1)}{m.group(2)} {m.group(3)}" if m else token
    return _RUN_TOGETHER_RE.sub(r"\1 ", token)


def fix_inline(line: str) -> str:
    """Repair one line: stuck URLs, run-together sentences, spaced apostrophes, extra spaces."""
    line = _URL_START_RE.sub(" ", line)
    line = " ".join(_fix_token(t) for t in line.split(" "))
    line = _APOSTROPHE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}", line)
    line = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", line)
    return _MULTISPACE_RE.sub(" ", line).strip()


# --- paragraphs -------------------------------------------------------------------------------

_TERMINAL = tuple(".!?:;…\"”’')]")
_CONTINUATION_WORDS = frozenset(words(
    "a an the and or but nor for to of in on at by with from as into than that which who whom "
    "whose my your his her our their its this these those is are was were be been being am has "
    "have had do does did not no very so if when while because about after before since until "
    "some any more most such each every"
))
_LIST_ITEM_RE = re.compile(r"^([-•*–]|\d+[.)]|[A-Za-z][.)]|\(\w+\))\s")


def _continues(prev: str, nxt: str) -> bool:
    """Whether `nxt` carries on the sentence `prev` left unfinished (a stray line break)."""
    if not prev or not nxt or prev.endswith(_TERMINAL) or _LIST_ITEM_RE.match(nxt):
        return False
    if nxt[0].islower():
        return True
    last_word = prev.rsplit(" ", 1)[-1].lower().strip(",")
    return last_word in _CONTINUATION_WORDS or prev.endswith(",")


def to_paragraphs(lines: Iterable[str]) -> str:
    """Join cleaned lines into paragraphs separated by one blank line; lines that continue an
    unfinished sentence are joined with a space."""
    paras: list[str] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if paras and _continues(paras[-1], line):
            sep = "" if line[0] in ",.;:!?)]" else " "
            paras[-1] = f"{paras[-1]}{sep}{line}"
        else:
            paras.append(line)
    return "\n\n".join(paras)


def clean_lines(lines: Iterable[str]) -> list[str]:
    """Normalise, drop boilerplate and click-here sentences, repair each line."""
    out = []
    for raw in lines:
        line = " ".join(normalise_chars(raw).split())
        if not line or is_boilerplate(line):
            continue
        line = drop_click_here(fix_inline(line)).strip()
        if line and not is_boilerplate(line):
            out.append(line)
    return out


def clean_text(text: str | Iterable[str]) -> str:
    """The whole cleanup for a question or answer body: lines in, paragraphs out."""
    lines = text.split("\n") if isinstance(text, str) else text
    return to_paragraphs(clean_lines(lines))


_READ_MORE_TAIL_RE = re.compile(
    r"[\s\[(]*read\s+more(\s*\.\.\.|\s*…|\.)?[\])]*\s*(→|»)?\s*$", re.I)


def strip_read_more(text: str) -> tuple[str, bool]:
    """Remove a trailing "Read more..." from a listing intro; say whether there was one."""
    stripped = _READ_MORE_TAIL_RE.sub("", text)
    return stripped.rstrip(), stripped != text
