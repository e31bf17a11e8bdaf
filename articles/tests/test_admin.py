"""The admin as staff meet it: every model editable, Arabic first, nothing from outside."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, Section
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from staff import roles

pytestmark = pytest.mark.django_db

MODELS = (
    "section",
    "tag",
    "expert",
    "authorprofile",
    "article",
    "quote",
    "correction",
    "sharenetwork",
)


def staff(role):
    user = get_user_model().objects.create_user(
        username=role.lower(), password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def new_draft(**fields) -> dict:
    """Return the admin's add form for a draft in the news section, as a browser posts it."""
    return {
        "section": Section.objects.get(slug="news").pk,
        "status": Article.Status.DRAFT,
        "quotes-TOTAL_FORMS": "0",
        "quotes-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.fixture
def editor_client(client):
    sign_in(client, staff(roles.EDITOR))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_editor_can_open_every_model_list_and_form(editor_client, seeded, model):
    listing = editor_client.get(reverse(f"admin:articles_{model}_changelist"))
    form = editor_client.get(reverse(f"admin:articles_{model}_add"))

    assert listing.status_code == 200
    assert form.status_code == 200


def test_seed_report_opens_in_the_admin_with_both_languages(editor_client, seed_report):
    response = editor_client.get(reverse("admin:articles_article_change", args=[seed_report.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert seed_report.title_ar in content
    assert seed_report.title_en in content
    assert 'class="modeltranslation-switch' in content or "mt-field-" in content


def test_translated_inputs_take_their_own_language_direction(editor_client, seed_report):
    content = editor_client.get(
        reverse("admin:articles_article_change", args=[seed_report.pk])
    ).content.decode()

    arabic = re.search(r'<input[^>]*name="title_ar"[^>]*>', content).group(0)
    english = re.search(r'<input[^>]*name="title_en"[^>]*>', content).group(0)
    english_body = re.search(r'<textarea[^>]*name="body_en"[^>]*>', content).group(0)
    assert 'dir="rtl"' in arabic and 'lang="ar"' in arabic
    assert 'dir="ltr"' in english and 'lang="en"' in english
    assert 'dir="ltr"' in english_body


def test_admin_is_arabic_right_to_left_and_english_under_en(editor_client):
    arabic = editor_client.get("/admin/").content.decode()
    english = editor_client.get("/en/admin/").content.decode()

    assert '<html lang="ar" dir="rtl">' in arabic
    assert "غرفة أخبار SY24" in arabic
    assert '<html lang="en" dir="ltr">' in english


def test_admin_pages_load_nothing_from_another_host(editor_client, seed_report):
    expert = seed_report.quotes.first().expert
    # The article form has no language tabs (admin/translating.py); other forms keep
    # them, with jQuery UI from our own static files.
    article, expert = (
        editor_client.get(reverse(f"admin:articles_{name}_change", args=[pk])).content.decode()
        for name, pk in (("article", seed_report.pk), ("expert", expert.pk))
    )

    for content in (article, expert):
        sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', content)
        assert sources
        assert [src for src in sources if src.startswith(("http:", "https:", "//"))] == []
    assert any("vendor/jquery-ui/jquery-ui.min.js" in src for src in sources)


def test_saving_in_the_admin_records_who_created_and_updated(client, seeded):
    user = staff(roles.EDITOR)
    sign_in(client, user)

    response = client.post(
        reverse("admin:articles_article_add"),
        new_draft(
            title_ar="خبر جديد من الحسكة",
            body_ar="<p>نص الخبر<script>alert(1)</script></p>",
            source_ar="SY24",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(title_ar="خبر جديد من الحسكة")
    assert article.created_by == user
    assert article.updated_by == user
    assert article.body_ar == "<p>نص الخبر</p>"
    assert article.slug_ar == "خبر-جديد-من-الحسكة"


@pytest.mark.parametrize("slug", ["breaking/news", "خبر عاجل", "news?page=2"])
def test_a_slug_that_is_not_one_is_refused_with_the_form_kept(editor_client, seeded, slug):
    # A "/" in a slug made the article's URL unbuildable: every page listing it failed.
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        new_draft(title_ar="خبر بمعرّف غريب", slug_ar=slug, body_ar="<p>نص الخبر</p>"),
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert not Article.objects.filter(title_ar="خبر بمعرّف غريب").exists()
    assert "أدخل اختصار" in content  # Django's own message, in Arabic
    assert "خبر بمعرّف غريب" in content  # what was written is still in the form


def test_a_script_or_import_with_a_bad_slug_gets_it_cleaned_and_pages_keep_working(client, seeded):
    article = make_article(slug_ar="عاجل/دمشق", slug_en="breaking/damascus")

    assert article.slug_ar == "عاجلدمشق"
    assert article.slug_en == "breakingdamascus"
    assert client.get("/").status_code == 200
    assert client.get(article.section.get_absolute_url()).status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200


def test_deleting_an_expert_with_quotes_is_refused_in_the_admin(editor_client, seed_report):
    expert = seed_report.quotes.first().expert

    response = editor_client.post(
        reverse("admin:articles_expert_delete", args=[expert.pk]), {"post": "yes"}
    )

    assert expert.__class__.objects.filter(pk=expert.pk).exists()
    assert response.status_code == 200
    # Django's "Cannot delete expert" page, in Arabic, listing the protected quotes.
    assert "تعذّر حذف خبير" in response.content.decode()


def test_journalist_cannot_open_staff_accounts(client):
    sign_in(client, staff(roles.JOURNALIST))

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


def test_administrator_can_manage_staff_accounts(client):
    sign_in(client, staff(roles.ADMINISTRATOR))

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_add")).status_code == 200


def test_rich_text_editor_dialogs_are_in_arabic(editor_client):
    content = editor_client.get("/admin/jsi18n/").content.decode()

    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", content, re.S).group(1))
    assert catalog["Edit Link"] == "تعديل الرابط"
    assert catalog["Cancel"] == "إلغاء"
