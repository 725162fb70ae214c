"""Snippets find exactly the words the analyzer would: the fast candidate search in
`indexer.search.snippets` (heads of stems found with str.find / a regex) against the plain
reference (analyse every word) on the sample archive and on generated text."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.results import Segment
from indexer.search import snippets
from indexer.text.analysis import analyse, analyse_with_offsets


def reference_hits(text: str, stems: set[str]) -> list[tuple[str, int, int]]:
    return [(t, a, b) for t, a, b in analyse_with_offsets(text) if t in stems]


TRICKY = [
    "Lying down after dying hair? Tying knots: ties, lies, dies.",
    "Haemorrhage, haemoglobin and hemorrhage; oesophagus, OESOPHAGEAL, esophageal reflux.",
    "O'Brien's test; rock'n'roll; don't; patients' notes; it's; d'Arcy; x'y'z ''ab a''b",
    "Tumour, tumours, TUMOR; anaemia vs anemia; paediatric; foetal; coeliac disease.",
    "Café au lait spots, naïve, Ångström, ﬁbrosis (ligature), İstanbul, straße, ÆTHER",
    "Don’t stop — it’s the patient’s choice; O’Neill’s sign; ’tis",
    "skies skis news early only singly idly gently ugly atlas bias cosmos andes howe",
    "MS, ms, HIV, hiv-1, B12, vitamin d, hepatitis b, hepatic, hepatitides, 2nd, x_y, a_b_c",
    "running ran runs; studies studied studying; generalization generally; possibility",
]


def check(text: str, stems: set[str]) -> None:
    want = reference_hits(text, stems)
    assert snippets._hits(text, stems) == want, (text, stems)
    if text.isascii() and stems:  # both ASCII scans, whichever `_hits` picks for this length
        heads = snippets._heads(frozenset(stems))
        assert snippets._ascii_hits(text, stems, heads) == want, (text, stems)
        assert snippets._every_word_hits(text, stems) == want, (text, stems)


def test_tricky_words_are_found_like_the_analyzer_finds_them() -> None:
    for text in TRICKY:
        terms = set(analyse(text))
        check(text, terms)  # every word a hit
        for t in terms:
            check(text, {t})  # one stem at a time
        check(text.upper(), terms)
        check(text.lower(), terms)


def test_sample_archive_texts(sample_records: list) -> None:
    rng = random.Random(7)
    texts = [r.answer for r in sample_records] + [r.display_question for r in sample_records]
    vocab = sorted({t for text in texts for t in analyse(text)})
    for text in texts:
        mine = analyse(text)
        for _ in range(3):
            stems = set(rng.sample(mine, min(len(mine), rng.randint(1, 8))))
            stems |= set(rng.sample(vocab, 3))
            check(text, stems)
        check(text, set(mine))


def test_fragment_and_highlight_use_the_same_words() -> None:
    text = ("Acupuncture for lower back pain. " * 3 + "O'Brien's haemorrhage was treated. ") * 8
    stems = set(analyse("O'Brien's haemorrhage pain acupuncture"))
    segs = snippets.fragment(text, stems, max_chars=120)
    assert any(s.highlight for s in segs)
    lit = [s.text for s in snippets.highlight("O'Brien's haemorrhage", stems) if s.highlight]
    assert lit == ["O'Brien's", "haemorrhage"]
    assert snippets.highlight("no match here", {"pain"}) == [Segment("no match here")]


WORDS = st.sampled_from(
    ["pain", "Pain", "PAINFUL", "lying", "lie", "dying", "haem", "Haemorrhage", "o'brien",
     "don't", "it's", "’tis", "café", "ﬁbrosis", "İx", "tumours", "studies", "a", "ms",
     "x_y", "3rd", "hepatitis", "naïve", "Ærobic", "sky", "skies", "b12", "''", "'", "’"]
)
SEPS = st.sampled_from([" ", "  ", "\n", ", ", ". ", "-", "'", "’", "_", "/", "(", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPS), max_size=30), st.data())
def test_generated_text(parts: list[tuple[str, str]], data: st.DataObject) -> None:
    text = "".join(w + s for w, s in parts)
    terms = sorted(set(analyse(text)) | {"pain", "lie", "hemorrhag", "obrien", "cafe"})
    stems = set(data.draw(st.lists(st.sampled_from(terms), min_size=1, max_size=6)))
    check(text, stems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=30))
def test_any_text(text: str, query: str) -> None:
    stems = set(analyse(query)) | set(analyse(text)[:3])
    check(text, stems)


# --------------------------------------------------------------------------- the window
def reference_window(hits: list[tuple[str, int, int]], max_chars: int,
                     w: dict[str, float]) -> int:
    """The best window's start, worked out window by window (what `_best_window` does in
    one pass with a running count of the stems in the window)."""
    import math

    best_score, best_start, j = -1.0, 0, 0
    for i in range(len(hits)):
        limit = hits[i][1] + max_chars * 0.8
        while j < len(hits) and hits[j][2] <= limit:
            j += 1
        window = hits[i:j]
        score = math.fsum(w.get(t, 1.0) for t in {t for t, _, _ in window}) + 0.01 * len(window)
        if score > best_score:
            best_score, best_start = score, hits[i][1]
    return best_start


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(1, 40), st.integers(1, 60)),
                max_size=40),
       st.dictionaries(st.sampled_from("abcde"), st.floats(0.1, 5.0)),
       st.integers(20, 120))
def test_best_window_is_the_one_scored_window_by_window(
        gaps: list[tuple[str, int, int]], w: dict[str, float], max_chars: int) -> None:
    hits, pos = [], 0
    for t, gap, length in gaps:  # some words longer than a window (length up to 60)
        pos += gap
        hits.append((t, pos, pos + length))
        pos += length
    assert snippets._best_window(hits, max_chars, w) == reference_window(hits, max_chars, w)


def test_a_snippet_is_made_of_whole_segments_without_empty_or_doubled_plain_runs() -> None:
    text = ("Back  pain\n\nis common.   Lower back pain, " * 20) + "the end."
    stems = set(analyse("back pain"))
    for segs in (snippets.fragment(text, stems, max_chars=100), snippets.highlight(text, stems),
                 snippets.fragment(text[:90], stems)):
        assert all(isinstance(s, Segment) and s.text for s in segs)
        assert not any(not a.highlight and not b.highlight for a, b in itertools.pairwise(segs))
        assert not any("  " in s.text or "\n" in s.text for s in segs if not s.highlight)
    segs = snippets.fragment(text, stems, max_chars=100)
    assert segs[-1] == Segment(snippets.ELLIPSIS)
    assert [s.text.lower() for s in segs if s.highlight][:2] == ["back", "pain"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [" ", "a", "B", ".", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u1680",
     "\u2003", "\u2028", "\u2029", "\u202f", "\u3000", "\u200b", "é", "’"]), max_size=12))
def test_collapsing_whitespace_is_one_space_per_run(text: str) -> None:
    import re

    assert snippets._collapse(text) == re.sub(r"\s+", " ", text)


def test_words_with_apostrophes_and_long_heads() -> None:
    """Words with an apostrophe among their first letters are found whatever the heads
    (long spelling-prefix heads, apostrophes crowding the letters read)."""
    texts = ["O'Brien's haem'oglobin, d'oesophagus and gy'n'a'e'c'o'l'o'g'i'c'a'l notes",
             "it's the patients' paediatrician's o'clock; a'b'c'd'e'f'g'h'i'j'k'l'm'n'o'p",
             "rock'n'roll doesn't dy'ing l'ying ti'es"]
    for text in texts:
        terms = set(analyse(text))
        check(text, terms)
        for t in terms:
            check(text, {t})
            check(text, {t, "hemoglobin", "gynecolog", "esophagus"})


def reference_back_to_sentence(text: str, pos: int, max_back: int) -> int:
    """`_back_to_sentence` as every sentence start of the span found, the last one taken."""
    lo = max(0, pos - max_back)
    starts = [m.end() for m in snippets._SENTENCE_START.finditer(text, lo, pos + 1)
              if m.end() <= pos]
    if starts:
        return starts[-1]
    space = text.rfind(" ", lo, pos)
    return space + 1 if space >= 0 else pos


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab .!?:;\n\t\r,'", max_size=60), st.data())
def test_back_to_sentence_takes_the_last_sentence_start(text: str, data: st.DataObject) -> None:
    pos = data.draw(st.integers(0, max(0, len(text) - 1)))
    max_back = data.draw(st.integers(0, 70))
    assert snippets._back_to_sentence(text, pos, max_back) == reference_back_to_sentence(
        text, pos, max_back)


def test_back_to_sentence_on_sample_texts(sample_records: list) -> None:
    for rec in sample_records:
        text = rec.answer
        for pos in range(0, len(text), 7):
            for max_back in (0, 5, 80):
                assert snippets._back_to_sentence(text, pos, max_back) == (
                    reference_back_to_sentence(text, pos, max_back)), (rec.id, pos)


SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())  # what \s matches


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPACES + "ab. "), max_size=40) | st.text(max_size=40))
def test_whitespace_runs_collapse_as_the_regex_does(text: str) -> None:
    assert snippets._collapse(text) == snippets._WS.sub(" ", text)
