"""Author profiles and pen names: bylines name public profiles, and no public output,
revision shown to other staff, or backup reveals the staff account behind a pen name."""

import io
import json
import re
import tarfile
from datetime import timedelta

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html
from PIL import Image

from articles.media import images, sharecards
from articles.models import Article, AuthorProfile
from articles.operations import backups, static_export, telegram
from articles.tests.factories import (
    make_article,
    make_author,
    make_expert,
    make_quote,
    make_section,
)
from articles.tests.signin import sign_in
from articles.tests.test_admin import new_draft, staff
from articles.tests.test_editorial import form_data
from staff import roles

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
# What would give the writer away: none of it may reach a reader, a feed or a backup's link.
SECRETS = ("zq_hidden_writer", "Zubaida", "Qutaybi-Secret", "zq.secret@mail.example")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.NEWSROOM_SITE_URL = SITE


@pytest.fixture
def writer():
    user = get_user_model().objects.create_user(
        "zq_hidden_writer",
        email="zq.secret@mail.example",
        first_name="Zubaida",
        last_name="Qutaybi-Secret",
        password=None,
        is_staff=True,
    )
    return user


@pytest.fixture
def pen_name(writer):
    return make_author(
        name_ar="أبو الورد",
        name_en="Abu al-Ward",
        slug="abu-al-ward",
        short_bio_ar="يكتب من داخل سوريا.",
        is_pen_name=True,
        account=writer,
    )


@pytest.fixture
def signed(pen_name, writer):
    """A published article in both languages, signed with the pen name, by its writer."""
    article = make_article(
        title_ar="انقطاع الخبز في ريف حلب",
        title_en="Bread runs out in rural Aleppo",
        created_by=writer,
        updated_by=writer,
    )
    article.authors.add(writer)
    article.bylines.add(pen_name)
    return article


def picture_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (120, 90, 60)).save(buffer, kind)
    return buffer.getvalue()


