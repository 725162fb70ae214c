"""Canonical URLs, archive membership, page kinds, K2 item ids and store paths."""

from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.ingest.urls import (
    PageKind,
    UrlRules,
    canonical_host,
    canonical_url,
    is_archive_url,
    item_id_from_url,
    meta_path,
    normalise_prefix,
    page_kind,
    page_number,
    site_rules,
    store_path,
)

SITE = "https://www.askacupuncture.example"
CAT = SITE + "/ask-an-expert/muscles-and-bones/back-spine/lower-back-pain/"


# -- scheme and host --

def test_http_and_https_are_one_page():
    assert canonical_url("http://www.askacupuncture.example/ask-an-expert/") == \
        SITE + "/ask-an-expert/"
    assert canonical_url("//www.askacupuncture.example/ask-an-expert/") == SITE + "/ask-an-expert/"


def test_www_is_added_to_a_two_label_host_only():
    assert canonical_url("https://askacupuncture.example/a/") == SITE + "/a/"
    assert canonical_url("https://blog.askacupuncture.example/a/") == \
        "https://blog.askacupuncture.example/a/"
    assert canonical_url("http://127.0.0.1:8123/a/") == "https://127.0.0.1:8123/a/"
    assert canonical_url("http://localhost/a/") == "https://localhost/a/"
    assert canonical_url("https://x.example/", UrlRules(add_www=False)) == "https://x.example/"


def test_host_is_lowercased_and_trailing_dot_userinfo_dropped():
    assert canonical_url("https://user:pw@WWW.AskAcupuncture.Example./a/") == SITE + "/a/"


def test_default_ports_dropped_other_ports_kept():
    assert canonical_url("http://www.askacupuncture.example:80/a/") == SITE + "/a/"
    assert canonical_url("https://www.askacupuncture.example:443/a/") == SITE + "/a/"
    assert canonical_url("https://www.askacupuncture.example:8443/a/") == \
        "https://www.askacupuncture.example:8443/a/"
    with pytest.raises(ValueError, match="port"):
        canonical_url("https://www.askacupuncture.example:99999/a/")


def test_preferred_host_and_aliases():
    rules = UrlRules(preferred_host="www.askacupuncture.example",
                     aliases=frozenset({"127.0.0.1:8123", "mirror.example"}))
    assert canonical_url("http://127.0.0.1:8123/ask-an-expert/", rules) == SITE + "/ask-an-expert/"
    assert canonical_url("http://mirror.example/a/", rules) == SITE + "/a/"
    assert canonical_url("http://askacupuncture.example/a/", rules) == SITE + "/a/"
    assert canonical_url("http://127.0.0.1:9999/a/", rules) == "https://127.0.0.1:9999/a/"
    bare = UrlRules(preferred_host="askacupuncture.example")
    assert canonical_url("https://www.askacupuncture.example/a/", bare) == \
        "https://askacupuncture.example/a/"
    assert canonical_host("AskAcupuncture.example") == "www.askacupuncture.example"


def test_site_rules_map_the_fetch_host_of_a_stored_page():
    rules = site_rules(SITE + "/ask-an-expert/", "http://127.0.0.1:8123/ask-an-expert/")
    assert canonical_url("http://127.0.0.1:8123/ask-an-expert/item/1-x.html", rules) == \
        SITE + "/ask-an-expert/item/1-x.html"
    assert canonical_url("http://askacupuncture.example/a/", rules) == SITE + "/a/"
    assert canonical_url("https://other.example/a/", rules) == "https://other.example/a/"
    plain = site_rules(SITE + "/ask-an-expert/")
    assert plain.aliases == frozenset() and plain.preferred_host == "www.askacupuncture.example"
    assert canonical_url("http://127.0.0.1:8123/a/", plain) == "https://127.0.0.1:8123/a/"


def test_non_http_urls_are_refused():
    for bad in ("mailto:expert@askacupuncture.example", "javascript:void(0)", "ftp://x.example/",
                "/relative/path", "https:///no-host"):
        with pytest.raises(ValueError):
            canonical_url(bad)


# -- path --

def test_fragment_dropped():
    assert canonical_url(CAT + "#comments") == CAT


