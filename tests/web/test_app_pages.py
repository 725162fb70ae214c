"""Server-rendered pages: usable without JavaScript, escaped, each with its JSON twin."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from indexer.records import Record


class Page(HTMLParser):
    """Collects what the tests look at: title, links, scripts, marks, alternates, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.links: list[str] = []
        self.scripts: list[dict] = []
        self.alternate: str | None = None
        self.marks: list[str] = []
        self.roles: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    VOID = frozenset({"input", "br", "meta", "link", "img", "hr", "source", "wbr"})

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "script":
            self.scripts.append(a)
        if tag == "link" and a.get("rel") == "alternate":
            self.alternate = a.get("href")
        if tag not in self.VOID:
            self._open.append((tag, a.get("role")))

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        tags = {t for t, _ in self._open}
        roles = {r for _, r in self._open if r}
        if "title" in tags and not self.title:
            self.title = data.strip()
        if "mark" in tags:
            self.marks.append(data)
        for role in roles & {"alert", "status"}:
            if data.strip():
                self.roles.setdefault(role, []).append(data)
        self.text_parts.append(data)


def get_page(client, url: str, status: int = 200) -> Page:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "text/html"
    return Page(resp.get_data(as_text=True))


def test_home_has_a_search_form_and_the_category_tree(client) -> None:
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    page = Page(html)
    assert re.search(r'<form[^>]*role="search"[^>]*action="/search"', html)
    assert 'name="q"' in html
    assert "/categories/muscles-and-bones" in page.links
    assert "/categories/muscles-and-bones/back-spine" in page.links
    assert page.alternate == "/api/categories"
    assert "45 answers" in page.text


def test_results_page_shows_highlighted_hits_count_and_filters(client) -> None:
    page = get_page(client, "/search?q=lower+back+pain")
    assert re.match(r"\d+ results for “lower back pain”", page.title)
    assert any(m.lower() in {"back", "pain", "lower"} for m in page.marks)
    assert any(h.startswith("/records/askacupuncture-1") for h in page.links)
    assert any("category=muscles+and+bones" in h for h in page.links), "facets link to filters"
    assert page.alternate.startswith("/api/search?q=lower+back+pain")
    # the count sits in the page once; site.js copies it into the (empty) live region
    assert "answers found" in page.text
    assert page.roles.get("status", []) == []


def test_results_json_twin_answers(client) -> None:
    page = get_page(client, "/search?q=insomnia")
    twin = client.get(page.alternate)
    assert twin.status_code == 200 and twin.get_json()["data"]["query"] == "insomnia"


def test_category_filter_from_a_facet(client) -> None:
    page = get_page(client, "/search?q=pain")
    facet = next(h for h in page.links if "category=" in h)
    filtered = get_page(client, facet)
    assert "Only in" in filtered.text
    assert "/search?q=pain" in filtered.links, "a link removes the filter"


def test_pagination(make_app) -> None:
    client = make_app(results_per_page=3).test_client()
    first = get_page(client, "/search?q=acupuncture")
    assert "/search?q=acupuncture&page=2" in first.links
    second = get_page(client, "/search?q=acupuncture&page=2")
    hits1 = {h for h in first.links if h.startswith("/records/")}
    hits2 = {h for h in second.links if h.startswith("/records/")}
    assert hits1 and hits2 and not hits1 & hits2
    assert "/search?q=acupuncture" in second.links  # back to page 1


@pytest.mark.parametrize(("bad", "shown", "note"), [
    ("0", 1, "Pages start at 1"), ("-2", 1, "Pages start at 1"),
    ("two", 1, "not a page number"), ("100000", None, "only"), ("99", None, "only"),
])
def test_a_page_out_of_range_keeps_the_search_and_says_why(make_app, bad, shown, note) -> None:
    client = make_app(results_per_page=3).test_client()
    html = client.get(f"/search?q=acupuncture&page={bad}").get_data(as_text=True)
    page = Page(html)
    assert note in page.text
    assert 'value="acupuncture"' in html, "the search box keeps the query"
    assert [h for h in page.links if h.startswith("/records/")], "results are shown"
    current = re.search(r'aria-current="page"><span class="visually-hidden">Page </span>(\d+)',
                        html)
    last = max(int(n) for n in re.findall(r"page=(\d+)", " ".join(page.links)))
    assert int(current.group(1)) == (shown or last)