def assert_hidden(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"{secret!r} in {where}"


def test_the_article_names_the_pen_name_and_links_its_page_in_both_languages(client, signed):
    for language, name, prefix in (("ar", "أبو الورد", ""), ("en", "Abu al-Ward", "/en")):
        with translation.override(language):
            response = client.get(signed.get_absolute_url())
        page = html.fromstring(response.content.decode())

        (link,) = page.xpath("//p[@class='byline']/a")
        assert link.text_content() == name
        assert link.get("href") == f"{prefix}/authors/abu-al-ward/"
        (script,) = page.xpath("//script[@type='application/ld+json']")
        data = json.loads(script.text)
        assert data["author"] == [
            {"@type": "Person", "name": name, "url": f"{SITE}{prefix}/authors/abu-al-ward/"}
        ]


def test_the_author_page_lists_the_articles_signed_with_the_name(client, signed, pen_name):
    older = make_article(title_ar="مقال أقدم", published_at=timezone.now() - timedelta(days=3))
    older.bylines.add(pen_name)
    make_article(title_ar="مقال لغيره")
    pen_name.photo.save("avatar.png", ContentFile(picture_bytes("PNG")))

    response = client.get("/authors/abu-al-ward/")
    page = html.fromstring(response.content.decode())

    assert page.xpath("string(//h1)") == "أبو الورد"
    assert "يكتب من داخل سوريا." in page.xpath("string(//header[contains(@class, 'page-header')])")
    titles = [a.text_content().strip() for a in page.xpath("//h2//a")]
    assert titles == ["انقطاع الخبز في ريف حلب", "مقال أقدم"]
    (photo,) = page.xpath("//div[@class='expert-photo']//img")
    assert photo.get("alt") == "أبو الورد"
    assert pen_name.photo.name not in photo.get("src")  # a rendition, not the upload
    assert client.get("/en/authors/abu-al-ward/").status_code == 200
    assert client.get("/authors/nobody/").status_code == 404


def test_no_public_output_reveals_the_account_behind_a_pen_name(client, signed, pen_name, tmp_path):
    pages = [
        signed.get_absolute_url(),
        f"/en/articles/{signed.pk}/{signed.slug_en}/",
        "/authors/abu-al-ward/",
        "/en/authors/abu-al-ward/",
        "/",
        "/en/",
        signed.section.get_absolute_url(),
        "/search/?q=" + "الخبز",
        "/en/search/?q=Bread",
        "/feeds/rss/",
        "/feeds/atom/",
        "/en/feeds/rss/",
        "/en/feeds/atom/",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/lite/",
        f"/lite/articles/{signed.pk}/",
        f"/en/lite/articles/{signed.pk}/",
    ]
    index = client.get("/sitemap.xml").content.decode()
    pages += [
        re.sub(r"^https?://[^/]+", "", url) for url in re.findall(r"<loc>([^<]+)</loc>", index)
    ]
    seen_pen_name = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert_hidden(text, path)
        seen_pen_name += "أبو الورد" in text or "Abu al-Ward" in text
    assert seen_pen_name >= 8  # the byline is there: only who stands behind it is not
    assert "/authors/abu-al-ward/" in client.get("/sitemap-authors.xml").content.decode()

    # What the share image draws, the Telegram post and the WhatsApp kit say.
    drawn = []
    real_card = sharecards.article_card
    try:
        sharecards.article_card = lambda **inputs: drawn.append(inputs) or Image.new("RGB", (8, 8))
        for language in ("ar", "en"):
            images.draw_article_share_image(signed, language=language)
    finally:
        sharecards.article_card = real_card
    for language in ("ar", "en"):
        assert_hidden(telegram.post_html(signed, language, limit=4096), "Telegram post")
    assert_hidden(repr(drawn), "share image")

    static_export.export(tmp_path / "copy", base_url=SITE)
    for file in (tmp_path / "copy").rglob("*"):
        if file.is_file() and file.suffix in {".html", ".xml", ".txt", ""}:
            assert_hidden(file.read_text(errors="replace"), f"static copy {file.name}")


def test_the_whatsapp_kit_says_nothing_of_the_writer(client, signed):
    sign_in(client, staff(roles.EDITOR))
    response = client.get(reverse("admin:articles_article_change", args=[signed.pk]))
    posts = html.fromstring(response.content.decode()).xpath(
        "//textarea[starts-with(@id, 'whatsapp-post-')]"
    )

    assert len(posts) == 2
    for post in posts:
        assert_hidden(post.text_content(), "WhatsApp kit")


def test_a_backup_and_the_profiles_revisions_leave_out_who_writes_under_a_pen_name(
    pen_name, writer, tmp_path
):
    public = make_author(name_ar="سمر علي", account=writer)
    with reversion.create_revision():
        pen_name.short_bio_ar = "سيرة معدلة."
        pen_name.save()

    archive, _manifest = backups.create_backup(tmp_path)

    with tarfile.open(archive) as tar:
        rows = json.load(tar.extractfile(backups.DATABASE_FILE))
    profiles = {
        row["pk"]: row["fields"] for row in rows if row["model"] == "articles.authorprofile"
    }
    assert profiles[pen_name.pk]["account"] is None
    assert profiles[public.pk]["account"] is not None  # not a secret: the name is the person's
    versions = [row for row in rows if row["model"] == "reversion.version"]
    (version,) = [v for v in versions if v["fields"]["object_id"] == str(pen_name.pk)]
    assert "account" not in json.loads(version["fields"]["serialized_data"])[0]["fields"]
    # Restoring a revision keeps the link where it is stored.
    AuthorProfile.objects.get(pk=pen_name.pk)
    reversion.models.Version.objects.get(pk=version["pk"]).revert()
    assert AuthorProfile.objects.get(pk=pen_name.pk).account == writer


def test_editors_never_see_who_writes_under_a_pen_name_administrators_do(client, pen_name):
    editor = staff(roles.EDITOR)
    article = make_article(created_by=editor, updated_by=editor)
    article.bylines.add(pen_name)
    with reversion.create_revision():
        pen_name.save()
    version = reversion.models.Version.objects.get_for_object(pen_name).first()
    with reversion.create_revision():
        article.save()
    article_version = reversion.models.Version.objects.get_for_object(article).first()
    sign_in(client, editor)
    profile_change = reverse("admin:articles_authorprofile_change", args=[pen_name.pk])
    screens = [
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_revision", args=[article.pk, article_version.pk]),
        profile_change,
        reverse("admin:articles_authorprofile_changelist"),
        reverse("admin:articles_authorprofile_history", args=[pen_name.pk]),
        reverse("admin:articles_authorprofile_revision", args=[pen_name.pk, version.pk]),
    ]
    for path in screens:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert_hidden(text, path)
        assert 'name="account"' not in text

    # A crafted post naming an account links nothing.
    form = client.get(profile_change).context["adminform"].form
    data = {
        name: value for name, value in form.initial.items() if value is not None and name != "photo"
    }
    data.update(name_ar="أبو الورد", slug="abu-al-ward", account=editor.pk)
    client.post(profile_change, data)
    assert AuthorProfile.objects.get(pk=pen_name.pk).account.username == "zq_hidden_writer"

    # The short biography is plain text, typed as such (no rich-text editor).
    text = client.get(profile_change).content.decode()
    assert 'name="short_bio_ar"' in text
    assert "prose-editor" not in text

    client.logout()
    sign_in(client, staff(roles.ADMINISTRATOR))
    response = client.get(profile_change)
    assert 'name="account"' in response.content.decode()


def test_a_profile_that_signs_published_articles_is_not_deleted_and_renaming_it_shows(
    client, signed, pen_name
):
    assert "أبو الورد" in client.get(signed.get_absolute_url()).content.decode()
    sign_in(client, staff(roles.EDITOR))
    delete = reverse("admin:articles_authorprofile_delete", args=[pen_name.pk])

    refused = client.post(delete, {"post": "yes"})

    assert signed.title_ar in refused.content.decode()
    assert AuthorProfile.objects.filter(pk=pen_name.pk).exists()
    pen_name.name_ar = "ابن الفرات"
    pen_name.save()
    client.logout()
    assert "ابن الفرات" in client.get(signed.get_absolute_url()).content.decode()


def test_a_journalist_signs_with_public_profiles_and_their_own_pen_names_only(client, writer):
    writer.groups.add(staff(roles.JOURNALIST).groups.first())
    own = make_author(name_ar="قلم خاص", is_pen_name=True, account=writer)
    public = make_author(name_ar="اسم علني")
    other = make_author(name_ar="قلم زميل", is_pen_name=True, account=staff(roles.EDITOR))
    section = make_section(slug="news")
    sign_in(client, writer)

    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "bylines", "term": ""},
    ).json()
    assert {row["text"] for row in found["results"]} == {"قلم خاص", "اسم علني"}

    refused = client.post(
        reverse("admin:articles_article_add"),
        new_draft(
            section=section.pk,
            title_ar="مسودة",
            body_ar="<p>نص</p>",
            source_ar="SY24",
            bylines=[other.pk],
        ),
    )
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["bylines"]
    assert not Article.objects.filter(title_ar="مسودة").exists()

    client.post(
        reverse("admin:articles_article_add"),
        new_draft(
            section=section.pk,
            title_ar="مسودة",
            body_ar="<p>نص</p>",
            source_ar="SY24",
            bylines=[own.pk, public.pk],
        ),
    )
    article = Article.objects.get(title_ar="مسودة")
    assert set(article.bylines.all()) == {own, public}
    assert list(article.authors.all()) == [writer]  # they may still edit their draft

    # A byline an editor gave their draft stays theirs to keep while they edit it.
    article.bylines.set([other])
    kept = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(article, title_ar="مسودة منقحة", bylines=[other.pk]),
    )
    assert kept.status_code == 302
    article.refresh_from_db()
    assert article.title_ar == "مسودة منقحة"
    assert list(article.bylines.all()) == [other]


