"""Who stands behind a pen name is hidden from staff too: every staff screen about an
article a pen name signs (or signed) names its writer by the pen name, except to
administrators and the writer themself, and a backup holds no link between the two."""

import importlib
import json
import tarfile
from types import SimpleNamespace

import pytest
import reversion
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation
from lxml import html
from reversion.models import Revision, Version

from articles.models import Article, ArticleActivity, AuthorProfile, PenNameCover, PreviewLink
from articles.operations import backups
from articles.tests.factories import make_article, make_author, make_quote, make_section
from articles.tests.signin import sign_in
from articles.tests.test_admin import new_draft, staff
from articles.tests.test_editorial import form_data
from staff import roles

pytestmark = pytest.mark.django_db

USERNAME = "zq_hidden_writer"
EMAIL = "zq.secret@mail.example"
# What would give the writer away: none of it may reach a colleague who may not know.
SECRETS = (USERNAME, "Zubaida", "Qutaybi-Secret", EMAIL)
PEN_NAME = "أبو الورد"
MASK = "«أبو الورد» (اسم مستعار)"


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def page_text(response) -> str:
    """Return the page as shown, without the corner that names the signed-in person."""
    tree = html.fromstring(response.content.decode())
    for corner in tree.xpath("//*[@id='user-tools']"):
        corner.getparent().remove(corner)
    return html.tostring(tree, encoding="unicode")


def assert_hidden(response, where: str) -> None:
    text = response.content.decode()
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} shown on {where}"


def assert_named(response, where: str) -> None:
    assert "Qutaybi-Secret" in page_text(response), f"the writer is not named on {where}"


