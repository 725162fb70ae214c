"""Each quirk of real archive pages, by name, on small inline pages and dumps."""

from __future__ import annotations

import html

import pytest

from indexer.ingest.parse.clean import clean_text, is_boilerplate
from indexer.ingest.parse.items import BROKEN, COMPLETE_INTRO, FULL, PARTIAL_INTRO
from indexer.ingest.parse.k2 import parse_k2, source_name
from indexer.ingest.parse.merge import merge_items
from indexer.ingest.parse.text import parse_text
from indexer.records import INTRO_ONLY, ORPHAN, TRUNCATED

SITE = "https://www.askacupuncture.example"
CAT = "/ask-an-expert/sleep/insomnia/"
PATH = ["sleep", "insomnia"]


def listing(items: str, *, header: str = "Ask an expert - sleep - insomnia",
            count: int = 1, pager: str = "", end: bool = True) -> bytes:
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>
<div class="moduletable"><h3>Find an acupuncturist...</h3></div>
<div id="k2Container" class="itemListView">
<div class="itemListCategory"><h2>{html.escape(header)}</h2><p>{count} questions</p></div>
<div class="itemList">{items}</div>
{pager}
</div>
<div class="moduletable"><h3>Post a question</h3><p>Browse the facts</p></div>
</body></html>
"""
    data = page.encode("utf-8")
    if end:
        return data
    cut = data.index(items.encode()) + len(items.encode())
    return data[:cut]


def entry(item_id: int | None, title: str, text: str, *, read_more: bool = False) -> str:
    href = f"{CAT}item/{item_id}-x.html" if item_id else ""
    link = f'<a href="{href}">{html.escape(title)}</a>' if href else html.escape(title)
    more = (f'<div class="catItemReadMore"><a class="k2ReadMore" href="{href}">Read more...</a>'
            "</div>" if read_more else "")
    return f"""<div class="catItemView"><h3 class="catItemTitle">{link}</h3>
<div class="catItemIntroText">{text}</div>{more}</div>"""


def item_page(item_id: int, title: str, text: str, crumbs: list[str] = PATH) -> bytes:
    trail = "".join(f"<li><a href='#'>{html.escape(c)}</a> &raquo;</li>"
                    for c in ["Home", "Ask an expert", *crumbs])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<ul class="breadcrumb">{trail}<li>{html.escape(title)}</li></ul>
<div id="k2Container" class="itemView"><h2 class="itemTitle">{html.escape(title)}</h2>
<div class="itemToolbar"><a href="#">Print</a> | <a href="#">Email</a></div>
<div class="itemFullText">{text}</div>
<div class="itemNavigation"><a href="#">&laquo; Previous</a> <a href="#">Next &raquo;</a></div>
</div></body></html>""".encode()


def one(text: str, title: str = "A title", item_id: int | None = 7):
    page = parse_k2(listing(entry(item_id, title, text)), SITE + CAT)
    (item,) = page.items
    return item


def records(*pages: tuple[str, bytes]):
    items = []
    for url, data in pages:
        items.extend(parse_k2(data, url).items)
    return merge_items(items)


# ------------------------------------------------------------------------------ labels

def test_labels_q_colon_a_colon():
    it = one("<p>Q: Does it help sleep?</p><p>A: Often it does.</p>")
    assert (it.question, it.answer) == ("Does it help sleep?", "Often it does.")


def test_labels_q_dot_a_dot():
    it = one("<p>Q. Does it help sleep?</p><p>A. Often it does.</p>")
    assert (it.question, it.answer) == ("Does it help sleep?", "Often it does.")


def test_lowercase_labels_alone_on_a_line():
    it = one("<p>q:</p><p>Does it help sleep?</p><p>a:</p><p>Often it does.</p>")
    assert (it.question, it.answer) == ("Does it help sleep?", "Often it does.")
    dump = parse_text("q:\nDoes it help sleep?\na:\nOften it does.\n")
    assert [(i.question, i.answer) for i in dump.items] == [("Does it help sleep?",
                                                             "Often it does.")]


