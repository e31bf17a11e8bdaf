"""Sitemaps, the Google News sitemap and robots.txt: what a crawler reads."""

import functools
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.contrib.sitemaps import Sitemap
from django.utils import timezone, translation
from lxml import etree

from articles.models import Article
from articles.public.sitemaps import ArticleSitemap, NewsSitemap
from articles.tests.factories import (
    make_article,
    make_author,
    make_expert,
    make_quote,
    make_section,
    make_tag,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("migration_rows")]

SCHEMAS = Path(__file__).parent / "schemas"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
HOST = "http://testserver"
SECTIONS = ("articles", "sections", "tags", "experts", "authors", "pages")


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    """Load one of the XSDs kept beside the tests (imports resolve to the same folder)."""
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def assert_valid(document, name: str) -> None:
    validator = schema(name)
    assert validator.validate(document), str(validator.error_log)


def fetch_xml(client, path: str, schema_name: str = "sitemap.xsd"):
    """Get ``path``, check it is XML valid against ``schema_name``, and return its root."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/xml"
    assert "noindex" in response["X-Robots-Tag"]
    document = etree.fromstring(response.content)
    assert_valid(document, schema_name)
    return document


def entries(document) -> dict[str, dict]:
    """Return each <url> by its <loc>: its lastmod and its alternates by hreflang."""
    return {
        url.findtext("s:loc", namespaces=NS): {
            "lastmod": url.findtext("s:lastmod", namespaces=NS),
            "alternates": {
                link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)
            },
        }
        for url in document.findall("s:url", NS)
    }


def url_of(obj, language: str = "ar", host: str = HOST) -> str:
    with translation.override(language):
        return host + obj.get_absolute_url()


def w3c(value) -> str:
    return timezone.localtime(value).replace(microsecond=0).isoformat()


@pytest.fixture
def site(db):
    """Build published, Arabic-only, draft and scheduled articles around a few subjects."""
    section = make_section(slug="reports")
    empty_section = make_section(slug="empty")
    tag = make_tag(slug="raqqa")
    draft_only_tag = make_tag(slug="draft-only")
    expert = make_expert(slug="hamada")
    unquoted_expert = make_expert(slug="unquoted")
    now = timezone.now()
    bilingual = make_article(
        section=section,
        tags=[tag],
        title_ar="الرقة: عودة الكهرباء",
        title_en="Raqqa: power is back",
        published_at=now - timedelta(hours=3),
    )
    make_quote(article=bilingual, expert=expert)
    arabic_only = make_article(
        english=False,
        section=section,
        tags=[tag],
        title_ar="سجناء داعش يفرون",
        published_at=now - timedelta(hours=1),
    )
    draft = make_article(
        section=empty_section,
        tags=[draft_only_tag],
        status=Article.Status.DRAFT,
        title_ar="مسودة لم تنشر",
    )
    scheduled = make_article(
        section=empty_section,
        tags=[draft_only_tag],
        title_ar="مقال مجدول",
        published_at=now + timedelta(hours=5),
    )
    author, unpublished_author = make_author(slug="lina"), make_author(slug="unpublished")
    bilingual.bylines.add(author)
    for hidden in (draft, scheduled):
        make_quote(article=hidden, expert=unquoted_expert)
        hidden.bylines.add(unpublished_author)
    return SimpleNamespace(
        author=author,
        unpublished_author=unpublished_author,
        section=section,
        empty_section=empty_section,
        tag=tag,
        draft_only_tag=draft_only_tag,
        expert=expert,
        unquoted_expert=unquoted_expert,
        bilingual=bilingual,
        arabic_only=arabic_only,
        draft=draft,
        scheduled=scheduled,
    )


def test_index_validates_and_lists_each_sitemap_by_absolute_url(client, site):
    document = fetch_xml(client, "/sitemap.xml", "siteindex.xsd")

    sitemaps = document.findall("s:sitemap", NS)
    assert [entry.findtext("s:loc", namespaces=NS) for entry in sitemaps] == [
        f"{HOST}/sitemap-{section}.xml" for section in SECTIONS
    ]
    lastmods = [entry.findtext("s:lastmod", namespaces=NS) for entry in sitemaps]
    assert lastmods[0] == w3c(Article.objects.get(pk=site.arabic_only.pk).updated_at)
    assert all(lastmods)


@pytest.mark.parametrize("section", SECTIONS)
def test_each_sitemap_validates_against_the_sitemap_schema(client, site, section):
    document = fetch_xml(client, f"/sitemap-{section}.xml")

    assert document.findall("s:url", NS)
    for loc in entries(document):
        assert loc.startswith(HOST + "/")
        assert loc.isascii()


def test_news_sitemap_validates_against_the_sitemap_and_news_schemas(client, site):
    document = fetch_xml(client, "/news-sitemap.xml")

    assert len(document.findall("s:url/news:news", NS)) == 3


def test_article_urls_with_arabic_slugs_are_percent_encoded(client, site):
    urls = entries(fetch_xml(client, "/sitemap-articles.xml"))

    arabic = url_of(site.arabic_only)
    assert arabic in urls
    assert arabic.isascii()
    assert arabic.startswith(f"{HOST}/articles/{site.arabic_only.pk}/%D8%B3%D8%AC")
    assert unquote(arabic) == f"{HOST}/articles/{site.arabic_only.pk}/سجناء-داعش-يفرون/"


def test_alternates_name_only_the_languages_an_article_exists_in(client, site):
    urls = entries(fetch_xml(client, "/sitemap-articles.xml"))

    both = {"ar": url_of(site.bilingual), "en": url_of(site.bilingual, "en")}
    both["x-default"] = both["ar"]
    # Each language's page is listed, and each names every version, itself included.
    assert urls[both["ar"]]["alternates"] == both
    assert urls[both["en"]]["alternates"] == both
    assert both["en"] == f"{HOST}/en/articles/{site.bilingual.pk}/raqqa-power-is-back/"

    arabic = url_of(site.arabic_only)
    assert urls[arabic]["alternates"] == {"ar": arabic, "x-default": arabic}
    assert not any(f"/en/articles/{site.arabic_only.pk}/" in loc for loc in urls)
    assert len(urls) == 3


def test_article_lastmod_is_its_last_update(client, site):
    site.bilingual.title_ar = "الرقة: عودة الكهرباء بعد أسبوع"
    site.bilingual.save()

    urls = entries(fetch_xml(client, "/sitemap-articles.xml"))

    lastmod = urls[url_of(site.bilingual)]["lastmod"]
    assert lastmod == w3c(site.bilingual.updated_at)
    assert datetime.fromisoformat(lastmod) == site.bilingual.updated_at.replace(microsecond=0)


def test_drafts_and_scheduled_articles_are_in_no_sitemap(client, site):
    listed = set()
    for path in [f"/sitemap-{section}.xml" for section in SECTIONS] + ["/news-sitemap.xml"]:
        listed |= set(entries(fetch_xml(client, path)))

    for hidden in (site.draft, site.scheduled):
        assert url_of(hidden) not in listed
        assert not any(f"/articles/{hidden.pk}/" in loc for loc in listed)
    # Nor the pages that only unpublished articles would fill.
    for subject in (
        site.empty_section,
        site.draft_only_tag,
        site.unquoted_expert,
        site.unpublished_author,
    ):
        assert url_of(subject) not in listed


@pytest.mark.parametrize(
    ("section", "subject"),
    [("sections", "section"), ("tags", "tag"), ("experts", "expert"), ("authors", "author")],
)
def test_listing_pages_are_listed_in_both_languages_dated_by_their_newest_article(
    client, site, section, subject
):
    urls = entries(fetch_xml(client, f"/sitemap-{section}.xml"))

    page = getattr(site, subject)
    both = {"ar": url_of(page), "en": url_of(page, "en"), "x-default": url_of(page)}
    assert urls[both["ar"]]["alternates"] == urls[both["en"]]["alternates"] == both
    newest = site.arabic_only if subject not in {"expert", "author"} else site.bilingual
    assert urls[both["ar"]]["lastmod"] == w3c(newest.published_at)


def test_news_sitemap_lists_only_the_articles_of_the_last_48_hours(client, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    recent = make_article(published_at=now - timedelta(hours=47))
    make_article(published_at=now - timedelta(hours=49))
    scheduled = make_article(published_at=now + timedelta(hours=1))

    before = set(entries(fetch_xml(client, "/news-sitemap.xml")))
    time_machine.shift(timedelta(hours=1, minutes=1))
    after = set(entries(fetch_xml(client, "/news-sitemap.xml")))

    assert before == {url_of(recent), url_of(recent, "en")}
    assert after == {url_of(scheduled), url_of(scheduled, "en")}


def test_news_sitemap_names_publication_language_date_and_title(client, site):
    document = fetch_xml(client, "/news-sitemap.xml")

    news = {
        url.findtext("s:loc", namespaces=NS): {
            "name": url.findtext("news:news/news:publication/news:name", namespaces=NS),
            "language": url.findtext("news:news/news:publication/news:language", namespaces=NS),
            "date": url.findtext("news:news/news:publication_date", namespaces=NS),
            "title": url.findtext("news:news/news:title", namespaces=NS),
        }
        for url in document.findall("s:url", NS)
    }
    published = w3c(site.bilingual.published_at)
    assert news == {
        url_of(site.arabic_only): {
            "name": "SY24",
            "language": "ar",
            "date": w3c(site.arabic_only.published_at),
            "title": "سجناء داعش يفرون",
        },
        url_of(site.bilingual): {
            "name": "SY24",
            "language": "ar",
            "date": published,
            "title": "الرقة: عودة الكهرباء",
        },
        url_of(site.bilingual, "en"): {
            "name": "SY24",
            "language": "en",
            "date": published,
            "title": "Raqqa: power is back",
        },
    }
    # Newest first.
    assert next(iter(news)) == url_of(site.arabic_only)


def test_sitemaps_and_robots_use_the_configured_site_url(client, site, settings):
    settings.NEWSROOM_SITE_URL = "https://sy24.example"
    public = "https://sy24.example"

    index = fetch_xml(client, "/sitemap.xml", "siteindex.xsd")
    articles = entries(fetch_xml(client, "/sitemap-articles.xml"))
    news = entries(fetch_xml(client, "/news-sitemap.xml"))
    robots = client.get("/robots.txt").content.decode()

    assert index.findtext("s:sitemap/s:loc", namespaces=NS) == f"{public}/sitemap-articles.xml"
    bilingual = url_of(site.bilingual, host=public)
    assert articles[bilingual]["alternates"]["en"] == url_of(site.bilingual, "en", host=public)
    assert set(news) == set(articles)
    assert f"Sitemap: {public}/sitemap.xml\n" in robots
    assert f"Sitemap: {public}/news-sitemap.xml\n" in robots


def populate(count: int) -> None:
    section, tag, expert, author = make_section(), make_tag(), make_expert(), make_author()
    for number in range(count):
        article = make_article(section=section, tags=[tag, make_tag()], english=number % 2 == 0)
        make_quote(article=article, expert=expert)
        article.bylines.add(author)


def test_sitemaps_run_the_same_few_queries_whatever_the_number_of_articles(
    client, django_assert_max_num_queries, uncached_pages
):
    paths = ["/sitemap.xml", "/news-sitemap.xml"] + [f"/sitemap-{s}.xml" for s in SECTIONS]
    counts = {}
    for count in (2, 20):
        populate(count)
        for path in paths:
            # The index reads each of its six sitemaps once; a sitemap reads its items.
            with django_assert_max_num_queries(6 if path == "/sitemap.xml" else 1) as captured:
                assert client.get(path).status_code == 200
            counts[count, path] = len(captured)
    for path in paths:
        assert counts[2, path] == counts[20, path], path


def test_sitemaps_are_paginated_at_django_default_limit(client, monkeypatch):
    assert ArticleSitemap.limit == Sitemap.limit == 50_000
    for _number in range(3):
        make_article()
    monkeypatch.setattr(ArticleSitemap, "limit", 4)

    index = fetch_xml(client, "/sitemap.xml", "siteindex.xsd")

    locs = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert locs[:2] == [f"{HOST}/sitemap-articles.xml", f"{HOST}/sitemap-articles.xml?p=2"]
    assert len(entries(fetch_xml(client, "/sitemap-articles.xml"))) == 4
    assert len(entries(fetch_xml(client, "/sitemap-articles.xml?p=2"))) == 2
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


def test_news_sitemap_holds_at_most_the_1000_urls_google_news_reads():
    assert NewsSitemap.limit == 1000


def test_index_leaves_out_sitemaps_with_nothing_to_list(client):
    make_article()  # in a section of its own, with no tags and no quotes

    index = fetch_xml(client, "/sitemap.xml", "siteindex.xsd")

    assert [loc.text for loc in index.findall("s:sitemap/s:loc", NS)] == [
        f"{HOST}/sitemap-articles.xml",
        f"{HOST}/sitemap-sections.xml",
        f"{HOST}/sitemap-pages.xml",  # the about and corrections-policy pages
    ]


def test_unknown_sitemap_is_not_found(client, site):
    assert client.get("/sitemap-users.xml").status_code == 404


@pytest.mark.parametrize("path", ["/en/sitemap.xml", "/en/news-sitemap.xml", "/en/robots.txt"])
def test_sitemaps_and_robots_live_only_at_language_neutral_paths(client, path):
    assert client.get(path).status_code == 404


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /preview/\n"
        "Disallow: /share/\n"
        "Disallow: /search/\n"
        "Disallow: /en/admin/\n"
        "Disallow: /en/preview/\n"
        "Disallow: /en/share/\n"
        "Disallow: /en/search/\n"
        "\n"
        "Sitemap: http://testserver/sitemap.xml\n"
        "Sitemap: http://testserver/news-sitemap.xml\n"
    )


URLSET = '<urlset xmlns="{s}" xmlns:xhtml="{xhtml}" xmlns:news="{news}">{{}}</urlset>'.format(**NS)
GOOD_NEWS = (
    "<news:news><news:publication><news:name>SY24</news:name>"
    "<news:language>ar</news:language></news:publication>"
    "<news:publication_date>2026-05-10T17:33:30+03:00</news:publication_date>"
    "<news:title>عنوان</news:title></news:news>"
)


@pytest.mark.parametrize(
    "url",
    [
        "<url><lastmod>2026-05-10</lastmod></url>",
        f"<url><loc>https://sy24.example/{'a' * 2048}</loc></url>",
        "<url><loc>https://sy24.example/</loc><lastmod>10/05/2026</lastmod></url>",
        "<url><loc>https://sy24.example/</loc><priority>1.5</priority></url>",
        '<url><loc>https://sy24.example/</loc><xhtml:link rel="alternate" '
        'href="https://sy24.example/en/"/></url>',
        "<url><loc>https://sy24.example/</loc><other xmlns='urn:x'/></url>",
        "<url><loc>https://sy24.example/</loc>"
        + GOOD_NEWS.replace("<news:title>عنوان</news:title>", "")
        + "</url>",
        "<url><loc>https://sy24.example/</loc>" + GOOD_NEWS.replace(">ar<", ">Arabic<") + "</url>",
    ],
    ids=[
        "no-loc",
        "loc-too-long",
        "bad-lastmod",
        "priority-above-1",
        "alternate-without-hreflang",
        "unknown-extension",
        "news-without-title",
        "news-bad-language",
    ],
)
def test_schema_refuses_what_the_sitemap_protocol_forbids(url):
    good = (
        "<url><loc>https://sy24.example/</loc><lastmod>2026-05-10T17:33:30+03:00</lastmod>"
        '<xhtml:link rel="alternate" hreflang="x-default" href="https://sy24.example/"/>'
        f"{GOOD_NEWS}</url>"
    )
    assert_valid(etree.fromstring(URLSET.format(good).encode()), "sitemap.xsd")

    assert not schema("sitemap.xsd").validate(etree.fromstring(URLSET.format(url).encode()))
