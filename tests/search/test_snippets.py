"""Snippets find exactly the words the analyzer would: the fast candidate search in
`indexer.search.snippets` (heads of stems found with str.find / a regex) against the plain
reference (analyse every word) on the sample archive and on generated text."""

from __future__ import annotations

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
    assert snippets._hits(text, stems) == reference_hits(text, stems), (text, stems)


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