@pytest.fixture
def newsroom():
    """A pen name linked to a journalist, an article they wrote under it through the
    admin (with a preview link), submitted, then published by an editor; and an
    article they signed with their own name."""
    writer = get_user_model().objects.create_user(
        USERNAME,
        email=EMAIL,
        first_name="Zubaida",
        last_name="Qutaybi-Secret",
        password="a-long-test-password",
        is_staff=True,
    )
    writer.groups.add(Group.objects.get(name=roles.JOURNALIST))
    editor = staff(roles.EDITOR)
    administrator = staff(roles.ADMINISTRATOR)
    pen_name = make_author(
        name_ar=PEN_NAME, name_en="Abu al-Ward", is_pen_name=True, account=writer
    )
    section = make_section(slug="news")
    clients = {
        "writer": sign_in(Client(), writer),
        "editor": sign_in(Client(), editor),
        "administrator": sign_in(Client(), administrator),
    }
    add = reverse("admin:articles_article_add")
    draft = new_draft(section=section.pk, body_ar="<p>نص الخبر.</p>", source_ar="SY24")
    response = clients["writer"].post(
        add, {**draft, "title_ar": "انقطاع الخبز في ريف حلب", "bylines": [pen_name.pk]}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(title_ar="انقطاع الخبز في ريف حلب")
    preview = reverse("admin:articles_article_previewlink_add", args=[article.pk])
    assert clients["writer"].post(preview).status_code == 302
    submitted = clients["writer"].post(
        change_url(article), form_data(article, bylines=[pen_name.pk], _submit_review="1")
    )
    assert submitted.status_code == 302, submitted.content.decode()[:3000]
    published = clients["editor"].post(
        change_url(article), form_data(article, bylines=[pen_name.pk], _publish="1")
    )
    assert published.status_code == 302, published.content.decode()[:3000]
    response = clients["writer"].post(add, {**draft, "title_ar": "مقال باسم كاتبته"})
    assert response.status_code == 302
    own = Article.objects.get(title_ar="مقال باسم كاتبته")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.created_by == writer and list(article.authors.all()) == [writer]
    assert Version.objects.get_for_object(article).count() >= 3
    assert PenNameCover.objects.filter(article=article, account=writer).exists()
    return SimpleNamespace(
        writer=writer,
        editor=editor,
        administrator=administrator,
        pen_name=pen_name,
        article=article,
        own=own,
        clients=clients,
    )


def pages_about(article) -> dict[str, str]:
    """Return every staff page about ``article``, by what it is."""
    versions = list(Version.objects.get_for_object(article))
    activity = ArticleActivity.objects.filter(article=article).order_by("pk").first()
    pages = {
        "change page": change_url(article),
        "history": reverse("admin:articles_article_history", args=[article.pk]),
        "compare page": reverse("admin:articles_article_compare", args=[article.pk])
        + f"?old={versions[-1].pk}&new={versions[0].pk}",
        "article list": reverse("admin:articles_article_changelist"),
        "activity log": reverse("admin:articles_articleactivity_changelist")
        + f"?article__id__exact={article.pk}",
        "activity line": reverse("admin:articles_articleactivity_change", args=[activity.pk]),
    }
    for version in versions:
        pages[f"revision {version.pk}"] = reverse(
            "admin:articles_article_revision", args=[article.pk, version.pk]
        )
    return pages


def test_colleagues_read_the_writer_as_the_pen_name_on_every_staff_page(newsroom):
    coauthor = staff(roles.JOURNALIST)
    newsroom.article.authors.add(coauthor)
    coauthor_client = sign_in(Client(), coauthor)
    pages = {**pages_about(newsroom.article), "dashboard": reverse("admin:index")}

    for where, url in pages.items():
        response = newsroom.clients["editor"].get(url)
        assert response.status_code == 200, where
        assert_hidden(response, f"the editor's {where}")
        response = coauthor_client.get(url)
        assert response.status_code in (200, 403), where  # a published article's revisions
        assert_hidden(response, f"the co-author's {where}")

    change = newsroom.clients["editor"].get(pages["change page"]).content.decode()
    assert MASK in change  # as its creator, among the authors, in the activity log
    assert 'name="authors"' not in change
    history = newsroom.clients["editor"].get(pages["history"]).content.decode()
    assert MASK in history
    compare = newsroom.clients["editor"].get(pages["compare page"]).content.decode()
    assert MASK in compare
    with translation.override("en"):
        in_english = pages_about(newsroom.article)
    for where in ("change page", "history", "activity log"):
        english = newsroom.clients["editor"].get(in_english[where], HTTP_ACCEPT_LANGUAGE="en")
        assert english.status_code == 200, where
        assert "“Abu al-Ward” (pen name)" in english.content.decode(), where
        assert_hidden(english, f"the editor's {where} in English")


def test_administrators_and_the_writer_see_the_name_on_the_same_pages(newsroom):
    pages = pages_about(newsroom.article)

    for where, url in pages.items():
        response = newsroom.clients["administrator"].get(url)
        assert response.status_code == 200, where
        assert_named(response, f"the administrator's {where}")
        response = newsroom.clients["writer"].get(url)
        if where == "article list":
            continue  # the writer's list filters by byline, not by account: no names
        if response.status_code == 403:  # revisions of a published article: not theirs
            continue
        assert_named(response, f"the writer's {where}")
    assert (
        'name="authors"'
        in newsroom.clients["administrator"].get(pages["change page"]).content.decode()
    )


def test_a_list_filtered_by_the_writer_leaves_out_the_covered_article(newsroom):
    lookups = ["authors__id__exact", "authors", "created_by__id__exact", "created_by_id"]
    for lookup in lookups:
        url = reverse("admin:articles_article_changelist") + f"?{lookup}={newsroom.writer.pk}"

        as_editor = newsroom.clients["editor"].get(url)
        as_administrator = newsroom.clients["administrator"].get(url)

        assert as_editor.status_code == 200, lookup
        assert list(as_editor.context["cl"].result_list) == [newsroom.own], lookup
        assert_hidden(as_editor, f"the list filtered by {lookup}")
        assert set(as_administrator.context["cl"].result_list) == {newsroom.own, newsroom.article}


def test_the_activity_log_filtered_by_the_writer_leaves_out_the_covered_article(newsroom):
    url = reverse("admin:articles_articleactivity_changelist")

    as_editor = newsroom.clients["editor"].get(url, {"actor__id__exact": newsroom.writer.pk})
    as_writer = newsroom.clients["writer"].get(url, {"actor": newsroom.writer.pk})

    assert as_editor.status_code == 200
    assert {row.article for row in as_editor.context["cl"].result_list} == {newsroom.own}
    assert MASK not in as_editor.content.decode()  # only the writer's own article's lines
    assert {row.article for row in as_writer.context["cl"].result_list} == {
        newsroom.own,
        newsroom.article,
    }


ODD_FILTERS = [
    "authors__id__exact=abc",
    "authors__isnull=False",
    "authors__id__in=1,x",
    "updated_by__id__in=",
    "authors__username=zq_hidden_writer",
    "created_by__email__contains=zq",
]


def test_odd_filters_by_account_never_fail_nor_reveal(newsroom):
    for query in ODD_FILTERS:
        for name, field in (("article", "authors"), ("articleactivity", "actor")):
            url = reverse(f"admin:articles_{name}_changelist") + "?"
            url += query.replace("authors", field)
            response = newsroom.clients["editor"].get(url)
            assert response.status_code in (200, 302, 400), url
            if response.status_code == 200:
                shown = {getattr(row, "article", row) for row in response.context["cl"].result_list}
                assert newsroom.article not in shown, url


def test_the_history_of_the_articles_quotes_names_the_writer_by_the_pen_name(newsroom):
    quote = make_quote(article=newsroom.article)
    with reversion.create_revision():
        reversion.set_user(newsroom.writer)
        quote.save()
    history = reverse("admin:articles_quote_history", args=[quote.pk])

    as_editor = newsroom.clients["editor"].get(history)
    as_administrator = newsroom.clients["administrator"].get(history)

    assert as_editor.status_code == 200
    assert MASK in as_editor.content.decode()
    assert_hidden(as_editor, "the quote's history")
    assert_named(as_administrator, "the quote's history, to an administrator")


def test_removing_the_pen_name_from_the_byline_keeps_the_writer_masked(newsroom):
    editor = newsroom.clients["editor"]
    article = newsroom.article

    response = editor.post(change_url(article), form_data(article, bylines=[]))

    assert response.status_code == 302
    assert not article.bylines.exists()
    for where, url in pages_about(article).items():
        assert_hidden(editor.get(url), f"{where}, the byline removed")
    assert MASK in editor.get(change_url(article)).content.decode()


def test_an_editor_saving_a_crafted_authors_list_keeps_the_stored_authors(newsroom):
    article = newsroom.article
    data = form_data(article, bylines=[newsroom.pen_name.pk], authors=[newsroom.editor.pk])

    response = newsroom.clients["editor"].post(change_url(article), data)

    assert response.status_code == 302
    assert list(article.authors.all()) == [newsroom.writer]


def test_a_stale_save_names_the_writer_by_the_pen_name(newsroom):
    article = newsroom.article
    opened = form_data(article, bylines=[newsroom.pen_name.pk])
    article.updated_by = newsroom.writer
    article.edit_version += 1
    Article.objects.filter(pk=article.pk).update(
        updated_by=newsroom.writer, edit_version=article.edit_version
    )

    response = newsroom.clients["editor"].post(change_url(article), opened)

    assert response.status_code == 200
    assert MASK in response.content.decode()
    assert_hidden(response, "the stale-save refusal")


def post_over_the_writers_quote(newsroom, client, quote):
    """Open the article's change page, let the writer save its quote, then post the
    page with the quote changed, as a browser would; return the answer."""
    opened = client.get(change_url(newsroom.article))
    (form,) = [
        f for f in html.fromstring(opened.content.decode()).forms if f.get("id") == "article_form"
    ]
    data: dict[str, list] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    data["quotes-0-text_ar"] = ["قول المحرر"]
    quote.text_ar += " (كما حفظته الكاتبة)"
    with reversion.create_revision():
        reversion.set_user(newsroom.writer)
        quote.save()
    return client.post(change_url(newsroom.article), data)


def test_a_stale_quote_names_who_saved_it_by_the_pen_name(newsroom):
    quote = make_quote(article=newsroom.article, text_ar="قول أول")

    as_editor = post_over_the_writers_quote(newsroom, newsroom.clients["editor"], quote)
    as_administrator = post_over_the_writers_quote(
        newsroom, newsroom.clients["administrator"], quote
    )

    assert as_editor.status_code == 200
    assert as_editor.context["stale_conflicts"], "the quote's save is refused as stale"
    assert MASK in as_editor.content.decode()
    assert_hidden(as_editor, "the stale quote's refusal")
    assert as_administrator.context["stale_conflicts"]
    assert USERNAME in as_administrator.content.decode()


def test_linking_a_pen_name_covers_the_articles_it_signs(newsroom):
    other = get_user_model().objects.create_user("second_writer", is_staff=True)
    unlinked = make_author(name_ar="قلم آخر", is_pen_name=True)
    article = make_article(created_by=other, updated_by=other)
    article.bylines.add(unlinked)
    assert not PenNameCover.objects.filter(article=article).exists()

    unlinked.account = other
    unlinked.save()

    assert PenNameCover.objects.filter(article=article, account=other, profile=unlinked).exists()
    public = make_author(name_ar="اسم علني", account=other)
    plain = make_article()
    plain.bylines.add(public)
    assert not PenNameCover.objects.filter(article=plain).exists()


def test_the_migration_covers_what_linked_pen_names_sign():
    writer = get_user_model().objects.create_user("third_writer", is_staff=True)
    pen_name = make_author(name_ar="قلم ثالث", is_pen_name=True, account=writer)
    article = make_article()
    article.bylines.add(pen_name)
    PenNameCover.objects.all().delete()
    migration = importlib.import_module("articles.migrations.0019_pen_name_covers")

    migration.cover_signed_articles(django_apps, None)
    migration.cover_signed_articles(django_apps, None)  # twice: nothing doubled

    (covered,) = PenNameCover.objects.all()
    assert (covered.article, covered.account, covered.profile) == (article, writer, pen_name)


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_no_link_between_the_covered_article_and_its_writer_and_restores(
    roles_exist, migration_rows, newsroom, tmp_path
):
    from articles.tests.test_body_media import body_image

    article, writer = newsroom.article, newsroom.writer
    assert LogEntry.objects.filter(user=writer, object_id=str(article.pk)).exists()
    # A picture the writer put in the covered article's text, and one they did not.
    in_text, elsewhere = body_image(uploaded_by=writer), body_image(uploaded_by=writer)
    Article.objects.filter(pk=article.pk).update(
        body_ar=f'<p>نص.</p><figure data-body-image="{in_text.pk}"><img alt="صورة"></figure>'
    )

    archive, manifest = backups.create_backup(tmp_path / "out")

    with tarfile.open(archive) as tar:
        rows = json.load(tar.extractfile(backups.DATABASE_FILE))
    by_model: dict[str, list] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    articles = {row["pk"]: row["fields"] for row in by_model["articles.article"]}
    covered = articles[article.pk]
    assert [USERNAME] not in covered["authors"]
    assert covered["created_by"] != [USERNAME] and covered["updated_by"] != [USERNAME]
    assert [USERNAME] in articles[newsroom.own.pk]["authors"]  # not a pen name's: kept
    assert articles[newsroom.own.pk]["created_by"] == [USERNAME]
    assert "articles.pennamecover" not in by_model
    for row in by_model["articles.articleactivity"]:
        if row["fields"]["article"] == article.pk:
            assert row["fields"]["actor"] != [USERNAME]
    for row in by_model["articles.previewlink"]:
        assert row["fields"]["created_by"] != [USERNAME]
    holding = {
        row["fields"]["revision"]
        for row in by_model["reversion.version"]
        if row["fields"]["object_id"] == str(article.pk)
        and row["fields"]["content_type"] == ["articles", "article"]
    }
    assert holding
    for row in by_model["reversion.revision"]:
        if row["pk"] in holding:
            assert row["fields"]["user"] != [USERNAME]
    for row in by_model["reversion.version"]:
        if row["fields"]["object_id"] == str(article.pk) and row["fields"]["content_type"] == [
            "articles",
            "article",
        ]:
            (data,) = json.loads(row["fields"]["serialized_data"])
            assert writer.pk not in data["fields"]["authors"]
            assert writer.pk not in (data["fields"]["created_by"], data["fields"]["updated_by"])
    for row in by_model.get("admin.logentry", []):
        fields = row["fields"]
        if fields["content_type"] == ["articles", "article"] and fields["object_id"] == str(
            article.pk
        ):
            assert fields["user"] != [USERNAME]

    uploaded = {row["pk"]: row["fields"]["uploaded_by"] for row in by_model["articles.bodyimage"]}
    assert uploaded == {in_text.pk: None, elsewhere.pk: [USERNAME]}

    folder = tmp_path / "unpacked"
    folder.mkdir()
    unpacked = backups.unpack(archive, folder)
    backups.restore_backup(folder, unpacked, force=True)

    restored = Article.objects.get(pk=article.pk)
    assert restored.title_ar == article.title_ar
    assert list(restored.bylines.all()) == [AuthorProfile.objects.get(pk=newsroom.pen_name.pk)]
    assert not restored.authors.exists() and restored.created_by is None
    assert AuthorProfile.objects.get(pk=newsroom.pen_name.pk).account is None
    assert Article.objects.get(pk=newsroom.own.pk).created_by.username == USERNAME
    assert Version.objects.get_for_object(restored).count() >= 3
    assert not Revision.objects.filter(
        user__username=USERNAME, version__object_id=str(article.pk)
    ).exists()
    assert not PreviewLink.objects.filter(created_by__username=USERNAME).exists()
    assert manifest["database"]["rows"]["articles.pennamecover"] == 0
