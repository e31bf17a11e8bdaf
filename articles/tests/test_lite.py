"""The lite edition (/lite/): text pages for throttled links, shutdowns and blocks.

Small (at most 20 KB before pictures), with no script, font or style sheet, pictures
only when asked for, each page canonicalised to its full twin, cached and refreshed like
every other page; the full pages offer it, up front when the browser asks to save data.
"""

import base64
import hashlib
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image

from articles.media import images
from articles.models import Article
from articles.tests.factories import make_article, make_correction, make_section
from articles.tests.test_images import jpeg, upload

pytestmark = pytest.mark.django_db

HOST = "http://testserver"
BUDGET = 20 * 1024
NOTICE = "You asked your browser to save data"
NOTICE_AR = "طلبت من متصفحك توفير البيانات"
STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def html(response) -> str:
    return response.content.decode()


def canonical(response) -> str:
    return re.search(r'<link rel="canonical" href="([^"]+)">', html(response)).group(1)


def style_src(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("style-src"))


def in_english(make):
    with translation.override("en"):
        return make()


@pytest.fixture
def full_home(seed_report):
    """A front page with a full list: long headlines and standfirsts, as the news has."""
    section = seed_report.section
    for number in range(25):
        make_article(
            section=section,
            title_ar=f"مصادر خاصة: تعزيزات عسكرية جديدة تصل إلى ريف دير الزور الشرقي {number}",
            summary_ar="قالت مصادر محلية إن رتلاً من التعزيزات وصل إلى المنطقة " * 6,
            title_en=f"Sources: new military reinforcements reach eastern Deir ez-Zor {number}",
            summary_en="Local sources said a convoy of reinforcements reached the area " * 6,
        )
    return seed_report


def lite_pages(report) -> dict[str, tuple[str, str, str]]:
    """Each lite page: its path, its language and the full page it names as canonical."""
    return {
        "home": ("/lite/", "ar", f"{HOST}/"),
        "home-en": ("/en/lite/", "en", f"{HOST}/en/"),
        "section": (
            f"/lite/sections/{report.section.slug}/",
            "ar",
            HOST + report.section.get_absolute_url(),
        ),
        "article": (f"/lite/articles/{report.pk}/", "ar", HOST + report.get_absolute_url()),
        "article-en": (
            f"/en/lite/articles/{report.pk}/",
            "en",
            HOST + in_english(report.get_absolute_url),
        ),
    }


@pytest.mark.parametrize("name", ["home", "home-en", "section", "article", "article-en"])
def test_every_lite_page_is_small_plain_text_in_its_language(client, full_home, name):
    path, language, full = lite_pages(full_home)[name]

    response = client.get(path)

    assert response.status_code == 200
    content = html(response)
    assert len(response.content) <= BUDGET, f"{path}: {len(response.content)} bytes"
    assert "<script" not in content
    assert "@font-face" not in content and ".woff" not in content
    assert 'rel="stylesheet"' not in content
    assert "<img" not in content
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in content
    assert canonical(response) == full
    assert 'name="robots"' not in content


def test_the_lite_home_lists_the_latest_with_date_and_standfirst_and_every_section(
    client, full_home
):
    other = make_section(slug="opinion", name_ar="رأي", name_en="Opinion")

    content = html(client.get("/lite/"))

    newest = Article.objects.order_by("-published_at").first()
    assert f'href="/lite/articles/{newest.pk}/"' in content
    assert newest.title_ar in content
    assert content.count('<h2><a href="/lite/articles/') == 20  # a page of the latest
    standfirsts = re.findall(r"</time></small> (قالت[^<]*)</p>", content)
    assert newest.summary_ar[:60] in standfirsts[0]
    # A line each: 110 letters (Django's truncatechars counts no combining vowel marks).
    assert standfirsts and all(len(text) <= 120 and text.endswith("…") for text in standfirsts)
    assert f'href="/lite/sections/{other.slug}/">رأي</a>' in content
    assert f'href="/lite/sections/{full_home.section.slug}/"' in content


