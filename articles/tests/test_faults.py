"""Faults: an error in the middle of a save leaves nothing half-saved.

Each test posts what staff post (the real admin forms, inlines included) while a
failure is injected at one point of the save, in transaction mode so that commits and
rollbacks are the database's own. Afterwards the article, its quotes, corrections and
tags, the revisions and the activity log are exactly as before, the user has seen an
error page rather than a success, and the same save, made again, goes through.
"""

import hashlib
from contextlib import contextmanager

import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.db import DatabaseError
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.test import Client
from django.urls import reverse
from reversion.models import Revision, Version

from articles.models import Article, ArticleActivity, Correction, Quote
from articles.tests.factories import make_article, make_correction, make_quote, make_tag
from articles.tests.signin import sign_in
from articles.tests.test_escalation import form_body
from articles.writing import actions
from staff import roles

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles_exist")]
Status = Article.Status
ERROR_PAGE = "حدث خطأ ما"  # "Something went wrong", the 500 page's heading


@pytest.fixture
def editor():
    user = get_user_model().objects.create_user(
        username="editor", password="a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return user


@pytest.fixture
def browser(editor):
    """The editor's browser: a server error comes back as the page they would see."""
    return sign_in(Client(raise_request_exception=False), editor)


@pytest.fixture
def story(editor):
    """A draft with two quotes, a correction and two tags, and a revision of it all."""
    article = make_article(status=Status.DRAFT, created_by=editor, title_ar="العنوان المحفوظ")
    make_quote(article=article, position=1, text_ar="القول الأول")
    make_quote(article=article, position=2, text_ar="القول الثاني")
    make_correction(article=article)
    article.tags.set([make_tag(), make_tag()])
    with reversion.create_revision():
        reversion.add_to_revision(article)  # the article with its quotes and correction
    return article


def saved_state() -> str:
    """Return a digest of every row a save of an article may write."""
    digest = hashlib.sha256()
    for model in (
        Article,
        Article.tags.through,
        Quote,
        Correction,
        Revision,
        Version,
        ArticleActivity,
        LogEntry,
    ):
        rows = model._default_manager.order_by("pk")
        digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()


@contextmanager
def failing(signal, sender, when=lambda **kwargs: True):
    """Raise a database error from ``signal`` the first time ``when`` says so."""
    seen = []

    def fail(**kwargs):
        if when(**kwargs):
            seen.append(kwargs)
            raise DatabaseError("injected failure")

    signal.connect(fail, sender=sender, weak=False, dispatch_uid="test-faults")
    try:
        yield seen
    finally:
        signal.disconnect(sender=sender, dispatch_uid="test-faults")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def edited_form(browser, article, **changes):
    """Return the change form as the browser would send it after the editor's edits:
    a new headline, both quotes reworded, a correction added and one tag swapped."""
    body = form_body(browser.get(change_url(article)))
    body.update(
        {
            "title_ar": ["العنوان الجديد"],
            "quotes-0-text_ar": ["القول الأول معدلًا"],
            "quotes-1-text_ar": ["القول الثاني معدلًا"],
            "corrections-TOTAL_FORMS": ["2"],
            "corrections-1-text_ar": ["تصحيح جديد"],
            "corrections-1-published_at_0": ["2026-05-12"],
            "corrections-1-published_at_1": ["14:05:00"],
            "tags": [body["tags"][0], str(make_tag().pk)],
        }
    )
    body.update({name: [value] for name, value in changes.items()})
    return body


def assert_saved_cleanly(browser, article, body):
    response = browser.post(change_url(article), body)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    assert article.title_ar == "العنوان الجديد"
    assert sorted(article.quotes.values_list("text_ar", flat=True)) == [
        "القول الأول معدلًا",
        "القول الثاني معدلًا",
    ]
    assert article.corrections.count() == 2
    assert body["tags"][1] in {str(pk) for pk in article.tags.values_list("pk", flat=True)}
    assert article.activity.filter(action=ArticleActivity.Action.EDITED).exists()
    assert article.body_ar.startswith("<p>نص المقال رقم")  # untouched Arabic comes back intact


def article_was_saved_in_the_transaction(article_id):
    """Say whether the article's new headline is already written (the failure is
    mid-save, not before it)."""
    return Article.objects.filter(pk=article_id, title_ar="العنوان الجديد").exists()


# --- the admin change form -----------------------------------------------------------------


def second_quote(instance, **kwargs):
    return instance.text_ar == "القول الثاني معدلًا"


def any_revision(**kwargs):
    return True


def edit_logged(instance, **kwargs):
    return instance.action == ArticleActivity.Action.EDITED


def tags_changing(action, **kwargs):
    return action.startswith("pre_")


FAULTS = {
    "second quote": (pre_save, Quote, second_quote),
    "revision": (post_save, Revision, any_revision),
    "activity log": (pre_save, ArticleActivity, edit_logged),
    "tags": (m2m_changed, Article.tags.through, tags_changing),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failure_mid_save_leaves_the_article_as_it_was(browser, story, fault):
    body = edited_form(browser, story)
    before = saved_state()
    signal, sender, when = FAULTS[fault]
    midway = []

    def when_midway(**kwargs):
        if when(**kwargs):
            midway.append(article_was_saved_in_the_transaction(story.pk))
            return True
        return False

    with failing(signal, sender, when_midway):
        response = browser.post(change_url(story), body)

    assert midway == [True]  # the article's row was written when the failure struck
    assert response.status_code == 500
    assert ERROR_PAGE in response.content.decode()
    assert saved_state() == before
    story.refresh_from_db()
    assert story.title_ar == "العنوان المحفوظ"
    assert sorted(story.quotes.values_list("text_ar", flat=True)) == ["القول الأول", "القول الثاني"]
    assert_saved_cleanly(browser, story, body)


def test_a_failure_while_adding_an_article_creates_nothing(browser, story):
    body = edited_form(browser, story)
    # The same text posted as a new article, its quotes and correction as new rows.
    for prefix in ("quotes-0", "quotes-1", "corrections-0"):
        body[f"{prefix}-id"] = body[f"{prefix}-article"] = [""]
    body.update({"quotes-INITIAL_FORMS": ["0"], "corrections-INITIAL_FORMS": ["0"]})
    body["corrections-TOTAL_FORMS"] = ["1"]
    body["corrections-0-text_ar"] = ["تصحيح جديد"]
    body["opened_version"] = [""]
    articles_before = Article.objects.count()
    before = saved_state()

    with failing(pre_save, Quote, second_quote) as failures:
        response = browser.post(reverse("admin:articles_article_add"), body)

    assert failures and response.status_code == 500
    assert saved_state() == before
    response = browser.post(reverse("admin:articles_article_add"), body)
    assert response.status_code == 302
    assert Article.objects.count() == articles_before + 1
    assert Quote.objects.filter(text_ar="القول الثاني معدلًا").count() == 1


# --- the workflow ----------------------------------------------------------------------------


def publication_logged(instance, **kwargs):
    return instance.action == ArticleActivity.Action.PUBLISHED


def test_a_failure_while_publishing_from_the_form_publishes_nothing(browser, story, client):
    body = edited_form(browser, story, _publish="1")
    before = saved_state()

    with failing(pre_save, ArticleActivity, publication_logged) as failures:
        response = browser.post(change_url(story), body)

    assert failures and response.status_code == 500
    assert ERROR_PAGE in response.content.decode()
    assert saved_state() == before
    assert client.get(f"/articles/{story.pk}/").status_code == 404
    assert browser.post(change_url(story), body).status_code == 302
    story.refresh_from_db()
    assert story.is_live
    assert client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "fault",
    [
        (pre_save, ArticleActivity, publication_logged),
        (post_save, Revision, any_revision),
    ],
    ids=["activity log", "revision"],
)
def test_the_publish_service_failing_midway_leaves_the_article_unpublished(editor, fault):
    article = make_article(status=Status.REVIEW, title_ar="بانتظار النشر")
    before = saved_state()

    with failing(*fault) as failures, pytest.raises(DatabaseError):
        actions.Publish(article, actor=editor).execute()

    assert failures
    assert saved_state() == before
    assert not Article.objects.published().filter(pk=article.pk).exists()
    actions.Publish(Article.objects.get(pk=article.pk), actor=editor).execute()
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_a_bulk_publish_that_fails_on_one_article_publishes_none(browser, client):
    queue = [make_article(status=Status.REVIEW, title_ar=f"خبر {n}") for n in range(3)]
    changelist = reverse("admin:articles_article_changelist")
    action = {"action": "publish_selected", "_selected_action": [a.pk for a in queue]}
    before = saved_state()
    published = []

    def second_publication(instance, **kwargs):
        if instance.action == ArticleActivity.Action.PUBLISHED:
            published.append(instance.article_id)
        return len(published) == 2

    with failing(pre_save, ArticleActivity, second_publication) as failures:
        response = browser.post(changelist, action)

    assert failures and response.status_code == 500
    assert ERROR_PAGE in response.content.decode()
    assert saved_state() == before
    assert Article.objects.published().count() == 0
    for article in queue:
        assert client.get(f"/articles/{article.pk}/").status_code == 404

    done = browser.post(changelist, action, follow=True)
    assert Article.objects.published().count() == 3
    assert "3" in " ".join(str(message) for message in done.context["messages"])


# --- revisions -------------------------------------------------------------------------------


def test_a_restore_that_fails_is_reported_and_logged_as_nothing(browser, story):
    old = Version.objects.get_for_object(story).last()
    Version.objects.filter(pk=old.pk).update(serialized_data="[not json")
    before = saved_state()

    response = browser.post(
        reverse("admin:articles_article_revision", args=[story.pk, old.pk]),
        form_body(browser.get(change_url(story))),
        follow=True,
    )

    assert response.status_code == 200
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert [level for level, _text in messages] == ["error"]
    assert saved_state() == before
    assert not story.activity.filter(action=ArticleActivity.Action.RESTORED).exists()


def test_a_recovery_that_fails_brings_back_nothing(browser, story):
    pk = story.pk
    browser.post(reverse("admin:articles_article_delete", args=[pk]), {"post": "yes"})
    assert not Article.objects.filter(pk=pk).exists()
    version = Version.objects.get_deleted(Article).get(object_id=str(pk))
    recover = reverse("admin:articles_article_recover", args=[version.pk])
    body = form_body(browser.get(recover))
    before = saved_state()

    with failing(post_save, Revision) as failures:
        response = browser.post(recover, body)

    assert failures and response.status_code == 500
    assert saved_state() == before
    assert not Article.objects.filter(pk=pk).exists()
    assert browser.post(recover, body).status_code == 302
    assert Article.objects.get(pk=pk).quotes.count() == 2
    assert Article.objects.get(pk=pk).activity.filter(action="recovered").exists()
