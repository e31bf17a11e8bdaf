"""The desk at a laptop's 1366 pixels and on a phone: the dashboard, the article list and
the article form, in Arabic, fit the screen with their key parts in sight.

Screenshots are kept in test-artifacts/screenshots/ for review.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, DailyShareCount, ShareNetwork
from articles.tests.factories import make_article
from articles.tests.signin import make_totp_device
from articles.tests.test_browser import ARTIFACTS, browser, chromium  # noqa: F401
from articles.tests.test_browser_editorial import log_in, make_staff
from staff import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ARTIFACTS / "screenshots"
SIZES = {"1366x900": {"width": 1366, "height": 900}, "390x844": {"width": 390, "height": 844}}

FITS = """() => {
  const page = document.documentElement.scrollWidth <= window.innerWidth;
  const results = document.querySelector("#changelist .results");
  const table = results ? results.scrollWidth <= results.clientWidth : true;
  return {page, table, width: document.documentElement.scrollWidth};
}"""
IN_VIEW = """element => {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= window.innerWidth;
}"""


def desk_articles(editor):
    """Give every panel of the dashboard something to show."""
    section = Article.objects.get(import_key="seed-000-5f667f3733499231").section
    make_article(section=section, status=Article.Status.DRAFT, created_by=editor)
    make_article(section=section, status=Article.Status.REVIEW)
    make_article(section=section, published_at=timezone.now() + timedelta(hours=3))
    outdated = make_article(section=section, published_at=timezone.now() - timedelta(minutes=5))
    outdated.title_ar = "عنوان عُدّل بعد الترجمة"
    outdated.save()
    DailyShareCount.objects.create(
        article=outdated,
        network=ShareNetwork.objects.order_by("position").first(),
        day=timezone.localdate(),
        count=12,
    )


def test_desk_fits_a_laptop_and_a_phone_in_arabic(browser, live_server, seed_report, roles_exist):  # noqa: F811
    editor = make_staff(roles.EDITOR, "khaled")
    device = make_totp_device(editor)
    desk_articles(editor)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=SIZES["1366x900"], locale="ar")
    page = context.new_page()
    log_in(page, live_server, "khaled", device=device)
    pages = {
        "dashboard": "/admin/",
        "changelist": "/admin/articles/article/",
        "article-form": f"/admin/articles/article/{seed_report.pk}/change/",
    }

    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in pages.items():
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            fits = page.evaluate(FITS)
            assert fits["page"], (name, size, fits)
            assert fits["table"], (name, size, fits)
            if name == "dashboard":
                button = page.locator("a.desk-new-article")
                assert button.inner_text().strip() == "مقال جديد"
                assert button.evaluate(IN_VIEW)
                outdated = page.locator("#panel-translations-outdated")
                assert "عنوان عُدّل بعد الترجمة" in outdated.inner_text()
                assert "لم تُحتسب أي قراءة بعد" in page.locator("#panel-most-read").inner_text()
            elif name == "changelist":
                state = page.locator("#result_list tbody td.field-translation_label").first
                assert state.evaluate(IN_VIEW), (name, size)
                if size == "1366x900":
                    assert page.locator("th.column-translation_label").evaluate(IN_VIEW)
            else:
                english = page.locator("fieldset.english-translation")
                assert english.locator("h2.fieldset-heading").inner_text() == "الترجمة الإنجليزية"
                source = english.locator(".field-title_en .beside-original__text")
                assert source.inner_text() == seed_report.title_ar
                assert source.get_attribute("lang") == "ar"
                assert source.evaluate("e => getComputedStyle(e).direction") == "rtl"
                title_en = page.locator("#id_title_en")
                assert title_en.input_value() == seed_report.title_en
                inputs = english.locator(".beside-original__target > *")
                # The nine texts, and a fact-check's claim and who made it.
                assert inputs.count() == 11
                assert all(box.evaluate(IN_VIEW) for box in inputs.all()), (name, size)
                source.scroll_into_view_if_needed()
                assert source.evaluate(IN_VIEW) and title_en.evaluate(IN_VIEW)
                arabic, typed = source.bounding_box(), title_en.bounding_box()
                if size == "1366x900":  # side by side: the Arabic at the start (right)
                    assert arabic["x"] > typed["x"] + typed["width"] - 1
                    assert arabic["y"] < typed["y"] + typed["height"]
                else:  # the Arabic above the input
                    assert arabic["y"] + arabic["height"] <= typed["y"]
            page.screenshot(path=SCREENSHOTS / f"desk-{name}-ar-{size}.png", full_page=True)
    context.close()
