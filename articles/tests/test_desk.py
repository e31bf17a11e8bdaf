"""The desk: the dashboard's panels per role, and the article form a translator uses
(Arabic first, the English in its own section beside the saved Arabic)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import make_article
from articles.tests.test_editorial import change_url, client_for, form_data, make_staff
from staff import roles

pytestmark = pytest.mark.django_db

ENGLISH_FIELDS = (
    "title",
    "slug",
    "kicker",
    "summary",
    "body",
    "source",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
)


def panel(content: str, name: str) -> str:
    """Return the HTML of one of the dashboard's panels."""
    found = re.search(rf'<section[^>]*id="panel-{name}".*?</section>', content, re.S)
    assert found, name
    return found.group(0)


def english_section(content: str) -> str:
    found = re.search(r'<fieldset[^>]*class="[^"]*english-translation.*?</fieldset>', content, re.S)
    assert found
    return found.group(0)


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_that_may_add_articles_gets_the_new_article_button(role):
    content = client_for(make_staff(role)).get(reverse("admin:index")).content.decode()

    button = re.search(r'<a class="desk-new-article" href="([^"]+)">([^<]+)</a>', content)
    assert button.groups() == (reverse("admin:articles_article_add"), "مقال جديد")


def test_staff_who_may_only_read_get_the_desk_without_the_button():
    reader = get_user_model().objects.create_user(
        username="archivist", password="a-long-test-password", is_staff=True
    )
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    # Published now, not the factory's "a few minutes before" (which grows with every
    # article a long run has made, and can fall on yesterday).
    make_article(title_ar="نُشر للتو", published_at=timezone.now())

    content = client_for(reader).get(reverse("admin:index")).content.decode()

    assert "desk-new-article" not in content
    assert "نُشر للتو" in panel(content, "published-today")


def test_journalist_desk_shows_their_drafts_today_and_the_translations_left_behind():
    journalist = make_staff(roles.JOURNALIST)
    make_article(status=Article.Status.DRAFT, created_by=journalist, title_ar="مسودتي")
    make_article(status=Article.Status.DRAFT, title_ar="مسودة زميل")
    make_article(title_ar="خبر الأمس", published_at=timezone.now() - timedelta(days=2))
    make_article(title_ar="خبر اليوم", published_at=timezone.now())
    outdated = make_article(title_ar="خبر قبل التعديل")
    outdated.title_ar = "خبر عُدّل بعد ترجمته"
    outdated.save()
    make_article(title_ar="خبر بلا ترجمة", english=False).save()

    content = client_for(journalist).get(reverse("admin:index")).content.decode()

    drafts = panel(content, "my-drafts")
    assert "مسودتي" in drafts and "مسودة زميل" not in drafts
    today = panel(content, "published-today")
    assert "خبر اليوم" in today and "خبر الأمس" not in today
    behind = panel(content, "translations-outdated")
    assert "خبر عُدّل بعد ترجمته" in behind
    assert "خبر اليوم" not in behind and "خبر بلا ترجمة" not in behind
    # Reading counts are another branch's: until they come, the panel says so.
    assert "لم تُحتسب أي قراءة بعد." in panel(content, "most-read")
    assert "لا مشاركات هذا الأسبوع بعد." in panel(content, "most-shared")


def test_article_form_puts_the_arabic_first_and_the_english_beside_it(seed_report):
    content = client_for(make_staff(roles.EDITOR)).get(change_url(seed_report)).content.decode()

    english = english_section(content)
    before, after = content.split(english)
    assert "الترجمة الإنجليزية" in english
    for field in ENGLISH_FIELDS:
        assert f'name="{field}_en"' in english and f'name="{field}_en"' not in before + after
        assert f'name="{field}_ar"' in before and f'name="{field}_ar"' not in english
    # The translator reads the saved Arabic, right to left, beside the English input.
    title = re.search(r'class="form-row field-title_en">.*?name="title_en"[^>]*>', english, re.S)
    assert re.search(
        r'<div class="beside-original__text" lang="ar" dir="rtl">\s*'
        + re.escape(seed_report.title_ar),
        title.group(0),
    )
    assert 'name="title_en" value="' + seed_report.title_en in title.group(0)
    assert "beside-original__text--rich" in english  # the body, as readers see it
    # No tab pairs, no language switch, no language codes in the labels.
    assert "tabbed_translation_fields.js" not in content
    assert not re.search(r"<label[^>]*>[^<]*\[(ar|en)\]", content)


def test_english_admin_shows_the_english_section_with_no_arabic_switch(seed_report):
    client = client_for(make_staff(roles.EDITOR))

    content = client.get("/en" + change_url(seed_report)).content.decode()

    assert "English translation" in english_section(content)
    assert "modeltranslation-switch" not in content
    assert "tabbed_translation_fields.js" not in content


def test_a_refused_save_keeps_the_english_typed_and_shows_the_saved_arabic(seed_report):
    client = client_for(make_staff(roles.EDITOR))

    response = client.post(
        change_url(seed_report),
        form_data(seed_report, title_ar="", title_en="A new English headline"),
    )

    assert response.status_code == 200
    english = english_section(response.content.decode())
    assert 'value="A new English headline"' in english
    assert seed_report.title_ar in english
    seed_report.refresh_from_db()
    assert seed_report.title_en != "A new English headline"


def test_an_english_translation_typed_beside_the_arabic_is_saved(seed_report):
    client = client_for(make_staff(roles.EDITOR))

    response = client.post(
        change_url(seed_report),
        form_data(seed_report, title_en="Where the escapees go", body_en="<p>Translated.</p>"),
    )

    assert response.status_code == 302
    seed_report.refresh_from_db()
    assert seed_report.title_en == "Where the escapees go"
    assert seed_report.body_en == "<p>Translated.</p>"
    assert seed_report.translation_state == "complete"


def test_a_new_article_says_the_arabic_shows_once_saved():
    content = (
        client_for(make_staff(roles.JOURNALIST))
        .get(reverse("admin:articles_article_add"))
        .content.decode()
    )

    assert "يظهر النص العربي هنا بعد حفظ المقال." in english_section(content)
