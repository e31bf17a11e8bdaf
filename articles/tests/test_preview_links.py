"""Outside preview links: made only by those who may publish, recorded, listed, revocable,
and dead as soon as the article is published, archived or the link revoked."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleActivity, PreviewLink
from articles.tests.factories import make_article
from articles.tests.signin import sign_in
from articles.tests.test_editorial import form_data
from articles.writing import actions
from staff import roles

pytestmark = pytest.mark.django_db
Status = Article.Status
PASSWORD = "a-long-test-password"


def make_staff(role, username, **names):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, **names
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def people():
    return {
        "journalist": make_staff(roles.JOURNALIST, "journalist", first_name="Lina"),
        "colleague": make_staff(roles.JOURNALIST, "colleague"),
        "editor": make_staff(roles.EDITOR, "editor", first_name="Hadi", last_name="Salem"),
    }


@pytest.fixture
def draft(people):
    return make_article(
        status=Status.DRAFT, created_by=people["colleague"], title_ar="مسودة الزميل السرية"
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def add_url(article):
    return reverse("admin:articles_article_previewlink_add", args=[article.pk])


def revoke_url(article):
    return reverse("admin:articles_article_previewlink_revoke", args=[article.pk])


def shown_link(page) -> str:
    """Return the path of the new link the change page shows its maker, once."""
    found = re.search(
        r'class="new-preview-link">.*?value="http://testserver(/preview/[^"]+)"',
        page.content.decode(),
        re.S,
    )
    assert found, "the new link is not shown"
    return found.group(1)


def create_through_admin(client, article) -> str:
    """Press "Create a preview link" on the change page; return the link it shows."""
    response = client.post(add_url(article), follow=True)
    assert response.status_code == 200
    return shown_link(response)


def create(article, actor) -> str:
    _link, token = actions.CreatePreviewLink(article, actor=actor).execute()
    return reverse("articles:preview", kwargs={"token": token})


def outside_section(page) -> str:
    """Return the change page's section about outside preview links ("" if none)."""
    found = re.search(r'<section[^>]*id="preview-links".*?</section>', page.content.decode(), re.S)
    return found.group(0) if found else ""


# --- the editor's round trip ----------------------------------------------------------------


