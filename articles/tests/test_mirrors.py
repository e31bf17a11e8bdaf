"""Readable through a block: mirrors answer with the same site and keep their readers on
them, while every address meant to last (canonical, OpenGraph, JSON-LD, shares, feeds,
sitemaps) names the main site; the onion service is named on every page and reached
over plain HTTP."""

import json
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.utils import translation
from lxml import html

from articles.tests.factories import make_article, make_network, make_section
from articles.tests.test_images import article_with_image, jpeg

pytestmark = pytest.mark.django_db

MAIN = "https://news.example"
MIRROR = "mirror.example"
ONION_HOST = "x" * 56 + ".onion"
ONION = f"http://{ONION_HOST}"


@pytest.fixture(autouse=True)
def _mirrors(settings):
    settings.NEWSROOM_SITE_URL = MAIN
    settings.NEWSROOM_MIRROR_HOSTS = [MIRROR]
    settings.NEWSROOM_ONION_URL = ONION
    settings.ALLOWED_HOSTS = ["testserver", "news.example", MIRROR, ONION_HOST]


def through(host: str) -> Client:
    """Return a reader's browser that reaches the site by ``host``."""
    return Client(HTTP_HOST=host)


def page_of(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def jsonld(page) -> list[dict]:
    return [json.loads(text) for text in page.xpath('//script[@type="application/ld+json"]/text()')]


def meta(page, name: str) -> str:
    (value,) = page.xpath(f'//meta[@property="{name}"]/@content')
    return value


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


@pytest.fixture
def article():
    article = article_with_image(jpeg(size=(1600, 1000)), section=make_section(slug="reports"))
    make_network(slug="telegram", url_template="https://t.me/share/url?url={url}")
    return article


# --- a mirror's pages ----------------------------------------------------------------------


def test_a_mirror_answers_home_article_and_section(article):
    mirror = through(MIRROR)
    for path in ("/", article.get_absolute_url(), "/sections/reports/", "/en/"):
        assert mirror.get(path).status_code == 200, path


def test_on_a_mirror_navigation_stays_on_the_mirror(article):
    page = page_of(through(MIRROR).get(article.get_absolute_url()))

    navigation = [href for href in page.xpath("//a/@href") if not href.startswith(("mailto:", "#"))]
    copy_link = page.xpath("//a[@data-copy-link]/@href")
    for href in navigation:
        if href in copy_link:
            continue  # the address to share: the main one (below)
        assert href.startswith(("/", "?")) or host_of(href) == MIRROR, href
    assert "/sections/reports/" in navigation
    search = page_of(through(MIRROR).get("/search/?q=x"))
    assert search.xpath('//form[@role="search"]/@action') == ["/search/"]


def test_on_a_mirror_images_load_through_the_mirror(article):
    page = page_of(through(MIRROR).get(article.get_absolute_url()))

    sources = page.xpath("//img/@src") + page.xpath("//link[@rel='stylesheet']/@href")
    for srcset in page.xpath("//img/@srcset | //source/@srcset"):
        sources += [entry.split()[0] for entry in srcset.split(",")]
    assert any(source.startswith("/media/") for source in sources)
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)


def test_on_a_mirror_canonical_open_graph_and_structured_data_name_the_main_address(article):
    path = article.get_absolute_url()
    page = page_of(through(MIRROR).get(path))

    (canonical,) = page.xpath('//link[@rel="canonical"]/@href')
    (data,) = jsonld(page)
    assert canonical == MAIN + path
    assert meta(page, "og:url") == MAIN + path
    assert data["url"] == data["mainEntityOfPage"]["@id"] == MAIN + path
    assert meta(page, "og:image").startswith(MAIN + "/media/")
    assert all(host_of(href) == "news.example" for href in page.xpath("//link[@hreflang]/@href"))


def test_on_a_mirror_shares_carry_the_main_address(article):
    path = article.get_absolute_url()
    mirror = through(MIRROR)
    page = page_of(mirror.get(path))

    (copy_link,) = page.xpath("//a[@data-copy-link]/@href")
    (share,) = page.xpath('//a[@data-network="telegram"]/@href')
    redirect = mirror.get(share)
    assert copy_link == MAIN + path
    assert redirect.status_code == 302
    assert redirect["Location"] == "https://t.me/share/url?url=" + quote(MAIN + path, safe="")


def test_on_a_mirror_feeds_and_sitemaps_name_the_main_address(article):
    mirror = through(MIRROR)

    feed = mirror.get("/feeds/rss/").content.decode()
    sitemap = mirror.get("/sitemap-articles.xml").content.decode()
    robots = mirror.get("/robots.txt").content.decode()

    for text in (feed, sitemap, robots):
        assert MAIN + "/" in text
        assert MIRROR not in text


def test_the_main_host_and_a_mirror_are_cached_apart_and_each_is_right(article):
    path = article.get_absolute_url()
    main, mirror = through("news.example"), through(MIRROR)

    answers = [main.get(path), mirror.get(path), main.get(path), mirror.get(path)]

    assert [answer["X-Cache"] for answer in answers] == ["miss", "miss", "hit", "hit"]
    for answer in answers:
        assert page_of(answer).xpath('//link[@rel="canonical"]/@href') == [MAIN + path]
    assert answers[3].content == answers[1].content


# --- the onion service ---------------------------------------------------------------------


def test_every_page_names_the_same_page_on_the_onion_service_cached_or_not(article):
    main = through("news.example")
    path = "/sections/reports/?page=1&utm_source=telegram"

    first, second = main.get(path), main.get(path)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first["Onion-Location"] == second["Onion-Location"] == ONION + path
    with translation.override("en"):
        assert main.get("/en/")["Onion-Location"] == ONION + "/en/"
    assert through(MIRROR).get("/")["Onion-Location"] == ONION + "/"


def test_pages_read_through_the_onion_service_do_not_name_it_again(article):
    onion = through(ONION_HOST)

    first, second = onion.get("/"), onion.get("/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second["X-Cache"] == "hit"
    assert "Onion-Location" not in first and "Onion-Location" not in second


def test_no_onion_location_without_an_onion_service(settings, article):
    settings.NEWSROOM_ONION_URL = ""

    assert "Onion-Location" not in through("news.example").get("/")


@pytest.fixture
def https_everywhere(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True


def test_the_onion_host_is_served_over_http_with_no_redirect_and_no_hsts(https_everywhere):
    make_article()

    response = through(ONION_HOST).get("/")

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert "upgrade-insecure-requests" not in response["Content-Security-Policy"]


def test_the_main_host_and_mirrors_still_go_to_https_with_hsts(https_everywhere):
    make_article()

    redirected = through("news.example").get("/sections/x/?page=2")
    mirrored = through(MIRROR).get("/")
    secure = through("news.example").get("/", secure=True)

    assert redirected.status_code == 301
    assert redirected["Location"] == "https://news.example/sections/x/?page=2"
    assert mirrored.status_code == 301 and mirrored["Location"] == f"https://{MIRROR}/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "upgrade-insecure-requests" in secure["Content-Security-Policy"]
