"""What only a browser shows: the RTL page a reader reads, and a tap on a share link.

Playwright drives Debian's Chromium (/usr/bin/chromium); no browser is downloaded.
Every page a test opens through the ``browser`` fixture is watched: a test on whose
pages the Content-Security-Policy blocked anything (a style, a script, an image) fails,
naming what was blocked and where.
"""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import translation

from articles.models import Article, DailyShareCount
from articles.tests.chromium import CspWatchedBrowser, launched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
READER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium():
    with launched() as browser:
        yield browser


@pytest.fixture
def browser(chromium):
    """Chromium for one test; the test fails if the Content-Security-Policy blocked
    anything on any page it opened (its contexts are closed first)."""
    watched = CspWatchedBrowser(chromium)
    yield watched
    if blocked := watched.close():
        pytest.fail(
            "The Content-Security-Policy blocked, so a reader or staff member would miss it:\n"
            + "\n".join(blocked),
            pytrace=False,
        )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, user_agent=READER_AGENT, locale="ar")
    page = context.new_page()
    yield page
    context.close()


def article_url(live_server, article, language="ar"):
    with translation.override(language):
        return live_server.url + article.get_absolute_url()


def test_reader_sees_the_report_right_to_left_on_a_phone(live_server, seed_report, page):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).netloc))

    page.goto(article_url(live_server, seed_report))

    assert page.evaluate("document.documentElement.dir") == "rtl"
    headline = page.locator("h1")
    assert headline.inner_text() == seed_report.title_ar
    assert headline.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # Right to left: the headline's last (short) line hugs the right edge, not the left.
    last_line = headline.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const lines = range.getClientRects();
            const last = lines[lines.length - 1];
            return {left: last.left, right: last.right};
        }"""
    )
    assert PHONE["width"] - last_line["right"] < 20 < last_line["left"]
    assert page.locator(".byline__credit").inner_text() == "خاص - SY24"
    assert page.locator(".quote__role").all_inner_texts() == ["الخبير الاستراتيجي", "الصحفي"]
    assert requested_hosts == {urlsplit(live_server.url).netloc}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "article-ar-390x844.png", full_page=True)


def test_language_switch_leads_to_the_english_report_left_to_right(live_server, seed_report, page):
    page.goto(article_url(live_server, seed_report))

    page.get_by_role("link", name="English").click()

    page.wait_for_url(article_url(live_server, seed_report, "en"))
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.locator("h1").inner_text() == seed_report.title_en
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "article-en-390x844.png", full_page=True)


def test_tapping_whatsapp_counts_the_share_and_opens_whatsapp_with_the_link(
    live_server, seed_report, page
):
    opened = []

    def whatsapp(route):
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>WhatsApp</p>")

    page.route("https://wa.me/**", whatsapp)
    page.goto(article_url(live_server, seed_report))

    # The first of the two rows (after the byline; the second follows the text).
    page.get_by_role("link", name="WhatsApp").first.click()
    page.wait_for_url("https://wa.me/**")

    assert len(opened) == 1
    text = parse_qs(urlsplit(opened[0]).query)["text"][0]
    # The short address: the canonical one, with the Arabic slug percent-encoded, runs to
    # some 300 characters of the message.
    assert text == f"{seed_report.title_ar}\n{live_server.url}/a/{seed_report.pk}/"
    assert DailyShareCount.objects.get(article=seed_report, network__slug="whatsapp").count == 1


def test_editor_sees_language_tabs_in_the_admin_with_no_outside_request(
    live_server, seed_report, page, roles_exist
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles.tests.signin import make_totp_device, totp_code
    from staff import roles

    editor = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    device = make_totp_device(editor)
    errors, hosts = [], set()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.fill("#id_code", totp_code(device))  # the second step: the code the app shows
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    expert = seed_report.quotes.first().expert
    # (The article form has no tabs: its English has a section of its own,
    # test_browser_desk.py.)
    page.goto(live_server.url + f"/admin/articles/expert/{expert.pk}/change/")

    # jQuery UI (vendored) turns each translated field into tabs: Arabic first.
    tabs = page.locator(".ui-tabs-nav").first.locator("li")
    assert tabs.count() == 2
    assert tabs.first.inner_text().strip().lower().startswith("ar")
    english_name = page.locator("#id_name_en")
    assert english_name.get_attribute("dir") == "ltr"
    assert errors == []
    assert hosts == {urlsplit(live_server.url).netloc}


@pytest.mark.django_db
def test_the_watch_names_each_style_the_policy_blocked(chromium):
    """The watch the browser tests rely on: a blocked style attribute and a blocked
    <style> element are both reported, each with the markup that carried it."""
    watched = CspWatchedBrowser(chromium)
    page = watched.new_page()
    page.route(
        "http://newsroom.test/",
        lambda route: route.fulfill(
            content_type="text/html",
            headers={"Content-Security-Policy": "style-src 'self'"},
            body='<!doctype html><style>p { color: red }</style><p style="color: blue">x</p>',
        ),
    )
    page.goto("http://newsroom.test/")
    page.evaluate("document.body.setAttribute('style', 'margin: 3px')")

    blocked = watched.close()

    assert any('<p style="color: blue">' in line for line in blocked), blocked
    assert any("p { color: red }" in line for line in blocked), blocked
    assert any('<body style="margin: 3px">' in line for line in blocked), blocked
    assert page.is_closed()


def test_the_lite_article_reads_right_to_left_in_system_fonts_with_nothing_blocked(
    live_server, seed_report, page
):
    """Its one inline style applies (allowed by its hash: the watch fails the test on
    any block), and the page loads no font, script, style sheet or picture."""
    kinds = []
    page.on("request", lambda request: kinds.append(request.resource_type))

    page.goto(f"{live_server.url}/lite/articles/{seed_report.pk}/")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    body = page.evaluate(
        "({font: getComputedStyle(document.body).fontFamily,"
        " width: getComputedStyle(document.body).maxWidth})"
    )
    assert body["font"].startswith("system-ui") and body["width"] == "640px"
    assert page.locator("h1").inner_text() == seed_report.title_ar
    assert not {"font", "script", "stylesheet", "image"} & set(kinds), kinds


DESKTOP = {"width": 1366, "height": 900}


def test_pages_show_pictures_and_the_article_fits_its_first_screen(
    live_server, seed_report, browser
):
    """Home, an article and a section, at phone and desktop size, in both languages:
    screenshots kept as artifacts; pictures in the lists; on a phone, the article's
    headline, standfirst, byline and the top of its picture on the first screen; share
    icons named. One context per size, as a reader's browser would keep."""
    call_command("seed_newsroom", demo=6, verbosity=0)
    article = Article.objects.filter(is_demo=True, status=Article.Status.PUBLISHED).first()
    article.summary_ar = "ملخص تجريبي يشرح الخبر في سطرين للقارئ على الهاتف."
    article.summary_en = "A demo standfirst that sums the story up in two lines."
    article.save()
    ARTIFACTS.mkdir(exist_ok=True)

    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=size, user_agent=READER_AGENT, locale="ar")
        page = context.new_page()
        suffix = f"{size['width']}x{size['height']}"
        for language in ("ar", "en"):
            with translation.override(language):
                paths = {
                    "home": "/" if language == "ar" else "/en/",
                    "article": article.get_absolute_url(),
                    "section": article.section.get_absolute_url(),
                }
            for kind, path in paths.items():
                page.goto(live_server.url + path)
                page.wait_for_load_state("load")
                if kind in {"home", "section"}:
                    pictures = page.locator(".card__image img")
                    assert pictures.count() >= 1, (kind, language)
                    first = pictures.first
                    first.scroll_into_view_if_needed()
                    first.evaluate("img => img.decode()")
                    assert first.evaluate("img => img.naturalWidth") > 0
                    assert first.get_attribute("alt")
                    page.evaluate("window.scrollTo(0, 0)")
                if kind == "article":
                    names = page.locator(".share__link .visually-hidden").all_inner_texts()
                    assert names and all(text.strip() for text in names), names
                    if name == "phone":
                        for selector in ("h1", ".standfirst", ".byline"):
                            box = page.locator(selector).bounding_box()
                            assert box["y"] + box["height"] <= size["height"], selector
                        picture = page.locator(".lead-image img").bounding_box()
                        assert picture["y"] < size["height"]
                page.screenshot(path=ARTIFACTS / f"{kind}-{language}-{suffix}.png", full_page=True)
        context.close()