def test_the_count_says_what_is_counted(make_app) -> None:
    client = make_app(results_per_page=3).test_client()
    page = get_page(client, "/search?q=acupuncture&page=2")
    assert re.search(r"\d+ answers found: showing 4–6, best matches first", page.text)


def test_empty_query_goes_home(client) -> None:
    resp = client.get("/search?q=")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_zero_results_page_helps(make_app) -> None:
    client = make_app(ask_url="https://example.org/ask").test_client()
    page = get_page(client, "/search?q=zzqxv+wibblefrotz")
    assert page.title.startswith("No results")
    assert "Check the spelling" in page.text and "fewer or more general words" in page.text
    assert "https://example.org/ask" in page.links
    assert "/categories/sleep" in page.links, "browse categories"
    default = get_page(make_app().test_client(), "/search?q=zzqxv+wibblefrotz")
    assert "https://www.askacupuncture.example/contact/post-a-question.html" in default.links
    # nothing in the chosen topic, but answers elsewhere: offer them
    page = get_page(client, "/search?q=insomnia&category=digestive+health")
    assert page.title.startswith("No results")
    assert "/search?q=insomnia" in page.links


def test_zero_results_for_a_whole_question_suggest_its_informative_words(client) -> None:
    q = '"my lower back pain started after an epidural for childbirth"'
    page = get_page(client, "/search?" + urlencode({"q": q}))
    assert page.title.startswith("No results") and "Use fewer words" in page.text
    shorter = [h for h in page.links if h.startswith("/search?q=") and "epidural" in h]
    assert shorter, page.links
    for link in shorter:
        found = get_page(client, link)
        assert not found.title.startswith("No results"), link


def test_search_instead_for_what_was_typed(client) -> None:
    page = get_page(client, "/search?q=acupunture+neddles")
    assert "Showing results for" in page.text
    typed = "/search?q=acupunture+neddles&correct=0"
    assert "Search instead for" in page.text and typed in page.links
    plain = get_page(client, typed)
    assert "Showing results for" not in plain.text


def test_did_you_mean_corrects_a_misspelt_symptom(client) -> None:
    page = get_page(client, "/search?q=pregnacy")
    assert "Showing results for" in page.text or "Did you mean" in page.text
    assert "pregnancy" in page.text.lower()


def test_urgent_help_is_pinned_above_results_with_tap_to_call_links(client) -> None:
    html = client.get("/search?q=tight+pain+in+my+chest").get_data(as_text=True)
    page = Page(html)
    alert = " ".join(" ".join(page.roles.get("alert", [])).split())
    assert "Call 999 now if your chest pain" in alert
    assert "tel:999" in page.links and "tel:111" in page.links
    assert html.index('role="alert"') < html.index('class="hits"')
    calm = Page(client.get("/search?q=lower+back+pain").get_data(as_text=True))
    assert not calm.roles.get("alert")
    assert not [u for u in calm.links if u.startswith("tel:")]


def test_thoughts_of_suicide_get_the_crisis_line_card(client) -> None:
    page = get_page(client, "/search?" + urlencode({"q": "I don't want to live anymore"}))
    alert = " ".join(" ".join(page.roles.get("alert", [])).split())
    assert "Samaritans on 116 123" in alert
    assert "tel:116123" in page.links and "tel:999" in page.links
    assert "chest pain" not in alert  # its own message, not one paragraph for every emergency


def test_an_empty_emergency_notice_turns_urgent_help_off(make_app) -> None:
    client = make_app(emergency_notice="").test_client()
    page = Page(client.get("/search?q=chest+pain").get_data(as_text=True))
    assert not page.roles.get("alert")