def test_path_normalised():
    assert canonical_url(SITE + "/ask-an-expert//muscles-and-bones/./x/../") == \
        SITE + "/ask-an-expert/muscles-and-bones/"
    assert canonical_url("https://www.askacupuncture.example") == SITE + "/"
    assert canonical_url(SITE + "/../../a/") == SITE + "/a/"


def test_percent_escapes_normalised():
    assert canonical_url(SITE + "/a%7eb/%c3%a9%2f/") == SITE + "/a~b/%C3%A9%2F/"
    assert canonical_url(SITE + "/caf\u00e9 menu/") == SITE + "/caf%C3%A9%20menu/"
    assert canonical_url(SITE + "/100%/") == SITE + "/100%25/"


def test_joomla_front_controller_removed():
    assert canonical_url(SITE + "/index.php/ask-an-expert/muscles-and-bones/") == \
        SITE + "/ask-an-expert/muscles-and-bones/"
    assert canonical_url(SITE + "/index.php") == SITE + "/"


def test_extra_category_segment_removed():
    assert canonical_url(SITE + "/ask-an-expert/category/muscles-and-bones/back-spine/"
                         "lower-back-pain/") == CAT
    # K2's own itemlist/category route keeps its segment; so does a page named "category".
    assert canonical_url(SITE + "/ask-an-expert/itemlist/category/12-back.html") == \
        SITE + "/ask-an-expert/itemlist/category/12-back.html"
    assert canonical_url(SITE + "/ask-an-expert/category") == SITE + "/ask-an-expert/category"
    assert canonical_url(SITE + "/ask-an-expert/category/") == SITE + "/ask-an-expert/"


# -- pagination --

def test_page_one_is_the_bare_listing():
    assert canonical_url(CAT + "Page-1.html") == CAT
    assert canonical_url(CAT + "page-1.htm") == CAT
    assert canonical_url(CAT + "Page-0.html") == CAT


def test_page_n_spelling_normalised():
    assert canonical_url(CAT + "PAGE-3.HTML") == CAT + "Page-3.html"


@pytest.mark.parametrize(("offset", "expected"), [
    (0, ""), (5, "Page-2.html"), (10, "Page-3.html"), (25, "Page-6.html"),
])
def test_start_offsets_become_page_n(offset, expected):
    assert canonical_url(f"{CAT}?start={offset}") == CAT + expected
    assert canonical_url(f"{CAT}?limitstart={offset}") == CAT + expected
    assert canonical_url(f"{CAT}Page-4.html?start={offset}") == CAT + expected


def test_page_size_is_a_parameter():
    rules = UrlRules(page_size=10)
    assert canonical_url(f"{CAT}?start=20", rules) == CAT + "Page-3.html"
    assert canonical_url(f"{CAT}?start=5", rules) == CAT + "?start=5"
    with pytest.raises(ValueError):
        UrlRules(page_size=0)


def test_offsets_that_are_not_whole_pages_stay_in_the_query():
    assert canonical_url(f"{CAT}?start=7") == CAT + "?start=7"
    assert canonical_url(f"{CAT}Page-3.html?start=7") == CAT + "?start=7"
    assert canonical_url(f"{CAT}?start=abc") == CAT + "?start=abc"
    # an offset on something that is not a directory-style listing
    assert canonical_url(SITE + "/ask-an-expert/itemlist/category/12-back.html?start=5") == \
        SITE + "/ask-an-expert/itemlist/category/12-back.html?start=5"
    assert canonical_url(SITE + "/ask-an-expert/itemlist/category/12-back.html?start=0") == \
        SITE + "/ask-an-expert/itemlist/category/12-back.html"


def test_limit_equal_to_page_size_dropped_other_limits_kept():
    assert canonical_url(f"{CAT}?limit=5&start=10") == CAT + "Page-3.html"
    assert canonical_url(f"{CAT}?limit=10&start=10") == CAT + "?limit=10&start=10"


# -- query --

def test_tracking_and_session_params_dropped_rest_sorted():
    url = (CAT + "?utm_source=news&utm_MEDIUM=mail&fbclid=1&gclid=2&Itemid=101&PHPSESSID=abc"
           "&b=2&a=1&a=0&empty=")
    assert canonical_url(url) == CAT + "?a=0&a=1&b=2&empty="


def test_canonical_url_is_idempotent_on_examples():
    for url in (CAT + "?start=10&utm_source=x", SITE + "/ask-an-expert/item/7-x.html?print=1",
                "http://askacupuncture.example/index.php/ask-an-expert/category/x/?start=7",
                SITE + "/a%7eb/%c3%a9 x/"):
        once = canonical_url(url)
        assert canonical_url(once) == once