def test_existing_bylines_become_public_profiles_of_their_accounts(writer):
    from django.apps import apps
    from django.db import connection

    from articles.migrations import __name__ as package

    migration = __import__(f"{package}.0016_author_profiles_from_accounts", fromlist=["x"])
    article = make_article()
    article.authors.add(writer)

    migration.profiles_from_accounts(apps, connection.schema_editor())

    (profile,) = article.bylines.all()
    assert profile.name_ar == "Zubaida Qutaybi-Secret"
    assert profile.account == writer
    assert not profile.is_pen_name


def test_an_expert_page_shows_the_person_with_every_quote_and_its_article(client):
    expert = make_expert(
        name_ar="ريم حسن",
        affiliation_ar="جامعة دمشق",
        affiliation_en="Damascus University",
        bio_ar="<p>باحثة في الاقتصاد.</p>",
    )
    expert.photo.save("face.jpg", ContentFile(picture_bytes("JPEG")))
    quoted = make_article(title_ar="الأسعار ترتفع")
    make_quote(article=quoted, expert=expert, text_ar="الأسعار تضاعفت.")

    page = html.fromstring(client.get(expert.get_absolute_url()).content.decode())

    assert "جامعة دمشق" in page.xpath("string(//p[@class='expert-role'])")
    assert page.xpath("string(//div[@class='expert-bio'])") == "باحثة في الاقتصاد."
    (photo,) = page.xpath("//div[@class='expert-photo']//img")
    assert expert.photo.name not in photo.get("src")  # a rendition, not the upload
    (quote,) = page.xpath("//figure[contains(@class, 'quote')]")
    assert "الأسعار تضاعفت." in quote.text_content()
    assert quote.xpath("string(.//figcaption/a[1])") == "الأسعار ترتفع"