def test_lowercase_a_starting_a_sentence_is_not_a_label():
    it = one("<p>Q: Which is best?</p><p>A: Two options:</p><p>a. rest first</p>"
             "<p>b. then exercise</p>")
    assert it.answer == "Two options:\n\na. rest first\n\nb. then exercise"


def test_label_with_space_before_colon():
    it = one("<p>Q : Does it help sleep?</p><p>A : Often it does.</p>")
    assert (it.question, it.answer) == ("Does it help sleep?", "Often it does.")


def test_label_without_space_after_colon():
    it = one("<p>Q:Does it help?</p><p>A:We think it does.</p>")
    assert (it.question, it.answer) == ("Does it help?", "We think it does.")


def test_dotted_initials_are_not_labels():
    it = one("<p>Q: Who wrote the guideline?</p><p>A: A.N. Other wrote it.</p>")
    assert it.answer == "A.N. Other wrote it."


# ------------------------------------------------------------------------------ missing parts

def test_answer_without_question_uses_the_title():
    (rec,) = records((SITE + CAT, listing(entry(7, "Can it help jet lag?",
                                                "<p>A: It may, a little.</p>"))))
    assert rec.question == "Can it help jet lag?"
    assert rec.title == "Can it help jet lag?"
    assert ORPHAN not in rec.flags


def test_unlabelled_item_text_is_the_answer_and_title_the_question_when_it_asks_one():
    (rec,) = records((SITE + CAT, listing(entry(7, "Can acupuncture help with shingles?",
                                                "<p>It may help a little.</p>"))))
    assert (rec.question, rec.answer) == ("Can acupuncture help with shingles?",
                                          "It may help a little.")
    assert ORPHAN not in rec.flags


def test_unlabelled_item_under_a_title_that_asks_nothing_is_an_orphan_titled_answer():
    (rec,) = records((SITE + CAT, listing(entry(7, "Jet lag", "<p>It may help a little.</p>"))))
    assert (rec.question, rec.answer) == ("", "It may help a little.")
    assert ORPHAN in rec.flags and rec.display_question == "Jet lag"


def test_question_label_then_unlabelled_answer_paragraphs():
    text = ("<p>Q: I fell in March and my shoulder has been frozen since<br>then. Is acupuncture "
            "worth trying?</p><p>Our fact sheet on the website - please click here is not "
            "overly encouraging, but many see results.</p><p>Try four sessions.</p>")
    (rec,) = records((SITE + CAT, listing(entry(7, "Frozen shoulder", text))))
    # one question paragraph: the line break in mid-sentence is joined
    assert rec.question == ("I fell in March and my shoulder has been frozen since then. "
                            "Is acupuncture worth trying?")
    assert rec.answer == ("Our fact sheet on the website - please click here is not overly "
                          "encouraging, but many see results.\n\nTry four sessions.")


def test_answer_without_question_or_title_is_an_orphan():
    (rec,) = records((SITE + CAT, listing(entry(7, "", "<p>A: It may help a little.</p>"))))
    assert rec.question == "" and rec.title == ""
    assert rec.flags == [ORPHAN]
    assert rec.answer == "It may help a little."


def test_orphan_answer_after_an_answer_in_a_text_dump():
    dump = parse_text("Q: First?\nA: First answer.\n\nA: A second answer with no question.\n"
                      "\nQ: Third?\nA: Third answer.\n")
    got = [(i.question, i.answer, i.flags) for i in dump.items]
    assert got == [("First?", "First answer.", []),
                   ("", "A second answer with no question.", [ORPHAN]),
                   ("Third?", "Third answer.", [])]


def test_quoted_older_answer_starting_with_a_dot_is_not_split():
    text = ("<p>Q: Are needles reused?</p><p>A: We answered this before, and said:</p>"
            "<blockquote><p>A. Needles are single-use and sterile.</p></blockquote>"
            "<p>That is still true.</p>")
    it = one(text)
    assert it.answer == ("We answered this before, and said:\n\nA. Needles are single-use "
                         "and sterile.\n\nThat is still true.")
    dump = parse_text("Q: Are needles reused?\nA: We answered this before, and said:\n"
                      "A. Needles are single-use and sterile.\nThat is still true.\n"
                      '"A. Quoted with a mark" stays too.\n')
    (item,) = dump.items
    assert "A. Needles are single-use" in item.answer
    assert item.answer.endswith('"A. Quoted with a mark" stays too.')