def test_an_editor_creates_a_link_that_shows_the_draft_to_a_reader_without_an_account(
    people, draft
):
    editor = sign_in(Client(), people["editor"])
    page = editor.get(change_url(draft))
    assert "إنشاء رابط معاينة" in outside_section(page)  # "Create a preview link"

    response = editor.post(add_url(draft), follow=True)
    path = shown_link(response)
    messages = " ".join(str(message) for message in response.context["messages"])
    assert "انسخه الآن" in messages

    opened = Client().get(path)
    assert opened.status_code == 200
    assert "مسودة الزميل السرية" in opened.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in opened.content.decode()
    assert opened["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in opened["Cache-Control"] and "private" in opened["Cache-Control"]
    assert "X-Cache" not in opened


def test_a_link_is_shown_once_and_only_its_digest_is_stored(people, draft):
    editor = sign_in(Client(), people["editor"])
    path = create_through_admin(editor, draft)
    token = path.split("/")[2]

    again = editor.get(change_url(draft))

    assert token not in again.content.decode()
    assert 'class="new-preview-link"' not in again.content.decode()
    link = PreviewLink.objects.get()
    assert token not in (link.token_digest, str(link))
    assert len(token) >= 43  # 32 random bytes


def test_the_change_page_lists_each_link_with_its_maker_and_times(people, draft, time_machine):
    time_machine.move_to(timezone.make_aware(datetime(2026, 5, 3, 9, 30)))
    editor = sign_in(Client(), people["editor"])
    create_through_admin(editor, draft)

    section = outside_section(editor.get(change_url(draft)))

    row = re.search(r'<tr class="preview-link">.*?</tr>', section, re.S).group(0)
    assert "Hadi Salem" in row
    created = PreviewLink.objects.get()
    assert f'datetime="{timezone.localtime(created.created_at).isoformat()}"' in row
    expires = timezone.localtime(created.created_at + timedelta(days=3))
    assert f'datetime="{expires.isoformat()}"' in row
    assert "فعّال" in row  # active
    assert 'name="link"' in row  # its revoke button
    activity = ArticleActivity.objects.filter(article=draft).latest()
    assert (activity.action, activity.actor) == ("preview_shared", people["editor"])


def test_a_revoked_link_opens_nothing_and_the_list_says_who_revoked_it(people, draft):
    editor = sign_in(Client(), people["editor"])
    path = create_through_admin(editor, draft)
    assert Client().get(path).status_code == 200

    response = editor.post(revoke_url(draft), {"link": PreviewLink.objects.get().pk}, follow=True)

    gone = Client().get(path)
    assert gone.status_code == 404
    assert "مسودة الزميل السرية" not in gone.content.decode()
    assert "no-store" in gone["Cache-Control"]
    row = re.search(r'<tr class="preview-link">.*?</tr>', outside_section(response), re.S)
    assert "ألغاه <bdi>Hadi Salem</bdi>" in row.group(0)
    assert 'name="link"' not in row.group(0)  # nothing left to revoke
    assert ArticleActivity.objects.filter(article=draft, action="preview_revoked").count() == 1


def test_an_expired_link_opens_nothing(people, draft, time_machine, settings):
    time_machine.move_to(timezone.now())
    path = create(draft, people["editor"])
    time_machine.shift(timedelta(seconds=settings.NEWSROOM_PREVIEW_MAX_AGE - 60))
    assert Client().get(path).status_code == 200

    time_machine.shift(timedelta(seconds=61))

    assert Client().get(path).status_code == 404


def test_unknown_altered_and_old_signed_tokens_open_nothing(people, draft):
    path = create(draft, people["editor"])
    token = path.split("/")[2]
    # What the signed links made before this change looked like: they open nothing now.
    old_signed = signing.TimestampSigner(salt="articles.preview").sign_object({"article": draft.pk})
    stored = PreviewLink.objects.get().token_digest

    assert Client().get(path).status_code == 200
    for forged in (old_signed, stored, token[:-1] + ("A" if token[-1] != "A" else "B"), "x"):
        response = Client().get(reverse("articles:preview", kwargs={"token": forged}))
        assert response.status_code == 404, forged
        assert "مسودة الزميل السرية" not in response.content.decode()


# --- the article's fate ends its links ---------------------------------------------------------


def test_publishing_the_article_ends_its_links_at_once(people, draft):
    editor = sign_in(Client(), people["editor"])
    path = create_through_admin(editor, draft)

    editor.post(change_url(draft), form_data(draft, _publish="1"))

    draft.refresh_from_db()
    assert draft.is_live
    assert Client().get(path).status_code == 404
    link = PreviewLink.objects.get()
    assert (link.revoked_by, link.revoked_at is not None) == (people["editor"], True)
    # Taken down again, the article does not bring its old links back.
    actions.Unpublish(draft, actor=people["editor"]).execute()
    assert Client().get(path).status_code == 404


def test_a_scheduled_article_can_be_previewed_until_its_time_comes(people, time_machine):
    time_machine.move_to(timezone.now())
    article = make_article(
        status=Status.PUBLISHED,
        published_at=timezone.now() + timedelta(hours=2),
        title_ar="خبر تحت الحظر",
    )
    path = create(article, people["editor"])
    assert "خبر تحت الحظر" in Client().get(path).content.decode()

    time_machine.shift(timedelta(hours=2, seconds=1))

    assert Client().get(path).status_code == 404
    assert Client().get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("action", [actions.Archive, actions.Unpublish])
def test_archiving_or_taking_down_ends_the_links(people, action):
    article = make_article(
        status=Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)
    )  # scheduled: both actions apply
    path = create(article, people["editor"])
    assert Client().get(path).status_code == 200

    action(article, actor=people["editor"]).execute()

    assert Client().get(path).status_code == 404
    assert PreviewLink.objects.active().count() == 0


def test_an_archived_article_cannot_be_previewed_even_by_a_link_left_active(people, draft):
    path = create(draft, people["editor"])
    Article.objects.filter(pk=draft.pk).update(status=Status.ARCHIVED)  # no action at all

    assert Client().get(path).status_code == 404


def test_deleting_the_article_deletes_its_links(people, draft):
    path = create(draft, people["editor"])

    actions.delete_article(article=draft, actor=people["editor"])

    assert PreviewLink.objects.count() == 0
    assert Client().get(path).status_code == 404


# --- who may ----------------------------------------------------------------------------------