def test_the_lite_home_costs_no_more_queries_than_the_full_one(client, full_home, uncached_pages):
    client.get("/"), client.get("/lite/")  # compiled queries and memos warm
    with CaptureQueriesContext(connection) as full:
        client.get("/")
    with CaptureQueriesContext(connection) as lite:
        client.get("/lite/")

    assert len(lite) <= len(full)


def test_a_lite_section_pages_like_the_full_one(client, full_home):
    path = f"/lite/sections/{full_home.section.slug}/"

    first, second = client.get(path), client.get(path + "?page=2")

    assert 'rel="next" href="?page=2"' in html(first)
    assert second.status_code == 200 and 'rel="prev"' in html(second)
    assert client.get(path + "?page=9").status_code == 404
    assert client.get("/lite/sections/no-such-section/").status_code == 404


def test_the_lite_article_shows_the_seed_reports_text_byline_and_corrections(client, seed_report):
    make_correction(article=seed_report, text_ar="صُحّح اسم البلدة.")

    content = html(client.get(f"/lite/articles/{seed_report.pk}/"))

    assert seed_report.title_ar in content
    assert "العقيد أحمد حمادة" in content  # the body, as sanitized
    assert "صُحّح اسم البلدة." in content
    assert seed_report.byline in content
    assert f'href="/lite/sections/{seed_report.section.slug}/"' in content
    assert f'<a href="{seed_report.get_absolute_url()}">' in content  # the full version


