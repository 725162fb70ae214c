"""Search over a small hand-made index: odd input never raises, syntax subset, categories,
facets, pagination, did-you-mean, synonyms, snippets (escaped), suggestions, qtype."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.index.build import build_index
from indexer.index.store import IndexStore, Session
from indexer.records import Record
from indexer.results import QueryError
from indexer.search import (
    category_tree,
    get_record,
    index_stats,
    rank_ids,
    records_in_category,
    search,
)
from indexer.search.snippets import fragment, plain_text, render_html
from indexer.search.suggest import suggest
from indexer.text.qtypes import question_types

BACK = ["muscles and bones", "back / spine", "lower back pain"]
SLEEP = ["sleep", "insomnia"]
ABOUT = ["about acupuncture", "safety"]

RECORDS = [
    Record(id="a1", question="Can acupuncture help sciatica down my left leg?",
           answer="Acupuncture is often used for sciatica. The sciatic nerve runs from the lower "
                  "back down the leg, and needling points along it can ease the pain.",
           categories=[BACK]),
    Record(id="a2", question="Is acupuncture safe for lower back pain after an epidural?",
           answer="Yes. Tell your practitioner about the epidural. Several sessions are usually "
                  "needed for back pain; many people feel better after four to six sessions.",
           categories=[BACK]),
    Record(id="a3", question="How many sessions will I need for insomnia?",
           answer="Insomnia often improves within a few sessions. Sleep hygiene helps too.",
           categories=[SLEEP]),
    Record(id="a4", question="Do the needles hurt?",
           answer="Most people feel a dull ache or tingling, like pins and needles, not pain.",
           categories=[ABOUT]),
    Record(id="a5", question="Acupuncture and pneumonia recovery",
           answer="After pneumonia, acupuncture may help with fatigue; see your doctor first.",
           categories=[["lungs", "pneumonia"]]),
    Record(id="a6", question="A page with <script>alert('x')</script> in it",
           answer="Stored text <script>alert(1)</script> & <b>bold</b> must come back inert.",
           categories=[ABOUT]),
    Record(id="a7", question="What can I do about a bad back when gardening?",
           answer="Warm up first, kneel rather than bend, and take breaks to protect your back.",
           categories=[BACK, ["lifestyle", "exercise"]]),
    Record(id="a8", question="What is lumbago?",
           answer="Lumbago is an old word for lower back pain. Acupuncture can help lumbago.",
           categories=[BACK]),
    Record(id="m1", question="What are the treatments for Aarskog-Scott syndrome ?",
           answer="Treatment of Aarskog-Scott syndrome depends on the symptoms: orthodontic "
                  "care, surgery for hernias, and growth hormone in some children.",
           focus="Aarskog-Scott syndrome", synonyms=["AAS", "Faciogenital dysplasia"],
           qtype="treatment", categories=[["rare diseases", "Treatment"]]),
    Record(id="m2", question="What causes Aarskog-Scott syndrome ?",
           answer="Mutations in the FGD1 gene cause some cases of Aarskog-Scott syndrome.",
           focus="Aarskog-Scott syndrome", synonyms=["AAS", "Faciogenital dysplasia"],
           qtype="causes", categories=[["rare diseases", "Causes"]]),
    Record(id="m3", question="What is (are) Aarskog-Scott syndrome ?",
           answer="Aarskog-Scott syndrome is a genetic disorder affecting the face, hands and "
                  "genitals.",
           focus="Aarskog-Scott syndrome", synonyms=["AAS", "Faciogenital dysplasia"],
           qtype="information", categories=[["rare diseases", "General information"]]),
]
for i in range(12):  # enough lower-back records to paginate
    RECORDS.append(Record(
        id=f"p{i:02d}", question=f"Lower back pain question number {i}",
        answer=f"Answer {i} about lower back pain and acupuncture sessions.",
        categories=[BACK]))


# --------------------------------------------------------------------------- odd input
ODD_QUERIES = [
    "", " ", "\x00", "\n\t", '"', '""', '"unclosed phrase', "-", "--", "-back", "NOT",
    "OR", "OR OR", "back OR", "OR back", "AND", "back AND pain", "*", "back*", "?", "~2",
    "title:back", "(back", "back)", "[]{}", "^3", "\\", "\\\\", "'", "a" * 10_000,
    "back " * 2000, "🙂 back pain 🙂", "背中の痛み", "بوجع الظهر", "ｂａｃｋ", "ﬁbromyalgia",
    "<script>alert(1)</script>", "%s %d {0}", "null", "None", "' OR 1=1 --", "\ud800",
    "back\u200bpain", "BACK PAIN", "-\"lower back\"", 'NOT "back pain"', "back -back",
    "a an the of", "0", "12345", "1e309", "NaN", "....", "?!?!", "pins and needles",
]


def ids(result: object) -> list[str]:
    return [h.id for h in result.hits]  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_raise(s: Session, query: str) -> None:
    result = search(s, query, limit=5)
    assert result.total >= len(result.hits)
    for hit in result.hits:
        render_html(hit.answer_parts)


@pytest.mark.parametrize("query", [None, 42, 3.5, b"bytes", ["a"], {"q": 1}])
def test_non_string_queries_never_raise(s: Session, query: object) -> None:
    result = search(s, query)  # type: ignore[arg-type]
    assert result.query == ("" if query is None else str(query))  # searched as its text
    assert result.total >= len(result.hits) and result.limit == 10


FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.text(max_size=300))
def test_hypothesis_no_exception_escapes_search(s: Session, text: str) -> None:
    result = search(s, text, limit=3)
    assert 0 <= len(result.hits) <= 3


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
@given(st.lists(st.sampled_from(['"', "-", "OR", "NOT", "back", "pain", "(", "*", "acupunture",
                                 "bad", "sessions", " "]), max_size=12))
def test_hypothesis_syntax_soup(s: Session, parts: list[str]) -> None:
    result = search(s, " ".join(parts), limit=3)
    assert result.total >= len(result.hits) and len(result.hits) <= 3
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    if not any(p not in {'"', "-", "OR", "NOT", "(", "*", " "} for p in parts):
        assert result.total == 0  # operators and punctuation alone search for nothing


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": 101}, {"limit": -1}, {"offset": -1}, {"offset": 10**6},
     {"limit": "ten"}, {"limit": None}, {"limit": 2.5}, {"category": 5}, {"category": [1, 2]},
     {"category": ["x" * 500]}],
)
def test_bad_paging_or_category_raise_query_error(s: Session, kwargs: dict) -> None:
    with pytest.raises(QueryError):
        search(s, "back", **kwargs)


# --------------------------------------------------------------------------- semantics
def test_keywords_must_all_match(s: Session) -> None:
    result = search(s, "sciatica leg")
    assert ids(result) == ["a1"]
    assert result.understood["mode"] == "all words"


def test_falls_back_to_some_words_with_a_notice(s: Session) -> None:
    result = search(s, "insomnia gardening")
    assert set(ids(result)) == {"a3", "a7"}
    assert any("some of them" in n for n in result.notices)


def test_phrase_negation_and_or(s: Session) -> None:
    assert ids(search(s, '"left leg"')) == ["a1"]
    assert ids(search(s, '"leg left"')) == []  # both words, but not as a phrase
    assert ids(search(s, '"pins and needles"')) == ["a4"]  # stop words inside are fine
    assert "a1" in ids(search(s, "sciatica OR insomnia")) and "a3" in ids(
        search(s, "sciatica OR insomnia"))
    no_epidural = ids(search(s, "acupuncture -epidural", limit=50))
    assert "a2" not in no_epidural and "a1" in no_epidural
    assert "a2" not in ids(search(s, 'back -"after an epidural"', limit=50))


def test_only_negation_gives_nothing_with_a_notice(s: Session) -> None:
    result = search(s, "-back")
    assert result.total == 0 and result.notices


def test_message_mode_ranks_long_questions(s: Session) -> None:
    text = ("Hello, I had an epidural two years ago and since then my lower back hurts. "
            "Could acupuncture help? Thanks")
    result = search(s, text)
    assert result.understood["mode"] == "message"
    assert ids(result)[0] == "a2"
    assert "thanks" in " ".join(result.understood.get("ignored", [])).lower()


# --------------------------------------------------------------------------- categories, pages
def test_category_filter_and_facets(s: Session) -> None:
    everything = search(s, "sessions", limit=50)
    filtered = search(s, "sessions", category=["muscles and bones"], limit=50)
    assert filtered.total < everything.total
    assert all(any(p[:1] == ["muscles and bones"] for p in h.categories) for h in filtered.hits)
    assert filtered.category == ["muscles and bones"]
    deep = search(s, "sessions", category=BACK, limit=50)
    assert {h.id for h in deep.hits} == {h.id for h in filtered.hits}
    assert search(s, "sessions", category=["MUSCLES AND BONES"]).total == filtered.total
    assert search(s, "sessions", category=["no such category"]).total == 0
    facets = {tuple(f.path): f.count for f in everything.facets}
    assert facets[("muscles and bones",)] == filtered.total  # counts ignore the filter
    assert facets[("sleep",)] == 1


def test_pagination_is_consistent(s: Session) -> None:
    first = search(s, "lower back pain", limit=5)
    second = search(s, "lower back pain", limit=5, offset=5)
    whole = search(s, "lower back pain", limit=50)
    assert first.total == second.total == whole.total >= 12
    assert ids(first) + ids(second) == ids(whole)[:10]
    assert [h.rank for h in second.hits] == [6, 7, 8, 9, 10]
    beyond = search(s, "lower back pain", limit=5, offset=whole.total)
    assert beyond.hits == [] and beyond.total == whole.total


# --------------------------------------------------------------------------- spelling, synonyms
@pytest.mark.parametrize(
    "typed,meant",
    [("accupuncture", "acupuncture"), ("sciatia", "sciatica"), ("insomina", "insomnia"),
     ("pnuemonia", "pneumonia")],
)
def test_did_you_mean_and_auto_correct(s: Session, typed: str, meant: str) -> None:
    result = search(s, typed)
    assert result.did_you_mean == meant
    assert result.corrected and result.total > 0
    assert any(m.via == "correction" for h in result.hits for m in h.matches)


def test_did_you_mean_keeps_the_rest_of_the_query(s: Session) -> None:
    result = search(s, "Accupuncture for sciatia")
    assert result.did_you_mean == "Acupuncture for sciatica"
    assert ids(result)[0] == "a1"


def test_known_words_are_not_corrected(s: Session) -> None:
    result = search(s, "acupuncture sessions")
    assert result.did_you_mean is None and not result.corrected


def test_lay_term_synonyms_are_applied_and_reported(s: Session) -> None:
    result = search(s, "bad back", limit=20)
    assert "a8" in ids(result)  # "lumbago" only: found through the synonym
    use = result.synonyms[0]
    assert use.phrase == "bad back" and use.source == "lay-terms"
    assert "lumbago" in use.alternatives
    hit = next(h for h in result.hits if h.id == "a8")
    assert any(m.via == "synonym" and m.stem == "lumbago" for m in hit.matches)


def test_pins_and_needles_synonym_keeps_the_phrase(s: Session) -> None:
    result = search(s, "pins and needles")
    assert ids(result)[0] == "a4"
    assert result.synonyms and result.synonyms[0].source == "lay-terms"


def test_focus_synonyms_find_the_condition(s: Session) -> None:
    result = search(s, "faciogenital dysplasia")
    assert set(ids(result)) == {"m1", "m2", "m3"}
    assert result.synonyms and result.synonyms[0].source == "focus"
    assert "Aarskog-Scott syndrome" in result.synonyms[0].alternatives


def test_question_type_picks_the_right_answer_of_a_condition(s: Session) -> None:
    assert ids(search(s, "how is aarskog-scott syndrome treated?"))[0] == "m1"
    assert ids(search(s, "why do people get aarskog-scott syndrome, what causes it?"))[0] == "m2"
    understood = search(s, "what causes aarskog scott syndrome?").understood
    assert understood["qtype"][0] == "causes"
    assert understood["focus"] == ["Aarskog-Scott syndrome"]


def test_short_names_need_capitals_only_when_written_as_acronyms(tmp_path: Path) -> None:
    recs = [
        Record(id="g1", question="What are the treatments for Gout ?", focus="Gout",
               answer="Gout attacks are treated with anti-inflammatory medicines.",
               qtype="treatment"),
        Record(id="o1", question="What is (are) Oppositional defiant disorder ?",
               focus="Oppositional defiant disorder", synonyms=["ODD"], qtype="information",
               answer="Oppositional defiant disorder is a pattern of angry behaviour."),
    ] + [Record(id=f"f{i}", question=f"Filler question {i} about sleep",
                answer=f"Filler answer {i}.") for i in range(30)]  # idf needs a corpus
    build_index(recs, tmp_path / "idx")
    with IndexStore(tmp_path / "idx").searcher() as session:
        # "Gout" is a word, not an acronym: typed in lower case it still names the condition
        assert search(session, "how is gout treated?").understood["focus"] == ["Gout"]
        # "ODD" is written as an acronym: only capitals name the condition
        assert search(session, "is ODD common in boys?").understood["focus"] == [
            "Oppositional defiant disorder"]
        assert search(session, "an odd pain in my knee, what is it?").understood["focus"] == []


# --------------------------------------------------------------------------- snippets, matches
def test_snippets_are_segments_and_html_is_escaped(s: Session) -> None:
    result = search(s, "stored text inert")
    hit = next(h for h in result.hits if h.id == "a6")
    text = plain_text(hit.answer_parts)
    assert "<script>" in text  # segments carry the plain text...
    html = render_html(hit.answer_parts) + render_html(hit.question_parts)
    assert "<script" not in html and "&lt;script&gt;" in html  # ...rendered inert
    assert "<b>" not in html and "&amp;" in html
    assert "<mark>" in html  # matched terms are marked


def test_fragment_picks_the_best_window() -> None:
    text = ("Filler sentence about nothing. " * 20 + "Acupuncture eased the sciatica pain. "
            + "More filler here. " * 20)
    segs = fragment(text, {"sciatica", "acupunctur"}, max_chars=120)
    assert any(sg.highlight and sg.text == "sciatica" for sg in segs)
    assert plain_text(segs).startswith("…") and plain_text(segs).endswith("…")
    assert len(plain_text(segs)) <= 130


def test_hits_explain_why_they_matched(s: Session) -> None:
    hit = search(s, "sciatica needling").hits[0]
    by_stem = {m.stem: m for m in hit.matches}
    assert "question" in by_stem["sciatica"].fields and "answer" in by_stem["sciatica"].fields
    assert by_stem["needl"].term == "needling" and by_stem["needl"].fields == ["answer"]


# --------------------------------------------------------------------------- other calls
def test_records_categories_stats_and_suggest(s: Session) -> None:
    assert get_record(s, "a3").question.startswith("How many sessions")
    assert get_record(s, "nope") is None and get_record(s, "") is None
    tree = {n.name: n for n in category_tree(s)}
    assert tree["muscles and bones"].count == 16
    assert tree["muscles and bones"].children[0].path == BACK[:2]
    total, recs = records_in_category(s, ["sleep"], limit=10)
    assert total == 1 and recs[0].id == "a3"
    total, recs = records_in_category(s, BACK, limit=5, offset=5)
    assert total == 16 and len(recs) == 5
    stats = index_stats(s)
    assert stats["records"] == len(RECORDS) and stats["generation"].startswith("gen-")
    sugg = suggest(s, "acupunc")
    assert sugg and sugg[0].kind == "term" and sugg[0].text == "acupuncture"
    assert any(x.kind == "question" and x.id for x in sugg)
    assert suggest(s, "") == [] and suggest(s, "\x00") == []
    assert suggest(s, "zzzzqqq") == []


def test_rank_ids_matches_search(s: Session) -> None:
    assert [d for d, _ in rank_ids(s, "acupuncture sessions", limit=5)] == ids(
        search(s, "acupuncture sessions", limit=5))


@pytest.mark.parametrize(
    "text,label",
    [("Can acupuncture help my sciatica?", "treatment"),
     ("What causes shingles?", "causes"),
     ("Is dementia passed down in families?", "inheritance"),
     ("What are the symptoms of Lyme disease?", "symptoms"),
     ("How is glaucoma diagnosed?", "exams and tests"),
     ("What is the life expectancy with ALS?", "outlook"),
     ("How can I prevent the flu?", "prevention"),
     ("What is sleep paralysis?", "information"),
     ("How should I store insulin?", "storage and disposal")],
)
def test_question_types(text: str, label: str) -> None:
    assert question_types(text)[0][0] == label


def test_what_is_asks_for_an_overview_only_when_nothing_else_is_asked() -> None:
    assert [label for label, _ in question_types("What is sleep paralysis?")] == ["information"]
    asked = question_types("What are the causes and complications of diaphragmatic hernia?")
    assert {label for label, _ in asked} == {"causes", "complications"}


def test_question_types_of_nothing() -> None:
    assert question_types("") == [] and question_types("back pain") == []


def test_index_path_of_a_store(tmp_path: Path) -> None:
    build_index(RECORDS[:2], tmp_path / "i")
    with IndexStore(tmp_path / "i").searcher() as s2:
        assert index_stats(s2)["index_dir"] == str(tmp_path / "i")


def test_spelling_trusts_expert_text_not_visitors_questions(tmp_path: Path) -> None:
    recs = [
        Record(id="q1", question="Can accupuncture help my sciatia?",  # misspelt by a visitor
               answer="Acupuncture can help sciatica; the sciatic nerve often settles."),
        Record(id="q2", question="Sore hernias", answer="Hernias and a hernia repair; sand."),
        Record(id="q3", question="Acupuncture", answer="Acupuncture sessions for the back."),
        # other topics: "acupuncture" is not in most records (then it would list none alone)
        *[Record(id=f"o{i}", question=f"Garden {i}", answer=f"Water the garden {i} daily.")
          for i in range(3)],
    ]
    build_index(recs, tmp_path / "i")
    with IndexStore(tmp_path / "i").searcher() as s2:
        typed = search(s2, "accupuncture sciatia")
        assert typed.did_you_mean == "acupuncture sciatica"
        # the typed words exist: the typed query is kept (not replaced by the correction),
        # the corrections are searched too; q1 has both words, q3 only "acupuncture"
        assert ids(typed) == ["q1", "q3"] and not typed.corrected
        assert typed.understood["all_words"] == 1
        assert search(s2, "hernias").did_you_mean is None  # a plural is not a misspelling
        assert search(s2, "hand").did_you_mean is None  # hand/sand: one letter swapped in