def test_multi_line_question():
    it = one("<p>Q: I am 34 weeks pregnant.<br>My baby is breech.<br>Is it too late?</p>"
             "<p>A: No.</p>")
    assert it.question == "I am 34 weeks pregnant.\n\nMy baby is breech.\n\nIs it too late?"
    dump = parse_text("Q: I have had pain for years\nin my lower back.\nCan you help?\nA: Yes.")
    assert dump.items[0].question == "I have had pain for years in my lower back.\n\nCan you help?"


def test_multi_part_question():
    it = one("<p>Q: Does it hurt?</p><p>Q: And how many sessions?</p><p>A: Rarely; about six.</p>")
    assert it.question == "Does it hurt?\n\nAnd how many sessions?"
    dump = parse_text("Q: Does it hurt?\nQ: And how many sessions?\nA: Rarely; about six.\n")
    assert [(i.question, i.answer) for i in dump.items] == [
        ("Does it hurt?\n\nAnd how many sessions?", "Rarely; about six.")]


# ------------------------------------------------------------------------------ text repairs

def test_please_click_here_links_are_removed():
    it = one('<p>Q: Evidence?</p><p>A: As our factsheet shows</p>'
             '<p><a href="/f.html">Please click here</a></p>'
             '<p>the evidence is growing. To read it please click here.</p>')
    assert it.answer == "As our factsheet shows the evidence is growing."


def test_url_stuck_to_a_word():
    it = one('<p>Q: Where?</p><p>A: See our list at<a href="/x">www.example.org/list</a> '
             "or athttps://example.org/find.Then call.</p>")
    assert it.answer == ("See our list at www.example.org/list or at https://example.org/find. "
                         "Then call.")


def test_run_together_sentences():
    assert clean_text("Probably both.Long hours hurt.I would rest.") == (
        "Probably both. Long hours hurt. I would rest.")
    assert clean_text("Take 2.5 mg, e.g. at 8.30, see nhs.uk or www.Example.org.") == (
        "Take 2.5 mg, e.g. at 8.30, see nhs.uk or www.Example.org.")


def test_br_mid_sentence():
    it = one("<p>Q: My lower<br>back hurts when I<br/>bend.</p><p>A: It can help with<br>"
             "Back Pain in many cases.</p>")
    assert it.question == "My lower back hurts when I bend."
    assert it.answer == "It can help with Back Pain in many cases."


def test_html_entities_and_non_ascii():
    it = one("<p>Q: Ginger hasn&rsquo;t helped &ndash; what now? &amp; is caf&eacute; "
             "OK?</p><p>A: Try acupuncture&nbsp;&nbsp;first. Qì flows; naïve &lt;b&gt; "
             "stays text.</p>")
    assert it.question == "Ginger hasn’t helped – what now? & is café OK?"
    assert it.answer == "Try acupuncture first. Qì flows; naïve <b> stays text."
    dump = parse_text("Q: Pain &amp; stiffness?\nA: Yes&nbsp;it can help.\n")
    assert (dump.items[0].question, dump.items[0].answer) == ("Pain & stiffness?",
                                                              "Yes it can help.")


def test_spaced_apostrophes_and_odd_spaces():
    assert clean_text("I\u00a0' ve got pain \u200bhere .") == "I've got pain here."


def test_paragraphs_are_separated_by_one_blank_line():
    it = one("<p>Q: Why?</p><p>A: First.</p>\n\n<p>Second.</p><div>Third.</div>")
    assert it.answer == "First.\n\nSecond.\n\nThird."


# ------------------------------------------------------------------------------ intros