def test_an_article_missing_in_english_redirects_to_the_arabic_lite_page(client):
    article = make_article(english=False)

    response = client.get(f"/en/lite/articles/{article.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/lite/articles/{article.pk}/"
    assert client.get("/lite/articles/999999/").status_code == 404
    draft = make_article(status=Article.Status.DRAFT)
    assert client.get(f"/lite/articles/{draft.pk}/").status_code == 404


def test_a_lead_image_is_a_link_to_one_small_rendition_with_its_words(client):
    article = make_article(
        lead_image_alt_ar="دخان فوق المدينة",
        lead_image_caption_ar="قصف على الأحياء الشرقية",
        lead_image_credit_ar="تصوير: مراسلنا",
    )
    cleaned = images.validate_and_clean_image(upload("photo.jpg", jpeg((1600, 1000))))
    article.lead_image.save(cleaned.name, cleaned)

    content = html(client.get(f"/lite/articles/{article.pk}/"))

    assert "<img" not in content and "<picture" not in content
    link = re.search(r'<p><a href="([^"]+)">عرض الصورة</a>: دخان فوق المدينة</p>', content)
    assert link, content
    assert "قصف على الأحياء الشرقية" in content and "تصوير: مراسلنا" in content
    picture = client.get(link.group(1))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    body = b"".join(picture.streaming_content) if picture.streaming else picture.content
    assert Image.open(io.BytesIO(body)).width == 480  # not the 1,600-pixel original


def test_full_pages_link_their_lite_twin_in_the_head_and_for_the_eye(client, seed_report):
    twins = {
        seed_report.get_absolute_url(): f"/lite/articles/{seed_report.pk}/",
        seed_report.section.get_absolute_url(): f"/lite/sections/{seed_report.section.slug}/",
        "/": "/lite/",
        "/en/": "/en/lite/",
        seed_report.tags.first().get_absolute_url(): "/lite/",
    }
    for full, lite in twins.items():
        content = html(client.get(full))
        lite_words = "Lite version" if full == "/en/" else "النسخة الخفيفة"
        assert f'<link rel="alternate" href="{lite}" title="{lite_words}">' in content, full
        assert f'<a class="lite-link" href="{lite}">{lite_words}</a>' in content, full
        assert NOTICE_AR not in content, full


@pytest.mark.parametrize("first_saves_data", [True, False])
def test_save_data_readers_are_offered_the_lite_page_and_the_cache_keeps_them_apart(
    client, seed_report, first_saves_data
):
    path = seed_report.get_absolute_url()
    saving = {"HTTP_SAVE_DATA": "on"}

    first = client.get(path, **(saving if first_saves_data else {}))
    second = client.get(path, **({} if first_saves_data else saving))
    again = client.get(path, **(saving if first_saves_data else {}))

    saver, other = (first, second) if first_saves_data else (second, first)
    assert first["X-Cache"] == second["X-Cache"] == "miss"
    assert again["X-Cache"] == "hit" and again.content == first.content
    notice = f'<p class="save-data-notice" role="note"><a href="/lite/articles/{seed_report.pk}/">'
    assert notice in html(saver) and NOTICE_AR in html(saver)
    assert NOTICE_AR not in html(other)
    for response in (first, second, again):
        assert "Save-Data" in response["Vary"]
        assert response.status_code == 200  # offered, never redirected


def test_the_save_data_notice_is_on_the_home_and_section_pages_too(client, seed_report):
    for path, lite in (
        ("/en/", "/en/lite/"),
        (seed_report.section.get_absolute_url(), f"/lite/sections/{seed_report.section.slug}/"),
    ):
        response = client.get(path, HTTP_SAVE_DATA="on")
        assert f'<a href="{lite}">' in html(response)
        assert (NOTICE if path == "/en/" else NOTICE_AR) in html(response)
        assert "Save-Data" in response["Vary"]


def test_lite_pages_are_cached_and_refreshed_when_an_article_changes(client, full_home):
    article, home = f"/lite/articles/{full_home.pk}/", "/lite/"
    client.get(article), client.get(home)
    assert client.get(article)["X-Cache"] == "hit"
    assert client.get(home)["X-Cache"] == "hit"

    full_home.title_ar = "عنوان جديد بعد التصحيح"
    full_home.published_at = Article.objects.order_by("-published_at").first().published_at
    full_home.save()

    assert "عنوان جديد بعد التصحيح" in html(client.get(article))
    assert "عنوان جديد بعد التصحيح" in html(client.get(home))


def test_lite_pages_are_in_no_sitemap(client, full_home):
    index = html(client.get("/sitemap.xml"))
    for sitemap in re.findall(r"<loc>(http[^<]+)</loc>", index):
        assert "/lite/" not in html(client.get(sitemap.removeprefix(HOST))), sitemap
    assert "/lite/" not in html(client.get("/news-sitemap.xml"))


def test_the_lite_style_is_allowed_by_its_hash_and_nothing_else_inline(client, seed_report):
    path = f"/lite/articles/{seed_report.pk}/"
    first, again = client.get(path), client.get(path)

    (css,) = STYLE.findall(html(first))
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert style_src(first) == f"style-src 'self' 'sha256-{digest}'"
    assert "'unsafe-inline'" not in first["Content-Security-Policy"]
    assert again["X-Cache"] == "hit" and style_src(again) == style_src(first)
    assert " style=" not in html(first)
    assert style_src(client.get(seed_report.get_absolute_url())) == "style-src 'self'"


def test_a_section_renamed_shows_on_the_lite_home(client, seed_report):
    client.get("/lite/")
    section = seed_report.section
    section.name_ar = "تقارير خاصة"
    section.save()

    assert "تقارير خاصة" in html(client.get("/lite/"))


def test_every_lite_page_leads_to_the_lite_reach_us_page_with_our_addresses(client, settings):
    settings.NEWSROOM_SITE_URL = "https://sy24.example"
    settings.NEWSROOM_MIRROR_HOSTS = ["mirror.example"]
    settings.NEWSROOM_ONION_URL = (
        "http://sy24abcdefghijklmnopqrstuvwxyz234567sy24abcdefghijklmnop.onion"
    )

    home = html(client.get("/lite/"))
    assert 'href="/lite/reach-us/"' in home
    response = client.get("/lite/reach-us/")

    assert response.status_code == 200
    content = html(response)
    assert len(response.content) <= BUDGET
    assert "<script" not in content and 'rel="stylesheet"' not in content
    assert "https://mirror.example/" in content
    assert settings.NEWSROOM_ONION_URL in content
    assert canonical(response) == "https://sy24.example/reach-us/"