def test_the_profile_list_cannot_be_filtered_by_account_without_the_link_permission(
    client, pen_name, writer
):
    """The admin lets a list's address filter on any field of the model's own: an
    editor asking for ``?account=<id>`` would learn the pen names of that account."""
    changelist = reverse("admin:articles_authorprofile_changelist")
    lookups = ["account", "account__exact", "account_id", "account__id__exact", "account__in"]
    sign_in(client, staff(roles.EDITOR))
    for lookup in lookups:
        response = client.get(changelist, {lookup: writer.pk})
        assert response.status_code == 400, lookup
        assert "أبو الورد" not in response.content.decode(), lookup
    assert client.get(changelist, {"account__isnull": "False"}).status_code == 400

    client.logout()
    sign_in(client, staff(roles.ADMINISTRATOR))
    response = client.get(changelist, {"account": writer.pk})
    assert response.status_code == 200
    assert "أبو الورد" in response.content.decode()


def test_only_an_administrator_turns_a_pen_name_into_a_public_name(client, pen_name):
    """Made public by an editor, the pen name's next articles would not cover its writer."""
    from articles.tests.admin_forms import opened_state

    profile_change = reverse("admin:articles_authorprofile_change", args=[pen_name.pk])
    public_fields = {
        "name_ar": "أبو الورد",
        "name_en": "Abu al-Ward",
        "slug": "abu-al-ward",
        "short_bio_ar": "يكتب من الداخل.",
    }
    sign_in(client, staff(roles.EDITOR))
    # Posted without the box ticked, as a browser posts an unticked box.
    data = {**public_fields, **opened_state(client, profile_change)}
    response = client.post(profile_change, data)
    assert response.status_code == 302
    pen_name.refresh_from_db()
    assert pen_name.short_bio_ar == "يكتب من الداخل."  # the save went through
    assert pen_name.is_pen_name

    client.logout()
    sign_in(client, staff(roles.ADMINISTRATOR))
    data = {**public_fields, "account": pen_name.account_id}
    response = client.post(profile_change, {**data, **opened_state(client, profile_change)})
    assert response.status_code == 302
    pen_name.refresh_from_db()
    assert not pen_name.is_pen_name
