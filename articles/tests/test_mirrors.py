"""Readable through a block: mirrors answer with the same site and keep their readers on
them, while every address meant to last (canonical, OpenGraph, JSON-LD, shares, feeds,
sitemaps) names the main site; the onion service is named on every page and reached
over plain HTTP."""

import importlib
import json
from urllib.parse import quote, urlsplit

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation
from lxml import html

from articles.models import ReachUsPage
from articles.tests.admin_forms import opened_state
from articles.tests.factories import make_article, make_network, make_section
from articles.tests.signin import sign_in
from articles.tests.test_images import article_with_image, jpeg
from staff import roles

pytestmark = pytest.mark.django_db

MAIN = "https://news.example"
MIRROR = "mirror.example"
ONION_HOST = "x" * 56 + ".onion"
ONION = f"http://{ONION_HOST}"


@pytest.fixture(autouse=True)
def _reach_us_row():
    """The row the data migration makes. A transactional test run earlier by the same
    worker flushes the database, taking it with the rest: make it again the same way."""
    migration = importlib.import_module("articles.migrations.0009_reach_us_page")
    migration.create_page(django_apps, None)


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
    assert set(search.xpath('//form[@role="search"]/@action')) == {"/search/"}  # page, header


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

    # The share row is repeated after the text: every copy carries the same addresses.
    (copy_link,) = set(page.xpath("//a[@data-copy-link]/@href"))
    (share,) = set(page.xpath('//a[@data-network="telegram"]/@href'))
    redirect = mirror.get(share)
    short = f"{MAIN}/a/{article.pk}/"
    assert copy_link == short
    assert redirect.status_code == 302
    assert redirect["Location"] == "https://t.me/share/url?url=" + quote(short, safe="")
    # The short address, opened through the mirror, leads to the article on the mirror.
    assert mirror.get(f"/a/{article.pk}/")["Location"] == path


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


# --- how to reach us if we are blocked -------------------------------------------------------


def make_staff(role: str, username: str):
    user = get_user_model().objects.create_user(
        username=username, password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def reach_us_form(**changes) -> dict:
    page = ReachUsPage.objects.get()
    return {
        "body_ar": page.body_ar or "",
        "body_en": page.body_en or "",
        "telegram_url": page.telegram_url,
    } | changes


CHANGE_URL = "/admin/articles/reachuspage/1/change/"


def test_reach_us_lists_the_mirrors_the_onion_address_and_telegram_in_both_languages():
    ReachUsPage.objects.filter(pk=1).update(telegram_url="https://t.me/sy24_news")
    reader = through("news.example")

    arabic = page_of(reader.get("/reach-us/"))
    with translation.override("en"):
        english = page_of(reader.get("/en/reach-us/"))

    assert arabic.xpath("/html/@lang") == ["ar"] and english.xpath("/html/@lang") == ["en"]
    assert "إن حُجب موقعنا" in arabic.text_content()
    assert "If our site is blocked where you are" in english.text_content()
    for page in (arabic, english):
        links = page.xpath("//main//a/@href")
        assert f"https://{MIRROR}/" in links
        assert MAIN + "/" in links
        assert ONION + "/" in links
        assert "https://t.me/sy24_news" in links
        assert page.xpath("//code/text()") == [ONION]  # to copy into Tor Browser
    assert english.xpath("//h1/text()") == ["How to reach us if we are blocked"]


def test_reach_us_without_its_row_still_lists_every_address():
    ReachUsPage.objects.all().delete()

    page = page_of(through("news.example").get("/reach-us/"))

    assert f"https://{MIRROR}/" in page.xpath("//main//a/@href")
    assert page.xpath("//code/text()") == [ONION]
    assert "قراءتنا عبر أحد العناوين أدناه" in page.xpath("//main//p/text()")[0]


def test_every_page_links_to_reach_us_in_its_footer():
    make_article()
    reader = through("news.example")

    home = page_of(reader.get("/"))
    with translation.override("en"):
        english = page_of(reader.get("/en/"))

    assert home.xpath('//footer//a[@href="/reach-us/"]/text()') == ["كيف تصل إلينا إن حُجب موقعنا"]
    assert english.xpath('//footer//a[@href="/en/reach-us/"]')


def test_an_editor_changes_the_page_in_the_admin_and_readers_see_it_at_once():
    editor = sign_in(Client(), make_staff(roles.EDITOR, "editor"))
    reader = through("news.example")
    assert reader.get("/reach-us/")["X-Cache"] == "miss"
    assert reader.get("/reach-us/")["X-Cache"] == "hit"

    saved = editor.post(
        CHANGE_URL,
        reach_us_form(
            body_ar="<p>تابعونا عبر المرايا</p><script>alert(1)</script>",
            telegram_url="https://t.me/sy24_mirror",
            **opened_state(editor, CHANGE_URL),
        ),
    )
    response = reader.get("/reach-us/")

    assert saved.status_code == 302
    assert response["X-Cache"] == "miss"
    content = response.content.decode()
    assert "تابعونا عبر المرايا" in content
    assert "alert(1)" not in content
    assert 'href="https://t.me/sy24_mirror"' in content


def test_the_telegram_channel_must_be_a_t_me_address():
    editor = sign_in(Client(), make_staff(roles.EDITOR, "editor"))

    response = editor.post(CHANGE_URL, reach_us_form(telegram_url="https://telegram.example/x"))

    assert response.status_code == 200
    assert "https://t.me/" in response.content.decode()
    assert ReachUsPage.objects.get().telegram_url == ""


def test_a_journalist_reads_the_page_in_the_admin_and_cannot_change_it():
    journalist = sign_in(Client(), make_staff(roles.JOURNALIST, "journalist"))
    before = reach_us_form()

    shown = journalist.get(CHANGE_URL)
    posted = journalist.post(CHANGE_URL, before | {"body_ar": "<p>نص مدسوس</p>"})

    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    assert posted.status_code == 403
    assert reach_us_form() == before


def test_the_text_is_sanitized_however_it_is_saved():
    page = ReachUsPage.objects.get()
    page.body_en = '<p onclick="steal()">Hi</p><script>alert(1)</script><img src=x onerror=y>'
    page.save()

    page.refresh_from_db()
    assert page.body_en == "<p>Hi</p>"