def test_urgent_terms_come_from_an_editable_file(make_app, tmp_path) -> None:
    terms = tmp_path / "urgent.txt"  # the old format: one phrase a line, the site's notice
    terms.write_text("# ours\nbruise\n", encoding="utf-8")
    client = make_app(urgent_terms_file=str(terms), emergency_notice="Call now.").test_client()
    assert "Call now." in client.get("/search?q=bruised+arm").get_data(as_text=True)
    assert "Call now." not in client.get("/search?q=chest+pain").get_data(as_text=True)
    table = tmp_path / "urgent.toml"  # the table format: situations with their own messages
    table.write_text("""[[situation]]
id = "burn"
kind = "emergency"
title = "Bad burn?"
message = "Cool it under running water for 20 minutes and call 111."
actions = [{ label = "Call 111", href = "tel:111" }]
triggers = ["bad burn"]
""", encoding="utf-8")
    client = make_app(urgent_terms_file=str(table)).test_client()
    page = Page(client.get("/search?q=a+bad+burn+on+my+hand").get_data(as_text=True))
    assert "Cool it under running water" in " ".join(page.roles["alert"])
    assert "tel:111" in page.links


def test_record_page_shows_the_whole_answer(client, sample_records) -> None:
    rec = next(r for r in sample_records if r.id == "askacupuncture-103")
    page = get_page(client, f"/records/{rec.id}?q=epidural")
    first_para = rec.answer.split("\n\n")[0]
    assert " ".join(first_para.split()) in page.text
    last_para = rec.answer.strip().split("\n\n")[-1]
    assert " ".join(last_para.split()) in page.text
    assert "/categories/muscles-and-bones/back-spine/lower-back-pain" in page.links
    assert rec.url in page.links
    assert "/search?q=epidural" in page.links, "back to the results"
    assert page.alternate == f"/api/records/{rec.id}"


def test_unknown_record_is_a_friendly_404(client) -> None:
    page = get_page(client, "/records/nope", 404)
    assert "Page not found" in page.text


def test_category_pages(client) -> None:
    page = get_page(client, "/categories")
    assert "/categories/womens-health/pregnancy" in page.links
    cat = get_page(client, "/categories/muscles-and-bones/back-spine")
    assert "/categories/muscles-and-bones/back-spine/neck-pain" in cat.links
    assert any(h.startswith("/records/") for h in cat.links)
    assert cat.alternate.startswith("/api/categories/muscles-and-bones/back-spine")
    assert "/categories/muscles-and-bones" in cat.links, "breadcrumbs"
    get_page(client, "/categories/not-a-topic", 404)