def test_read_more_intro_prefers_the_item_page():
    intro = entry(7, "Sleep", "<p>Q: Will it help?</p><p>A: Often.</p>", read_more=True)
    full = item_page(7, "Sleep", "<p>Q: Will it help?</p><p>A: Often.</p><p>More detail.</p>")
    page = parse_k2(listing(intro), SITE + CAT)
    assert page.items[0].quality == PARTIAL_INTRO
    (rec,) = records((SITE + CAT, listing(intro)), (SITE + CAT + "item/7-x.html", full))
    assert rec.answer == "Often.\n\nMore detail."
    assert rec.flags == []
    assert rec.url == SITE + CAT + "item/7-x.html"
    assert rec.urls == [SITE + CAT + "item/7-x.html", SITE + CAT]


def test_read_more_intro_only_is_flagged_intro_only():
    inline = entry(8, "Sleep", '<p>Q: Will it help?</p><p>A: Often. <a class="k2ReadMore" '
                               'href="/x">Read more...</a></p>')
    (rec,) = records((SITE + CAT, listing(inline)))
    assert rec.answer == "Often."
    assert rec.flags == [INTRO_ONLY]


# ------------------------------------------------------------------------------ truncation

def test_truncated_page_keeps_complete_items_and_reports_the_broken_one():
    items = entry(1, "One", "<p>Q: One?</p><p>A: First answer.</p>") + entry(
        2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes on and on")
    data = listing(items, end=False)
    assert not data.rstrip().endswith(b"</html>")
    page = parse_k2(data, SITE + CAT)
    assert page.truncated
    assert [i.quality for i in page.items] == [COMPLETE_INTRO, BROKEN]
    assert page.items[0].flags == [] and page.items[1].flags == [TRUNCATED]
    assert len(page.problems) == 1 and "'Two'" in page.problems[0].message
    recs = merge_items(page.items)
    assert [r.flags for r in recs] == [[], [TRUNCATED]]


def test_truncated_copy_loses_to_a_complete_copy():
    cut = listing(entry(2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes"), end=False)
    full = item_page(2, "Two", "<p>Q: Two?</p><p>A: Second answer that goes on.</p>")
    (rec,) = records((SITE + "/ask-an-expert/", cut), (SITE + CAT + "item/2-x.html", full))
    assert rec.answer == "Second answer that goes on."
    assert rec.flags == []


# ------------------------------------------------------------------------------ boilerplate

BOILERPLATE_LINES = [
    "Find an acupuncturist...", "Find an acupuncturist near you", "Enter your postcode",
    "Post a question", "BAcC Factsheets", "Browse the facts",
    "Research based factsheets have been prepared for over 60 conditions especially for this "
    "website", "If you have any questions about acupuncture, browse our archive or ask an "
    "expert.", "Ask an expert", "Page 3 of 6", "28 questions", "1 question", "Read more...",
    "Print", "Email", "Print | Email", "« Start Prev 1 2 3 Next End »", "Back to top",
    "Published in lower back pain", "Please click here", "Home » Ask an expert » sleep",
]


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_lines_never_end_up_in_a_record(line):
    assert is_boilerplate(line)
    it = one(f"<p>Q: Real question?</p><p>{html.escape(line)}</p><p>A: Real answer.</p>"
             f"<p>{html.escape(line)}</p><p>More answer.</p>")
    assert (it.question, it.answer) == ("Real question?", "Real answer.\n\nMore answer.")


def test_sentences_mentioning_boilerplate_words_are_kept():
    kept = ["As our factsheet shows there is some evidence.", "Page 3 of the leaflet helps.",
            "Ask an expert in your area.", "Please print this page for your GP."]
    for line in kept:
        assert not is_boilerplate(line)
        assert clean_text(line) == line


def test_page_facts_are_exposed():
    pager = '<div class="k2Pagination"><a href="#">Start</a> 1 2 3 <p>Page 2 of 3</p></div>'
    page = parse_k2(listing(entry(1, "One", "<p>Q: a?</p><p>A: b.</p>"), count=12, pager=pager),
                    SITE + CAT + "Page-2.html")
    assert (page.kind, page.category, page.page, page.pages, page.declared) == (
        "listing", PATH, 2, 3, 12)
    bare = parse_k2(listing(entry(1, "One", "<p>Q: a?</p><p>A: b.</p>")), SITE + CAT)
    assert (bare.page, bare.pages) == (1, None)
    root = parse_k2(listing("", header="Ask an expert - Recent answers"), SITE + "/ask-an-expert/")
    assert root.category == []


def test_item_page_category_comes_from_breadcrumbs():
    page = parse_k2(item_page(9, "Title", "<p>Q: a?</p><p>A: b.</p>",
                              ["muscles and bones", "back / spine"]), SITE + CAT + "item/9-t.html")
    assert page.kind == "item" and page.items[0].quality == FULL
    assert page.category == ["muscles and bones", "back / spine"]
    assert page.items[0].item_id == "9"


# ------------------------------------------------------------------------------ merging

def test_same_item_on_category_parent_and_root_pages_merges_deepest_path_first():
    text = "<p>Q: Same?</p><p>A: Same answer.</p>"
    recs = records(
        (SITE + "/ask-an-expert/", listing(entry(5, "Same", text),
                                           header="Ask an expert - Recent answers")),
        (SITE + "/ask-an-expert/sleep/", listing(entry(5, "Same", text),
                                                 header="Ask an expert - sleep")),
        (SITE + CAT, listing(entry(5, "Same", text))),
        (SITE + "/ask-an-expert/mental-health/anxiety/",
         listing(entry(5, "Same", text), header="Ask an expert - mental health - anxiety")),
    )
    (rec,) = recs
    assert rec.categories == [PATH, ["mental health", "anxiety"]]
    assert rec.id == "askacupuncture-5" and rec.item_id == "5" and rec.source == "askacupuncture"
    assert len(rec.urls) == 5  # the item page URL, then the four listings it was seen on


def test_near_duplicate_items_stay_two_records():
    a = entry(5, "Stiff back", "<p>Q: Why is my back stiff every morning?</p><p>A: Often "
                               "wear and tear.</p>")
    b = entry(6, "Stiff back", "<p>Q: Why is my back stiff every morning?</p><p>A: Often "
                               "wear and tear.</p>")
    recs = records((SITE + CAT, listing(a + b)))
    assert [r.id for r in recs] == ["askacupuncture-5", "askacupuncture-6"]


def test_items_without_ids_merge_by_text():
    dump1 = parse_text("Q: Does it hurt?\nA: Rarely.\nMore detail.\n")
    dump2 = parse_text("Q: Does  it hurt?\nA: Rarely.\n")  # an intro of the same item
    other = parse_text("Q: Does it hurt?\nA: A different answer.\n")
    recs = merge_items([*dump1.items, *dump2.items, *other.items])
    assert [r.answer for r in recs] == ["Rarely.\n\nMore detail.", "A different answer."]
    # no K2 id, URL or title: ids are slugs of the question (kept when the answer is edited),
    # the second item with the same question numbered
    assert [r.id for r in recs] == ["text-does-it-hurt", "text-does-it-hurt-2"]
    edited = merge_items(parse_text("Q: Does it hurt?\nA: Rarely, if ever.\n").items)
    assert edited[0].id == "text-does-it-hurt"
    orphan = merge_items(parse_text("A: An answer with nothing to name it.\n").items)
    assert orphan[0].id.startswith("text-") and len(orphan[0].id) == len("text-") + 12


def test_source_name_from_host():
    assert source_name("https://www.askacupuncture.example/x") == "askacupuncture"
    assert source_name("http://Ask-Expert.org.uk/") == "ask-expert"
    assert source_name("file:///tmp/page.html") == "k2"
    # never an IP address or localhost: 127.0.0.1 is not a source called "127"
    assert source_name("http://127.0.0.1:8123/ask-an-expert/") == "k2"
    assert source_name("http://[::1]:80/x") == "k2"
    assert source_name("http://localhost:5000/x") == "k2"
    assert source_name("https://www.acupuncture.org.uk/public-content/") == "acupuncture"
