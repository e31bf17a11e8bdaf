"""The write side: each action checks its actor, saves once, keeps a revision, logs one
line and refreshes the pages readers see; and a publish click in the admin is one action."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html
from reversion.models import Version

from articles import sanitizing
from articles.caching import pagecache
from articles.models import Article, ArticleActivity
from articles.tests.factories import make_article, make_section, make_tag
from articles.tests.signin import sign_in
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db
Status = Article.Status


def staff_member(role: str, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or role.lower(), password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def journalist():
    return staff_member(roles.JOURNALIST)


@pytest.fixture
def editor():
    return staff_member(roles.EDITOR)


@pytest.fixture
def draft(journalist):
    return make_article(status=Status.DRAFT, created_by=journalist, title_ar="مسودة")


@pytest.fixture
def saves(monkeypatch):
    """Count the saves of articles (post_save signals), as the database sees them."""
    counted = []

    def count(sender, **kwargs):
        counted.append(kwargs["instance"].pk)

    post_save.connect(count, sender=Article, dispatch_uid="test-count-saves")
    yield counted
    post_save.disconnect(dispatch_uid="test-count-saves", sender=Article)


def log_of(article) -> list[tuple[str, str]]:
    return list(
        ArticleActivity.objects.filter(article=article)
        .order_by("at", "pk")
        .values_list("action", "actor__username")
    )


# --- each transition, as the write side runs it -------------------------------------------


def test_a_journalist_submits_their_draft_once_saved_revised_and_logged(journalist, draft, saves):
    versions = Version.objects.get_for_object(draft).count()

    actions.SubmitForReview(draft, actor=journalist).execute()

    draft.refresh_from_db()
    assert draft.status == Status.REVIEW
    assert saves == [draft.pk]
    assert log_of(draft) == [("submitted", "journalist")]
    newest = Version.objects.get_for_object(draft).first()
    assert Version.objects.get_for_object(draft).count() == versions + 1
    assert newest.revision.user == journalist
    # The revision says what was done in each reader's language, whoever did it in which.
    assert newest.revision.get_comment() == "أُرسل للمراجعة"
    with translation.override("en"):
        assert newest.revision.get_comment() == "Submitted for review"


def test_only_a_draft_is_submitted(journalist, draft):
    actions.SubmitForReview(draft, actor=journalist).execute()

    with pytest.raises(ValidationError, match="المسودة"):
        actions.SubmitForReview(draft, actor=journalist).execute()


def test_an_editor_returns_an_article_in_review_to_its_author(editor, journalist, draft):
    actions.SubmitForReview(draft, actor=journalist).execute()

    actions.ReturnToDraft(draft, actor=editor).execute()

    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT
    assert log_of(draft)[-1] == ("returned", "editor")
    with pytest.raises(ValidationError):
        actions.ReturnToDraft(draft, actor=editor).execute()


@pytest.mark.parametrize(
    "action",
    [actions.Publish, actions.Unpublish, actions.Archive, actions.ReturnToDraft],
)
def test_a_journalist_takes_no_editors_action_and_nothing_changes(journalist, draft, action):
    before = Article.objects.get(pk=draft.pk)

    with pytest.raises(PermissionDenied):
        action(draft, actor=journalist).execute()

    after = Article.objects.get(pk=draft.pk)
    assert (after.status, after.edit_version) == (before.status, before.edit_version)
    assert log_of(draft) == []


def test_a_journalist_cannot_submit_a_colleagues_draft(draft):
    colleague = staff_member(roles.JOURNALIST, "colleague")

    with pytest.raises(PermissionDenied):
        actions.SubmitForReview(draft, actor=colleague).execute()


def test_publishing_shows_the_article_at_once_and_refreshes_cached_pages(client, editor, draft):
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"

    actions.Publish(draft, actor=editor).execute()

    assert Article.objects.get(pk=draft.pk).is_live
    assert "مسودة" in client.get("/").content.decode()
    assert log_of(draft) == [("published", "editor")]
    with pytest.raises(ValidationError, match="منشور أصلاً"):
        actions.Publish(draft, actor=editor).execute()


def test_scheduling_waits_for_the_time_and_refuses_the_past(editor, draft):
    with pytest.raises(ValidationError, match="في المستقبل"):
        actions.Schedule(draft, actor=editor, at=timezone.now() - timedelta(minutes=1)).execute()
    at = timezone.now() + timedelta(hours=2)

    actions.Schedule(draft, actor=editor, at=at).execute()

    article = Article.objects.get(pk=draft.pk)
    assert (article.status, article.published_at, article.is_live) == (Status.PUBLISHED, at, False)
    assert log_of(draft) == [("scheduled", "editor")]


def test_unpublishing_takes_the_article_off_the_site(client, editor):
    article = make_article(title_ar="خبر سيُسحب")
    assert client.get(article.get_absolute_url()).status_code == 200

    actions.Unpublish(article, actor=editor).execute()

    assert client.get(article.get_absolute_url()).status_code == 404
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT
    with pytest.raises(ValidationError):
        actions.Unpublish(article, actor=editor).execute()


def test_archiving_retires_the_article_once(client, editor):
    article = make_article()

    actions.Archive(article, actor=editor).execute()

    assert client.get(article.get_absolute_url()).status_code == 404
    with pytest.raises(ValidationError, match="مؤرشف أصلاً"):
        actions.Archive(article, actor=editor).execute()


def test_restoring_a_revision_brings_back_the_text_and_keeps_the_publication(editor):
    article = make_article(title_ar="العنوان المنشور")
    published_at = article.published_at
    article.title_ar = "نص قديم"  # as reversion reads an earlier version back into it
    article.status = Status.DRAFT

    actions.RestoreRevision(
        article, actor=editor, kept={"status": Status.PUBLISHED, "published_at": published_at}
    ).execute()

    article = Article.objects.get(pk=article.pk)
    assert (article.title_ar, article.status, article.published_at) == (
        "نص قديم",
        Status.PUBLISHED,
        published_at,
    )
    assert log_of(article) == [("restored", "editor")]


def test_deleting_is_for_editors_and_leaves_a_line_in_the_log(editor, journalist, draft):
    with pytest.raises(PermissionDenied):
        actions.delete_article(article=draft, actor=journalist)

    actions.delete_article(article=draft, actor=editor)

    assert not Article.objects.filter(pk=draft.pk).exists()
    line = ArticleActivity.objects.get(action="deleted")
    assert (line.article_title, line.actor) == ("مسودة", editor)


def test_a_new_article_is_saved_once_with_its_tags_in_its_search_text(journalist, saves):
    tag = make_tag(name_ar="الرقة")
    article = Article(title_ar="خبر جديد", body_ar="<p>نص</p>", section=make_section())

    actions.ArticleAction(article, actor=journalist).execute(
        tags=[tag], save_related=lambda saved: saved.tags.set([tag])
    )

    saved = Article.objects.get(pk=article.pk)
    assert saves == [article.pk]
    assert "الرقه" in saved.search_ar
    assert (saved.created_by, saved.updated_by) == (journalist, journalist)
    assert log_of(saved) == [("created", "journalist")]


# --- a publish click in the admin -----------------------------------------------------------


def form_fields(page: str) -> dict:
    """Return what the article form posts as the browser would send it, unchanged."""
    form = html.fromstring(page).get_element_by_id("article_form")
    data = {}
    for element in form.xpath(".//input|.//textarea|.//select"):
        name, kind = element.get("name"), element.get("type", "")
        if not name or kind in ("submit", "file", "button"):
            continue
        if kind == "checkbox":
            if element.get("checked") is not None:
                data[name] = element.get("value", "on")
        elif element.tag == "select":
            chosen = [option.get("value") for option in element.xpath(".//option[@selected]")]
            if element.get("multiple") is not None:
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
        elif element.tag == "textarea":
            data[name] = element.text or ""
        else:
            data[name] = element.get("value", "")
    return data


def test_a_publish_click_saves_once_sanitizes_once_and_logs_once_in_few_queries(
    seed_report, editor, saves, monkeypatch
):
    """The seed report (two quotes, five tags), sent for review, then published from its
    form by an editor: the whole click, sign-in checks and revision included."""
    Article.objects.filter(pk=seed_report.pk).update(status=Status.REVIEW)
    client = sign_in(Client(), editor)
    url = reverse("admin:articles_article_change", args=[seed_report.pk])
    data = form_fields(client.get(url).content.decode()) | {"_publish": "1"}
    sanitized = []
    sanitize = sanitizing.sanitize_html
    monkeypatch.setattr(
        "articles.models.sanitize_html", lambda text: sanitized.append(text) or sanitize(text)
    )
    saves.clear()
    logged = ArticleActivity.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)

    assert response.status_code == 302
    assert Article.objects.get(pk=seed_report.pk).is_live
    assert saves == [seed_report.pk]
    assert len(sanitized) == 2  # the Arabic body and the English one, once each
    assert ArticleActivity.objects.count() == logged + 1
    assert log_of(seed_report)[-1] == ("published", "editor")
    # 26: one prefetch per relation the form edits (tags, staff authors, bylines, related).
    assert len(queries) <= 26, "\n".join(query["sql"][:100] for query in queries)


def test_a_publish_click_that_does_not_apply_keeps_the_text_and_says_why(editor):
    article = make_article(title_ar="منشور من قبل")
    client = sign_in(Client(), editor)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_fields(client.get(url).content.decode())
    data |= {"_publish": "1", "title_ar": "عنوان عدّلته للتو"}

    response = client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "عنوان عدّلته للتو" in page
    assert "هذا المقال منشور أصلاً." in page
    assert Article.objects.get(pk=article.pk).title_ar == "منشور من قبل"


def test_a_cached_page_is_refreshed_by_an_admin_publish(client, editor, draft):
    client.get("/")
    editor_client = sign_in(Client(), editor)
    url = reverse("admin:articles_article_change", args=[draft.pk])
    data = form_fields(editor_client.get(url).content.decode()) | {"_publish": "1"}

    editor_client.post(url, data)

    assert "مسودة" in client.get("/").content.decode()
    assert pagecache.page_cache() is not None
