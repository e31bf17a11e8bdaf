"""The masthead, the sections menu, the header search, the footer and the breaking strip:
on every full reader page, in both languages, never stale behind the page cache."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html

from articles.models import Article, SiteSettings
from articles.reading.masthead import MASTHEAD_QUERIES
from articles.svg import validate_svg
from articles.tests.admin_forms import opened_state
from articles.tests.factories import (
    make_article,
    make_expert,
    make_quote,
    make_section,
    make_tag,
)
from articles.tests.signin import sign_in
from articles.tests.test_editorial import form_data
from staff import roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("migration_rows")]

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#a4161a"/></linearGradient></defs>'
    b'<rect width="120" height="40" fill="url(#g)"/><use href="#g"/></svg>'
)


def page(response):
    return html.fromstring(response.content.decode())


def staff(role: str, username: str):
    user = get_user_model().objects.create_user(
        username=username, password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return sign_in(Client(), user)


@pytest.fixture
def world():
    """Three sections out of their creation order, and one of each kind of page."""
    third = make_section(name_ar="رياضة", name_en="Sport", slug="sport", position=3)
    first = make_section(name_ar="أخبار", name_en="News", slug="news", position=1)
    second = make_section(name_ar="اقتصاد", name_en="Economy", slug="economy", position=2)
    tag = make_tag()
    expert = make_expert()
    article = make_article(section=first, tags=[tag])
    quote = make_quote(article=article, expert=expert)
    return {
        "sections": [first, second, third],
        "paths": [
            "/",
            article.get_absolute_url,
            first.get_absolute_url,
            tag.get_absolute_url,
            expert.get_absolute_url,
            quote.get_absolute_url,
            lambda: reverse("articles:search") + "?q=x",
            lambda: reverse("articles:reach_us"),
            lambda: reverse("articles:about"),
            lambda: reverse("articles:corrections"),
        ],
    }


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_full_page_has_the_masthead_menu_search_switch_and_footer(client, world, language):
    with translation.override(language):
        paths = [path if isinstance(path, str) else path() for path in world["paths"]]
        paths = [("/en/" if language == "en" and path == "/" else path) for path in paths]
        paths.append(("/en" if language == "en" else "") + "/no-such-page/")
        names = [section.name for section in world["sections"]]
        search = reverse("articles:search")
        reach_us = reverse("articles:reach_us")

    for path in paths:
        response = client.get(path)
        assert response.status_code == (404 if "no-such-page" in path else 200), path
        tree = page(response)
        assert tree.get("dir") == ("rtl" if language == "ar" else "ltr"), path
        assert tree.xpath('string(//a[@class="site-name"])').strip() == "SY24", path
        assert tree.xpath('//nav[@class="sections-nav"]//a/text()') == names, path
        form = tree.xpath('//header//form[@role="search"]')[0]
        assert (form.get("action"), form.get("method")) == (search, "get"), path
        field = form.xpath(".//input[@name='q']")[0]
        assert field.get("type") == "search"
        assert form.xpath(f".//label[@for='{field.get('id')}']"), path
        other = "en" if language == "ar" else "ar"
        assert tree.xpath('//nav[@class="language-switch"]//a/@hreflang') == [other], path
        footer = tree.xpath("//footer//a/@href")
        assert reach_us in footer and any("/feeds/rss/" in href for href in footer), path
        with translation.override(language):
            assert reverse("articles:about") in footer, path
        # Nothing inline (the article page loads its read counter from a file).
        inline = "//@style | //script[not(@src) and not(@type='application/ld+json')]"
        assert tree.xpath(inline) == [], path


def test_the_arabic_header_search_has_an_arabic_placeholder(client):
    field = page(client.get("/")).xpath('//input[@id="search-q-header"]')[0]

    assert field.get("placeholder") == "ابحث في الموقع"


def test_the_lite_edition_keeps_its_text_only_header(client, world):
    content = client.get(reverse("articles:lite_home")).content.decode()

    assert "sections-nav" not in content and "header-search" not in content


def test_the_footer_shows_what_editors_set_in_the_admin(client):
    SiteSettings.objects.filter(pk=1).update(
        contact_url="mailto:editor@sy24.example",
        telegram_url="https://t.me/sy24_news",
        x_url="https://x.com/sy24",
    )

    tree = page(client.get("/en/"))

    social = tree.xpath('//nav[@class="footer-social"]//a')
    assert [(link.text, link.get("href")) for link in social] == [
        ("Telegram", "https://t.me/sy24_news"),
        ("X", "https://x.com/sy24"),
    ]
    assert "mailto:editor@sy24.example" in tree.xpath("//footer//a/@href")


def test_an_empty_page_text_hides_its_link_and_its_page(client):
    SiteSettings.objects.filter(pk=1).update(corrections_policy_ar="", corrections_policy_en="")

    footer = page(client.get("/")).xpath("//footer//a/@href")

    assert reverse("articles:corrections") not in footer
    assert client.get(reverse("articles:corrections")).status_code == 404
    assert client.get(reverse("articles:about")).status_code == 200


def test_a_new_section_order_or_setting_shows_on_the_next_request_of_a_cached_page(client, world):
    first, second, third = world["sections"]
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"

    third.position = 0
    third.save()
    names = page(client.get("/")).xpath('//nav[@class="sections-nav"]//a/text()')
    assert names == [third.name, first.name, second.name]

    settings_row = SiteSettings.objects.get()
    settings_row.youtube_url = "https://www.youtube.com/@sy24"
    settings_row.save()
    assert "https://www.youtube.com/@sy24" in page(client.get("/")).xpath("//footer//a/@href")


def test_the_masthead_costs_no_query_once_kept(
    client, world, uncached_pages, django_assert_num_queries
):
    client.get("/en/")
    with django_assert_num_queries(0):
        client.get("/en/no-such-page/")  # the 404 page reads nothing but the masthead
    with django_assert_num_queries(MASTHEAD_QUERIES):
        client.get("/no-such-page/")  # the other language: read once for it


# --- breaking news ----------------------------------------------------------------------------


def strip(response) -> list[str]:
    return page(response).xpath('//aside[@class="breaking"]//li/a/text()')


def test_the_breaking_strip_shows_until_its_time_even_on_cached_pages(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    urgent = make_article(title_ar="عاجل: خبر", breaking_until=timezone.now() + timedelta(hours=1))
    make_article(title_ar="خبر عادي")
    other_page = make_article()

    response = client.get("/")
    assert strip(response) == ["عاجل: خبر"]
    assert page(response).xpath('string(//strong[@class="breaking__label"])') == "عاجل"
    assert strip(client.get(other_page.get_absolute_url())) == ["عاجل: خبر"]
    assert client.get("/")["X-Cache"] == "hit"

    time_machine.shift(timedelta(minutes=61))

    assert strip(client.get("/")) == []
    assert strip(client.get(other_page.get_absolute_url())) == []
    urgent.refresh_from_db()
    assert urgent.breaking_until < timezone.now()  # nothing was saved


def test_marking_an_article_breaking_shows_on_pages_already_cached(client):
    article = make_article(title_ar="خبر سيصبح عاجلاً")
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"

    article.breaking_until = timezone.now() + timedelta(hours=2)
    article.save()

    assert strip(client.get("/")) == ["خبر سيصبح عاجلاً"]


def test_a_breaking_draft_or_untranslated_article_is_not_in_the_strip(client):
    until = timezone.now() + timedelta(hours=1)
    make_article(title_ar="مسودة", status=Article.Status.DRAFT, breaking_until=until)
    make_article(title_ar="بالعربية فقط", english=False, breaking_until=until)

    assert strip(client.get("/")) == ["بالعربية فقط"]
    assert strip(client.get("/en/")) == []


def test_editors_set_breaking_news_and_journalists_cannot(client):
    until = timezone.localtime() + timedelta(hours=3)
    fields = {"breaking_until_0": until.strftime("%Y-%m-%d"), "breaking_until_1": "12:00:00"}
    editor = staff(roles.EDITOR, "editor")
    journalist = staff(roles.JOURNALIST, "journalist")
    user = get_user_model().objects.get(username="journalist")
    draft = make_article(status=Article.Status.DRAFT, created_by=user)
    live = make_article()
    draft.authors.add(user)

    assert (
        "breaking_until_0"
        in editor.get(reverse("admin:articles_article_change", args=[live.pk])).content.decode()
    )
    assert (
        "breaking_until_0"
        not in journalist.get(
            reverse("admin:articles_article_change", args=[draft.pk])
        ).content.decode()
    )
    journalist.post(
        reverse("admin:articles_article_change", args=[draft.pk]), form_data(draft, **fields)
    )
    editor.post(reverse("admin:articles_article_change", args=[live.pk]), form_data(live, **fields))

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.breaking_until is None
    assert live.breaking_until is not None


# --- the logo ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "svg, code",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "forbidden"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event_attribute"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "forbidden",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<a x:href="javascript:alert(1)"><text>x</text></a></svg>',
            "outside_reference",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>',
            "outside_reference",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(//evil.example/x.css);'
            b"</style></svg>",
            "outside_reference",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "b">]><svg/>', "doctype"),
        (b"<html><body>not an svg</body></html>", "not_svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg">', "malformed"),
        (b'<svg xmlns="http://www.w3.org/2000/svg">' + b" " * 110_000 + b"</svg>", "too_large"),
    ],
)
def test_an_unsafe_logo_is_refused(svg, code):
    with pytest.raises(ValidationError) as refused:
        validate_svg(svg)

    assert refused.value.code.startswith(code)


def test_a_plain_logo_passes():
    validate_svg(LOGO)


def test_a_script_bearing_logo_gets_a_translated_error_and_a_clean_one_is_shown(client):
    editor = staff(roles.EDITOR, "editor")
    address = reverse("admin:articles_sitesettings_change", args=[1])
    row = SiteSettings.objects.get()
    body = {
        "about_ar": row.about_ar,
        "about_en": row.about_en,
        "corrections_policy_ar": row.corrections_policy_ar,
        "corrections_policy_en": row.corrections_policy_en,
        "contact_url": "",
        **{field: "" for field, _label in SiteSettings.SOCIAL},
    }
    bad = SimpleUploadedFile(
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        content_type="image/svg+xml",
    )

    refused = editor.post(address, {**body, "logo": bad})
    accepted = editor.post(
        address,
        {
            **body,
            **opened_state(editor, address),
            "logo": SimpleUploadedFile("logo.svg", LOGO, content_type="image/svg+xml"),
        },
    )

    assert refused.status_code == 200
    assert "لا يجوز أن يحتوي الشعار على عنصر &lt;script&gt;" in refused.content.decode()
    assert accepted.status_code == 302
    logo = page(client.get("/")).xpath('//a[@class="site-name"]/img')[0]
    assert logo.get("alt") == "SY24" and logo.get("src").startswith("/media/site/")
    served = client.get(logo.get("src"))
    assert served["Content-Type"] == "image/svg+xml"
    assert "sandbox" in served["Content-Security-Policy"]


def test_footer_links_take_web_and_mail_addresses_only():
    row = SiteSettings.objects.get()
    row.contact_url = "javascript:alert(1)"
    row.telegram_url = "mailto:x@example.org"

    with pytest.raises(ValidationError) as refused:
        row.full_clean()

    assert set(refused.value.message_dict) == {"contact_url", "telegram_url"}


def test_the_about_and_corrections_pages_are_in_the_sitemap_with_their_languages(client):
    content = client.get("/sitemap-pages.xml").content.decode()

    for name in ("about", "corrections"):
        assert f"/{name}/</loc>" in content and f"/en/{name}/</loc>" in content
    tree = page(client.get("/en/about/"))
    assert tree.xpath('//link[@rel="canonical"]/@href')[0].endswith("/en/about/")
    assert set(tree.xpath('//link[@rel="alternate"]/@hreflang')) >= {"ar", "en", "x-default"}