@given(st.lists(st.sampled_from(["a", "category", "..", ".", "", "Page-1.html", "page-2.HTML",
                                 "index.php", "item", "itemlist", "12-x.html", "%7e", "é"]),
                max_size=6),
       st.sampled_from(["", "?start=5", "?start=3", "?utm_source=a&z=1", "?limit=10&start=20"]),
       st.booleans())
def test_canonical_url_is_idempotent(segments, query, slash):
    url = "http://askacupuncture.example/" + "/".join(segments) + ("/" if slash else "") + query
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert store_path(once).parts[0] == "www.askacupuncture.example"


# -- archive membership and page kinds --

def test_is_archive_url():
    assert is_archive_url(CAT)
    assert is_archive_url("http://askacupuncture.example/index.php/ask-an-expert/category/x/")
    assert is_archive_url(SITE + "/ask-an-expert")
    assert not is_archive_url(SITE + "/ask-an-expert-old/")
    assert not is_archive_url(SITE + "/blog/2019/acupuncture-week.html")
    assert not is_archive_url(SITE + "/members/find-an-acupuncturist.html")
    assert not is_archive_url(SITE + "/factsheets/back-pain.html")
    assert not is_archive_url("mailto:x@y.example")
    assert is_archive_url(CAT, "/ask-an-expert/", host="askacupuncture.example")
    assert not is_archive_url(CAT, "/ask-an-expert/", host="other.example")
    assert is_archive_url(SITE + "/faq/x/", "faq")


def test_archive_root_listing_file_is_in_its_folder_prefix():
    real = "https://www.acupuncture.org.uk"
    prefix = "/public-content/public-ask-an-expert/"
    assert is_archive_url(real + "/public-content/public-ask-an-expert.html", prefix)
    assert is_archive_url(real + "/category/public-content/public-ask-an-expert.html", prefix)
    assert not is_archive_url(real + "/public-content/public-ask-an-expert-x.html", prefix)
    assert page_kind(real + "/public-content/public-ask-an-expert.html", prefix) \
        is PageKind.LISTING
    assert page_kind(real + prefix + "ask-an-expert-general/5865-x.html", prefix) is PageKind.ITEM


def test_normalise_prefix():
    assert normalise_prefix("ask-an-expert") == "/ask-an-expert/"
    assert normalise_prefix("/a//b") == "/a/b/"
    assert normalise_prefix("/") == "/"


@pytest.mark.parametrize(("url", "kind"), [
    (SITE + "/ask-an-expert/", PageKind.LISTING),
    (CAT, PageKind.LISTING),
    (CAT + "Page-3.html", PageKind.LISTING),
    (CAT + "?start=10", PageKind.LISTING),
    (SITE + "/ask-an-expert/itemlist/category/12-back.html", PageKind.LISTING),
    (SITE + "/index.php?option=com_k2&view=itemlist&layout=category&id=12", PageKind.OTHER),
    (SITE + "/ask-an-expert/?option=com_k2&view=itemlist&id=12", PageKind.LISTING),
    (SITE + "/ask-an-expert/item/123-some-slug.html", PageKind.ITEM),
    (SITE + "/ask-an-expert/muscles-and-bones/item/123.html", PageKind.ITEM),
    (SITE + "/ask-an-expert/item/123-some-slug.html?tmpl=component&print=1", PageKind.OTHER),
    (SITE + "/ask-an-expert/print/123.html", PageKind.OTHER),
    (SITE + "/ask-an-expert/feed/rss.html", PageKind.OTHER),
    (SITE + "/ask-an-expert/?format=feed&type=rss", PageKind.OTHER),
    (SITE + "/ask-an-expert/images/diagram.png", PageKind.OTHER),
    (SITE + "/ask-an-expert/leaflet.pdf", PageKind.OTHER),
    (SITE + "/blog/", PageKind.OTHER),
    (SITE + "/members/", PageKind.OTHER),
    (SITE + "/factsheets/back-pain.html", PageKind.OTHER),
])
def test_page_kind(url, kind):
    assert page_kind(url) is kind