def test_a_journalist_sees_no_preview_link_on_a_colleagues_draft_nor_a_scheduled_article(
    people, draft
):
    scheduled = make_article(
        status=Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)
    )
    create(draft, people["editor"])  # a link exists: it is not shown to them either
    journalist = sign_in(Client(), people["journalist"])

    for article in (draft, scheduled):
        page = journalist.get(change_url(article))
        content = page.content.decode()
        assert page.status_code == 200
        assert outside_section(page) == ""
        # Only the staff preview, which asks them to sign in, is offered.
        addresses = re.findall(r"[^\s\"'<>]*/preview/[^\s\"'<>]*", content)
        assert addresses == [reverse("admin:articles_article_preview", args=[article.pk])]
        assert add_url(article) not in content
        assert "public_preview_url" not in page.context


def test_a_journalists_forged_post_is_refused_and_records_nothing(people, draft):
    scheduled = make_article(
        status=Status.PUBLISHED, published_at=timezone.now() + timedelta(days=1)
    )
    journalist = sign_in(Client(), people["journalist"])
    logged = ArticleActivity.objects.count()

    for article in (draft, scheduled):
        response = journalist.post(add_url(article))
        assert response.status_code == 403
        assert "/preview/" not in response.content.decode()

    assert PreviewLink.objects.count() == 0
    assert ArticleActivity.objects.count() == logged


def test_a_journalist_cannot_revoke_an_editors_link(people):
    own = make_article(status=Status.DRAFT, created_by=people["journalist"])
    path = create(own, people["editor"])
    journalist = sign_in(Client(), people["journalist"])

    response = journalist.post(revoke_url(own), {"link": PreviewLink.objects.get().pk})

    assert response.status_code == 403
    assert Client().get(path).status_code == 200
    assert PreviewLink.objects.get().revoked_at is None


def test_a_post_without_csrf_token_makes_nothing(people, draft):
    editor = sign_in(Client(), people["editor"])
    editor.handler.enforce_csrf_checks = True  # as a browser on another site would post

    response = editor.post(add_url(draft))

    assert response.status_code == 403
    assert PreviewLink.objects.count() == 0


def test_opening_the_create_address_makes_nothing(people, draft):
    editor = sign_in(Client(), people["editor"])

    response = editor.get(add_url(draft))

    assert response.status_code == 302
    assert response["Location"] == change_url(draft) + "#preview-links"
    assert PreviewLink.objects.count() == 0


def test_the_author_shares_their_own_draft_and_revokes_their_link(people):
    own = make_article(status=Status.DRAFT, created_by=people["journalist"], title_ar="مسودتي")
    journalist = sign_in(Client(), people["journalist"])

    path = create_through_admin(journalist, own)
    assert "مسودتي" in Client().get(path).content.decode()
    journalist.post(revoke_url(own), {"link": PreviewLink.objects.get().pk})

    assert Client().get(path).status_code == 404


def test_the_author_may_share_only_while_it_is_their_draft(people):
    """At the action itself: a submitted, scheduled or published article is the editors'
    to share; a colleague's draft is nobody's but its author's and the editors'."""
    journalist, editor = people["journalist"], people["editor"]
    own = make_article(status=Status.DRAFT, created_by=journalist)
    actions.CreatePreviewLink(own, actor=journalist).check()  # allowed

    theirs = make_article(status=Status.DRAFT, created_by=people["colleague"])
    with pytest.raises(PermissionDenied):
        actions.CreatePreviewLink(theirs, actor=journalist).execute()

    actions.SubmitForReview(own, actor=journalist).execute()
    with pytest.raises(PermissionDenied):
        actions.CreatePreviewLink(own, actor=journalist).execute()
    actions.CreatePreviewLink(own, actor=editor).check()  # the editors' now

    actions.Schedule(own, actor=editor, at=timezone.now() + timedelta(days=1)).execute()
    with pytest.raises(PermissionDenied):
        actions.CreatePreviewLink(own, actor=journalist).execute()
    actions.CreatePreviewLink(own, actor=editor).check()  # an embargoed article

    actions.Publish(own, actor=editor).execute()
    for actor in (journalist, editor):
        with pytest.raises(PermissionDenied):
            actions.CreatePreviewLink(own, actor=actor).execute()
    assert PreviewLink.objects.count() == 0


def test_revoking_twice_is_refused_and_logged_once(people, draft):
    create(draft, people["editor"])
    link = PreviewLink.objects.get()
    actions.RevokePreviewLink(link, actor=people["editor"]).execute()

    with pytest.raises(ValidationError):
        actions.RevokePreviewLink(link, actor=people["editor"]).execute()

    assert ArticleActivity.objects.filter(action="preview_revoked").count() == 1