def test_stored_script_is_escaped_everywhere(client) -> None:
    for url in ("/search?q=needles+hurt+form+error", "/records/askacupuncture-134",
                "/categories/about-acupuncture/safety/needles"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert url.startswith("/categories") or "&lt;script&gt;" in html, url


def test_pages_have_no_inline_script_or_style(client) -> None:
    for url in ("/", "/search?q=back", "/search?q=zzqxv", "/records/askacupuncture-101",
                "/categories", "/categories/sleep", "/widget/demo", "/nope"):
        html = client.get(url).get_data(as_text=True)
        page = Page(html)
        assert all(s.get("src") for s in page.scripts), url
        assert "<style" not in html and not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_a_swapped_in_index_is_picked_up_without_restart(build_records, make_app) -> None:
    one = Record(id="r1", question="Can acupuncture help hay fever?", answer="It may help.",
                 categories=[["allergies"]])
    two = Record(id="r2", question="Does acupuncture help zebra stripes itch?",
                 answer="Zebra skin is not our field.", categories=[["allergies"]])
    client = make_app(index_dir=build_records([one])).test_client()
    assert client.get("/api/search?q=zebra").get_json()["data"]["total"] == 0
    build_records([one, two])
    data = client.get("/api/search?q=zebra").get_json()["data"]
    assert [h["id"] for h in data["hits"]] == ["r2"]


def test_unsafe_source_links_are_dropped(build_records, make_app) -> None:
    rec = Record(id="evil", question="Is this link safe?", answer="Click it.",
                 url="javascript:alert(1)", categories=[["tests"]])
    client = make_app(index_dir=build_records([rec])).test_client()
    for url in ("/records/evil", "/search?q=link+safe"):
        assert "javascript:" not in client.get(url).get_data(as_text=True), url
    assert client.get("/api/records/evil").get_json()["data"]["url"] == ""


def test_missing_index_is_a_friendly_503_page(tmp_path, make_app) -> None:
    page = get_page(make_app(index_dir=tmp_path / "none").test_client(), "/", 503)
    assert "Search is unavailable" in page.text


@pytest.mark.parametrize("url", ["/search?q=back+pain", "/records/askacupuncture-101"])
def test_pages_work_on_a_phone(client, url: str) -> None:
    html = client.get(url).get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_facets_are_a_tree_of_topics_with_counts(client) -> None:
    html = client.get("/search?q=pain").get_data(as_text=True)
    start = html.index('<nav class="facets"')
    nav = html[start:html.index("</nav>", start)]
    # a parent with its count, its children in an expandable list under it
    parent = nav.index(">muscles and bones</a>")
    kids = nav.index('<details class="facet-kids"', parent)
    child = nav.index(">back / spine</a>", kids)
    assert parent < kids < child
    assert nav.count(">back / spine</a>") == 1, "each topic once, not repeated per level"
    assert ">muscles and bones › back / spine<" not in nav
    # the filters come before the results (a "Filter" button on a phone) and work without JS
    assert html.index('<details class="filters"') < html.index('<ol class="hits"')
    assert "<summary" in html[html.index('<details class="filters"'):]


def test_the_selected_topic_is_open_in_the_tree(client) -> None:
    url = "/search?" + urlencode([("q", "pain"), ("category", "muscles and bones"),
                                  ("category", "back / spine")])
    html = client.get(url).get_data(as_text=True)
    selected = html.index('aria-current="true" class="facet-on">back / spine')
    opened = html.rindex('<details class="facet-kids" open>', 0, selected)
    assert html.rindex(">muscles and bones</a>", 0, opened)


def test_back_to_results_keeps_the_page_and_the_topic(make_app) -> None:
    client = make_app(results_per_page=3).test_client()
    url = "/search?" + urlencode([("q", "pain"), ("category", "muscles and bones"),
                                  ("page", 2)])
    results = get_page(client, url)
    record_link = next(h for h in results.links if h.startswith("/records/"))
    assert "page=2" in record_link and "category=muscles+and+bones" in record_link
    record = get_page(client, record_link)
    back = next(h for h in record.links if h.startswith("/search?"))
    assert back == "/search?" + urlencode([("q", "pain"), ("category", "muscles and bones"),
                                           ("page", 2)])


def test_medquad_template_questions_show_the_condition_and_a_section(make_app, build_records,
                                                                     app_settings) -> None:
    recs = [Record(id="GARD_1_Sec1", question="What are the symptoms of Fabry disease ?",
                   answer="Fabry disease causes pain in the hands and feet.",
                   title="Fabry disease", focus="Fabry disease", qtype="symptoms",
                   url="https://rarediseases.info.nih.gov/gard/1/fabry", source="GARD",
                   categories=[["Genetic and rare diseases", "Symptoms"]]),
            Record(id="x-2", question="Can acupuncture help Fabry disease pain?",
                   answer="It may ease the pain a little.")]
    client = make_app(index_dir=build_records(recs)).test_client()
    results = client.get("/search?q=fabry+disease").get_data(as_text=True)
    assert "What are the symptoms of" not in results
    assert re.search(r"<mark>Fabry</mark> <mark>disease</mark><span class=\"hit-section\">: "
                     r"symptoms</span>", results)
    assert "Can acupuncture help" in results  # an ordinary question stays as asked
    record = get_page(client, "/records/GARD_1_Sec1")
    assert record.title.startswith("Fabry disease: symptoms")
    assert "What are the symptoms of" not in record.text
    assert "rarediseases.info.nih.gov" in record.text


@pytest.mark.parametrize(("question", "heading", "section"), [
    ("What is (are) Headache ?", "Headache", "overview"),
    ("What is the outlook for Headache ?", "Headache", "outlook"),
    ("What is Zinc ?", "Zinc", "overview"),
    ("Who is at risk for Lupus? ?", "Lupus", "who is at risk"),
    ("Do you have information about A1C", "A1C", "overview"),
    ("What is acupuncture good for?", "What is acupuncture good for?", ""),
])
def test_template_questions_become_a_condition_and_a_section(question, heading,
                                                             section) -> None:
    from search_app.present import title

    t = title(question)
    assert (t.text, t.section) == (heading, section)