def test_page_number():
    assert page_number(CAT) == 1
    assert page_number(CAT + "Page-1.html") == 1
    assert page_number(CAT + "Page-4.html") == 4
    assert page_number(CAT + "?start=15") == 4


# -- K2 item ids --

@pytest.mark.parametrize(("url", "item_id"), [
    ("/ask-an-expert/item/123-some-slug.html", "123"),
    (SITE + "/ask-an-expert/item/123-some-slug.html", "123"),
    (SITE + "/ask-an-expert/item/123-some-slug", "123"),
    (SITE + "/ask-an-expert/item/123-some-slug/", "123"),
    (SITE + "/ask-an-expert/item/123", "123"),
    (SITE + "/ask-an-expert/item/0042-x.htm", "42"),
    (SITE + "/ask-an-expert/muscles-and-bones/item/7-back.html#c", "7"),
    (SITE + "/component/k2/item/99-x.html", "99"),
    (SITE + "/index.php?option=com_k2&view=item&id=123:some-slug&Itemid=5", "123"),
    (SITE + "/index.php?option=com_k2&view=item&id=88", "88"),
    (SITE + "/ask-an-expert/itemlist/category/12-back.html", None),
    (SITE + "/ask-an-expert/item/some-slug.html", None),
    (SITE + "/ask-an-expert/item/", None),
    # The real archive's scheme: <category listing path>/<K2 id>-<slug>.html.
    (SITE + "/ask-an-expert/muscles-and-bones/123-back.html", "123"),
    ("https://www.acupuncture.org.uk/public-content/public-ask-an-expert/"
     "ask-an-expert-general/5865-can-someone-on-blood-thinners-have-acupuncture.html", "5865"),
    ("https://www.acupuncture.org.uk/category/public-content/public-ask-an-expert/"
     "ask-an-expert-general/5865-can-someone.html", "5865"),
    (SITE + "/ask-an-expert/muscles-and-bones/123.html", None),
    (SITE + "/ask-an-expert/muscles-and-bones/Page-2.html", None),
    ("https://www.acupuncture.org.uk/public-content/public-ask-an-expert/ask-an-expert-general/"
     "i-have-post-herpetic-neuralgia.html", None),
    ("https://www.acupuncture.org.uk/public-content/public-ask-an-expert.html", None),
    ("https://www.acupuncture.org.uk/index.php?option=com_k2&view=itemlist&layout=category"
     "&task=category&id=166&Itemid=461", None),
    (SITE + "/index.php?option=com_k2&view=itemlist&id=12", None),
    (SITE + "/index.php?option=com_content&view=article&id=5", None),
])
def test_item_id_from_url(url, item_id):
    assert item_id_from_url(url) == item_id


# -- store paths --

def test_store_path():
    assert store_path(CAT) == PurePosixPath(
        "www.askacupuncture.example/ask-an-expert/muscles-and-bones/back-spine/"
        "lower-back-pain/index.html")
    assert store_path(CAT + "Page-3.html") == PurePosixPath(
        "www.askacupuncture.example/ask-an-expert/muscles-and-bones/back-spine/"
        "lower-back-pain/Page-3.html")
    assert store_path(SITE + "/ask-an-expert/item/123-x.html") == PurePosixPath(
        "www.askacupuncture.example/ask-an-expert/item/123-x.html")
    assert store_path(SITE + "/") == PurePosixPath("www.askacupuncture.example/index.html")


def test_store_path_keeps_a_surviving_query_in_the_file_name():
    path = store_path(canonical_url(CAT + "?start=7&b=x/y"))
    assert path.parent == store_path(CAT).parent
    assert path.name == "index.html@b=x%2Fy%26start=7"
    assert "/" not in path.name


def test_store_path_of_port_and_long_segment():
    assert store_path("https://127.0.0.1:8123/a/b.html") == PurePosixPath("127.0.0.1_8123/a/b.html")
    long = store_path(SITE + "/" + "x" * 300 + ".html")
    assert len(long.name) < 210
    assert long != store_path(SITE + "/" + "x" * 301 + ".html")


def test_store_path_refuses_non_canonical_paths():
    with pytest.raises(ValueError):
        store_path(SITE + "/a/../b.html")
    with pytest.raises(ValueError):
        store_path("/no/host")


def test_meta_path():
    assert meta_path(PurePosixPath("h/a/index.html")) == PurePosixPath("h/a/index.html.meta.json")
