"""The result page's speed-ups give what the plain ways give: snippets that look only for the
stems the index lists for the answer, facets counted through the padded category table, and
"Also in" entries made without the whole record."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

from indexer.index.build import build_index
from indexer.index.store import IndexStore, Session
from indexer.records import Record
from indexer.search import get_record, search, snippets
from indexer.search.facets import _category_counts, category_table, facet_table
from indexer.text.analysis import analyse

WORDS = ["pain", "painful", "paint", "painting", "painting", "o'brien", "don't", "haemoglobin",
         "hemoglobin", "lying", "lie", "studies", "study", "x_y", "wax", "waxy", "ear", "earache",
         "doctor", "docs"]
SEPS = [" ", "  ", ". ", "\n", ", ", "-", "--", "", "'", " (", ") ", ": "]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) + rng.choice(SEPS) for _ in range(rng.randint(1, 90)))


def test_a_fragment_looking_only_for_the_stems_present_is_the_same() -> None:
    """`present`: the stems whole words of the text have; a word the window cuts may have
    another of `stems`, and is still highlighted as before."""
    rng = random.Random(11)
    cut_words = 0
    for _ in range(3000):
        text = _text(rng)
        stems = set(rng.sample(sorted(set(analyse(" ".join(WORDS)))), rng.randint(1, 5)))
        present = frozenset(analyse(text)) & stems
        chars = rng.choice([8, 11, 14, 20, 35, 80, 240])
        weights = {t: rng.choice([1.0, 2.5, 0.3]) for t in stems}
        want = snippets.fragment(text, stems, max_chars=chars, weights=weights)
        got = snippets.fragment(text, stems, max_chars=chars, weights=weights, present=present)
        assert got == want, (text, stems, chars)
        cut_words += any(s.highlight and analyse(s.text)[:1] != [] and
                         analyse(s.text)[0] not in present for s in want)
    assert cut_words > 0  # the case where the full stems matter was met


def _records(rng: random.Random) -> list[Record]:
    out = []
    for i in range(60):
        paths = [[f"Topic {i % 7}", f"Sub {i % 3}"]] if i % 9 else []  # padded rows
        out.append(Record(id=f"r{i}", question=f"Is {rng.choice(WORDS)} a {rng.choice(WORDS)}?",
                          answer=_text(rng), title=f"About {rng.choice(WORDS)}",
                          url=f"https://example.org/{i}", source=rng.choice(["A", "B"]),
                          focus="Ear wax" if i % 4 == 0 else "",
                          qtype="symptoms" if i % 4 == 0 else "",
                          categories=paths + ([["Other"]] if i % 5 == 0 else [])))
    same = "Earwax softeners and olive oil drops loosen hardened cerumen within a week."
    out += [Record(id="copy-titled", question="", title="Softening earwax", answer=same,
                   categories=[["Other"]]),
            Record(id="copy-bare", question="", answer=same, categories=[["Other"]]),
            Record(id="copy-asked", question="How do I soften earwax?", answer=same,
                   categories=[["Other"]])]
    return out


@pytest.fixture(scope="module")
def s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    idx = tmp_path_factory.mktemp("result") / "index"
    build_index(_records(random.Random(5)), idx)
    with IndexStore(idx).searcher() as session:
        yield session


def test_category_counts_through_the_table_are_those_through_the_entries(s: Session) -> None:
    data = s.data
    table = category_table(data)
    assert table is not None and table.shape[1] == data.n_rows
    rng = np.random.default_rng(1)
    for _ in range(50):
        matched = rng.random(data.n_rows) < rng.random()
        want = np.bincount(data.cat_ids[matched[data.cat_rows]], minlength=len(data.paths))
        assert _category_counts(data, np.flatnonzero(matched), table).tolist() == want.tolist()
        assert _category_counts(data, np.flatnonzero(matched)).tolist() == want.tolist()
    assert facet_table(s) is facet_table(s)  # made once per generation


def test_no_table_when_padding_would_outweigh_the_entries(s: Session, monkeypatch) -> None:
    monkeypatch.setattr("indexer.search.facets.TABLE_MAX_WASTE", 0)
    assert category_table(s.data) is None


@pytest.mark.parametrize("query", ["ear wax", "painful studies", "lying doctor pain wax ear",
                                   "is my earache from wax or from a painful paint study?"])
def test_hits_are_those_of_the_stored_records(s: Session, query: str) -> None:
    """Snippets (looked for by the answer's indexed stems) as those of looking for every
    stem of the search; "Also in" entries as their records say."""
    result = search(s, query, limit=20)
    assert result.hits
    weights = _stems(s, query)
    for hit in result.hits:
        rec = get_record(s, hit.id)
        assert rec is not None
        assert hit.answer_parts == snippets.fragment(rec.answer, frozenset(weights),
                                                     weights=weights)
        for other in hit.also_in:
            orec = get_record(s, other.id)
            assert orec is not None
            assert (other.question, other.url, other.source) == (
                orec.display_question, orec.url, orec.source)


def test_a_section_filed_twice_is_listed_once_with_where_else(s: Session) -> None:
    hits = search(s, "ear wax symptoms", limit=20).hits
    assert any(len(h.also_in) >= 2 for h in hits)


def test_where_else_names_a_copy_by_its_question_else_its_title(s: Session) -> None:
    """"Also in" entries come from the stored JSON (or a cached record): the same headings
    as the records' own `display_question`, whichever way, cached or not."""
    for _ in range(2):
        (hit,) = search(s, "olive oil cerumen", limit=5).hits
        assert hit.also_in
        for other in [hit, *hit.also_in]:
            rec = get_record(s, other.id)
            assert rec is not None and other.question == rec.display_question
    headings = {h.question for h in [hit, *hit.also_in]}
    assert headings == {"How do I soften earwax?", "Softening earwax",
                        "(answer without a question)"}


def _stems(s: Session, query: str) -> dict[str, float]:
    """The search's stems and their weights (as the hits' snippets get them)."""
    from indexer.search.execute import run
    out = run(s, query, None, 20)
    assert out.ranked is not None
    return dict(out.ranked.stems)


def test_a_segment_made_quickly_is_a_segment() -> None:
    import dataclasses
    import pickle

    from indexer.results import Segment, segment

    for text, hl in [("pain", True), ("", False), ("<b>x</b> ’", False)]:
        quick, plain = segment(text, hl), Segment(text, hl)
        assert quick == plain and hash(quick) == hash(plain) and repr(quick) == repr(plain)
        assert dataclasses.asdict(quick) == {"text": text, "highlight": hl}
        assert pickle.loads(pickle.dumps(quick)) == plain  # noqa: S301 (our own bytes)
        with pytest.raises(dataclasses.FrozenInstanceError):
            quick.text = "changed"  # type: ignore[misc]
    assert segment("x") == Segment("x", False)
