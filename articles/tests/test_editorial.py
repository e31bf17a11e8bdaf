"""The editorial admin: roles per object, workflow, revisions and no lost edits."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from reversion.models import Version

from articles.models import Article, ArticleActivity, DailyShareCount, TranslationState
from articles.sanitizing import sanitize_html
from articles.tests.admin_forms import opened_state
from articles.tests.factories import make_article, make_author, make_network, make_section
from articles.tests.signin import sign_in
from staff import roles

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def make_staff(role, username=None):
    user = get_user_model().objects.create_user(
        username=username or role.lower(), password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user):
    return sign_in(Client(), user)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(article, **changes):
    """Return what the article form posts, as a browser would send it unchanged."""
    if Article.objects.filter(pk=article.pk).exists():
        article.refresh_from_db()
    data = {
        "opened_version": article.edit_version,
        "title_ar": article.title_ar,
        "title_en": article.title_en or "",
        "slug_ar": article.slug_ar or "",
        "slug_en": article.slug_en or "",
        "kicker_ar": article.kicker_ar or "",
        "summary_ar": article.summary_ar or "",
        "body_ar": article.body_ar,
        "body_en": article.body_en or "",
        "source_ar": article.source_ar or "SY24",
        "source_en": article.source_en or "",
        "lead_image_alt_ar": article.lead_image_alt_ar or "",
        "section": article.section_id,
        "quotes-TOTAL_FORMS": "0",
        "quotes-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


@pytest.fixture
def staff():
    return {role: make_staff(role) for role in roles.ROLES}


@pytest.fixture
def journalist_draft(staff):
    return make_article(
        status=Article.Status.DRAFT, created_by=staff[roles.JOURNALIST], title_ar="مسودتي"
    )


# --- the permission matrix ---------------------------------------------------------------


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_views_all_articles(staff, role):
    other = make_article(status=Article.Status.DRAFT, title_ar="مقال زميل")
    client = client_for(staff[role])

    listing = client.get(reverse("admin:articles_article_changelist"))
    page = client.get(change_url(other))

    assert listing.status_code == page.status_code == 200
    assert "مقال زميل" in listing.content.decode()


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_adds_an_article_as_a_draft(staff, role):
    client = client_for(staff[role])
    section = make_section()

    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title_ar": "خبر من حلب",
            "body_ar": "<p>نص</p>",
            "source_ar": "SY24",
            "section": section.pk,
            # A crafted field: nobody sets the status through the form.
            "status": Article.Status.PUBLISHED,
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00",
            "quotes-TOTAL_FORMS": "0",
            "quotes-INITIAL_FORMS": "0",
            "corrections-TOTAL_FORMS": "0",
            "corrections-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    article = Article.objects.get(title_ar="خبر من حلب")
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert article.created_by == staff[role]


def test_journalist_is_credited_on_their_own_article(staff):
    client = client_for(staff[roles.JOURNALIST])
    client.post(
        reverse("admin:articles_article_add"),
        form_data(make_article(), title_ar="مقالي الجديد", opened_version=""),
    )

    article = Article.objects.get(title_ar="مقالي الجديد")
    assert list(article.authors.all()) == [staff[roles.JOURNALIST]]


@pytest.mark.parametrize("role", roles.ROLES)
def test_everyone_changes_their_own_draft(staff, role):
    article = make_article(status=Article.Status.DRAFT, created_by=staff[role])

    response = client_for(staff[role]).post(
        change_url(article), form_data(article, title_ar="عنوان معدل")
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title_ar == "عنوان معدل"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(roles.JOURNALIST, False), (roles.EDITOR, True), (roles.ADMINISTRATOR, True)],
)
def test_only_editors_change_other_peoples_articles(staff, role, allowed):
    article = make_article(status=Article.Status.DRAFT, title_ar="مقال زميل")

    response = client_for(staff[role]).post(
        change_url(article), form_data(article, title_ar="تعديل من غيري")
    )

    article.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert article.title_ar == "تعديل من غيري"
    else:
        assert response.status_code == 403
        assert article.title_ar == "مقال زميل"


def test_journalist_cannot_change_their_article_once_published(staff):
    article = make_article(created_by=staff[roles.JOURNALIST], title_ar="منشور")
    client = client_for(staff[roles.JOURNALIST])

    page = client.get(change_url(article))
    response = client.post(change_url(article), form_data(article, title_ar="تغيير بعد النشر"))

    assert 'name="title_ar"' not in page.content.decode()  # a read-only view
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title_ar == "منشور"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(roles.JOURNALIST, False), (roles.EDITOR, True), (roles.ADMINISTRATOR, True)],
)
def test_only_editors_publish_from_the_form(staff, role, allowed, journalist_draft):
    client = client_for(staff[role])

    response = client.post(change_url(journalist_draft), form_data(journalist_draft, _publish="1"))

    journalist_draft.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert journalist_draft.is_live
    else:
        assert response.status_code == 403
        assert journalist_draft.status == Article.Status.DRAFT


@pytest.mark.parametrize("button", ["_publish", "_schedule", "_unpublish", "_archive"])
def test_crafted_workflow_posts_from_a_journalist_are_refused(staff, journalist_draft, button):
    client = client_for(staff[roles.JOURNALIST])
    future = timezone.localtime() + timedelta(days=1)

    response = client.post(
        change_url(journalist_draft),
        form_data(
            journalist_draft,
            **{
                button: "1",
                "scheduled_for_0": future.strftime("%Y-%m-%d"),
                "scheduled_for_1": future.strftime("%H:%M:%S"),
                "status": Article.Status.PUBLISHED,
            },
        ),
    )

    assert response.status_code == 403
    journalist_draft.refresh_from_db()
    assert journalist_draft.status == Article.Status.DRAFT
    assert journalist_draft.published_at is None


def test_crafted_publish_action_from_a_journalist_does_nothing(staff):
    article = make_article(status=Article.Status.REVIEW, created_by=staff[roles.JOURNALIST])

    client_for(staff[roles.JOURNALIST]).post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )

    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(roles.JOURNALIST, False), (roles.EDITOR, True), (roles.ADMINISTRATOR, True)],
)
def test_only_editors_delete_articles(staff, role, allowed, journalist_draft):
    response = client_for(staff[role]).post(
        reverse("admin:articles_article_delete", args=[journalist_draft.pk]), {"post": "yes"}
    )

    exists = Article.objects.filter(pk=journalist_draft.pk).exists()
    assert exists is not allowed
    assert response.status_code == (302 if allowed else 403)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(roles.JOURNALIST, False), (roles.EDITOR, False), (roles.ADMINISTRATOR, True)],
)
def test_only_administrators_manage_users_and_roles(staff, role, allowed):
    client = client_for(staff[role])

    listing = client.get(reverse("admin:auth_user_changelist"))
    added = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newhire",
            "password1": "Zq8!long-enough-pw",
            "password2": "Zq8!long-enough-pw",
        },
    )

    assert listing.status_code == (200 if allowed else 403)
    assert get_user_model().objects.filter(username="newhire").exists() is allowed
    assert added.status_code in ((302,) if allowed else (403,))


def test_administrator_assigns_roles_but_cannot_grant_superuser(staff):
    admin_client = client_for(staff[roles.ADMINISTRATOR])
    target = staff[roles.JOURNALIST]
    editor_group = Group.objects.get(name=roles.EDITOR)

    page = admin_client.get(reverse("admin:auth_user_change", args=[target.pk]))
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[target.pk]),
        {
            **opened_state(admin_client, reverse("admin:auth_user_change", args=[target.pk])),
            "username": target.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",  # crafted: the form has no such field
            "groups": [editor_group.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert "is_superuser" not in page.content.decode()
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_superuser
    assert list(target.groups.values_list("name", flat=True)) == [roles.EDITOR]


# --- workflow --------------------------------------------------------------------------------


def test_journalist_submits_and_editor_publishes_with_everything_logged(staff, journalist_draft):
    journalist = client_for(staff[roles.JOURNALIST])
    editor = client_for(staff[roles.EDITOR])

    journalist.post(change_url(journalist_draft), form_data(journalist_draft, _submit_review="1"))
    journalist_draft.refresh_from_db()
    assert journalist_draft.status == Article.Status.REVIEW

    editor.post(change_url(journalist_draft), form_data(journalist_draft, _publish="1"))
    journalist_draft.refresh_from_db()
    assert journalist_draft.is_live

    log = list(
        journalist_draft.activity.order_by("at", "pk").values_list("action", "actor__username")
    )
    assert ("submitted", "journalist") in log
    assert ("published", "editor") in log
    assert Version.objects.get_for_object(journalist_draft).count() >= 2


def test_scheduled_article_waits_for_its_time_and_shows_as_scheduled(staff, client):
    article = make_article(status=Article.Status.DRAFT)
    editor = client_for(staff[roles.EDITOR])
    at = timezone.localtime() + timedelta(hours=3)

    editor.post(
        change_url(article),
        form_data(
            article,
            _schedule="1",
            scheduled_for_0=at.strftime("%Y-%m-%d"),
            scheduled_for_1=at.strftime("%H:%M:%S"),
        ),
    )

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert not article.is_live
    assert client.get(f"/articles/{article.pk}/").status_code == 404
    listing = editor.get(reverse("admin:articles_article_changelist") + "?state=scheduled")
    assert article.title_ar in listing.content.decode()
    assert "مجدول" in listing.content.decode()


def test_scheduling_in_the_past_is_refused_and_keeps_the_text(staff):
    article = make_article(status=Article.Status.DRAFT)
    past = timezone.localtime() - timedelta(hours=1)

    response = client_for(staff[roles.EDITOR]).post(
        change_url(article),
        form_data(
            article,
            title_ar="عنوان جديد لم يُحفظ",
            _schedule="1",
            scheduled_for_0=past.strftime("%Y-%m-%d"),
            scheduled_for_1=past.strftime("%H:%M:%S"),
        ),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "اختر وقت نشر في المستقبل" in content
    assert "عنوان جديد لم يُحفظ" in content
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_changelist_actions_publish_and_unpublish(staff):
    drafts = [make_article(status=Article.Status.REVIEW) for _ in range(3)]
    editor = client_for(staff[roles.EDITOR])
    changelist = reverse("admin:articles_article_changelist")

    editor.post(
        changelist,
        {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]},
    )
    assert Article.objects.published().count() == 3

    editor.post(changelist, {"action": "unpublish_selected", "_selected_action": [drafts[0].pk]})
    assert Article.objects.published().count() == 2
    assert ArticleActivity.objects.filter(action="unpublished").count() == 1


# --- no lost edits ---------------------------------------------------------------------------


def test_second_of_two_concurrent_saves_is_refused_and_nothing_is_lost(staff):
    article = make_article(status=Article.Status.DRAFT, title_ar="العنوان الأول")
    alice = client_for(make_staff(roles.EDITOR, "alice"))
    bob = client_for(make_staff(roles.EDITOR, "bob"))
    alice_form = form_data(article)
    bob_form = form_data(article)

    first = alice.post(change_url(article), {**alice_form, "title_ar": "عنوان أليس"})
    second = bob.post(change_url(article), {**bob_form, "summary_ar": "مقدمة بوب التي كتبها للتو"})

    assert first.status_code == 302
    assert second.status_code == 200
    content = second.content.decode()
    assert "حفظ alice هذا المقال" in content
    assert "مقدمة بوب التي كتبها للتو" in content  # Bob's text stays in his form
    rows = {row["field"]: row for row in second.context["conflict_rows"]}
    assert set(rows) == {"title_ar", "summary_ar"}  # shown side by side with Alice's
    assert "أليس" in rows["title_ar"]["old"] and "الأول" in rows["title_ar"]["new"]
    article.refresh_from_db()
    assert article.title_ar == "عنوان أليس"
    assert article.summary_ar == ""

    # Having seen the changes, Bob saves again and keeps both.
    again = second.context["adminform"].form.data.copy()
    again["title_ar"] = "عنوان أليس"
    third = bob.post(change_url(article), again)
    assert third.status_code == 302
    article.refresh_from_db()
    assert (article.title_ar, article.summary_ar) == ("عنوان أليس", "مقدمة بوب التي كتبها للتو")


# --- revisions ------------------------------------------------------------------------------


def test_editor_compares_two_revisions_with_the_differences_marked(staff):
    article = make_article(status=Article.Status.DRAFT, title_ar="عنوان قديم")
    editor = client_for(staff[roles.EDITOR])
    editor.post(change_url(article), form_data(article, title_ar="عنوان قديم"))
    editor.post(change_url(article), form_data(article, title_ar="عنوان جديد"))
    newer, older = Version.objects.get_for_object(article)[:2]

    history = editor.get(reverse("admin:articles_article_history", args=[article.pk]))
    compare = editor.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"old": older.pk, "new": newer.pk},
    )

    assert history.status_code == 200
    assert reverse("admin:articles_article_compare", args=[article.pk]) in history.content.decode()
    content = compare.content.decode()
    assert compare.status_code == 200
    assert "<del>قديم</del>" in content
    assert "<ins>جديد</ins>" in content


def test_editor_restores_an_earlier_revision(staff):
    article = make_article(status=Article.Status.DRAFT, title_ar="النسخة الأولى")
    editor = client_for(staff[roles.EDITOR])
    editor.post(change_url(article), form_data(article, title_ar="النسخة الأولى"))
    editor.post(change_url(article), form_data(article, title_ar="النسخة الثانية"))
    first = Version.objects.get_for_object(article).last()
    version_before = Article.objects.get(pk=article.pk).edit_version

    revision_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    form = editor.get(revision_url)
    assert "النسخة الأولى" in form.content.decode()
    response = editor.post(
        revision_url,
        form_data(
            article, title_ar="النسخة الأولى", opened_version=first.field_dict["edit_version"]
        ),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title_ar == "النسخة الأولى"
    assert article.edit_version > version_before
    assert article.activity.filter(action="restored").exists()


def test_deleted_article_can_be_recovered(staff):
    article = make_article(status=Article.Status.DRAFT, title_ar="مقال سيُحذف")
    editor = client_for(staff[roles.EDITOR])
    editor.post(change_url(article), form_data(article))
    editor.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
    assert not Article.objects.filter(pk=article.pk).exists()

    recover_list = editor.get(reverse("admin:articles_article_recoverlist"))
    version = Version.objects.get_deleted(Article).get(object_id=str(article.pk))
    recover_url = reverse("admin:articles_article_recover", args=[version.pk])
    form = editor.get(recover_url)
    response = editor.post(
        recover_url, form_data(article, opened_version=version.field_dict["edit_version"])
    )

    assert "مقال سيُحذف" in recover_list.content.decode()
    assert form.status_code == 200
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title_ar == "مقال سيُحذف"
    recovered = ArticleActivity.objects.filter(article_id=article.pk, action="recovered")
    assert list(recovered.values_list("actor__username", flat=True)) == ["editor"]
    assert ArticleActivity.objects.filter(article_title="مقال سيُحذف", action="deleted").exists()


def test_deleted_expert_can_be_recovered(staff):
    from articles.models import Expert

    editor = client_for(staff[roles.EDITOR])
    editor.post(
        reverse("admin:articles_expert_add"),
        {"name_ar": "خبير عابر", "slug": "passing-expert"},
    )
    expert = Expert.objects.get(slug="passing-expert")
    editor.post(reverse("admin:articles_expert_delete", args=[expert.pk]), {"post": "yes"})
    version = Version.objects.get_deleted(Expert).get(object_id=str(expert.pk))

    response = editor.post(
        reverse("admin:articles_expert_recover", args=[version.pk]),
        {"name_ar": "خبير عابر", "slug": "passing-expert"},
    )

    assert response.status_code == 302
    assert Expert.objects.filter(slug="passing-expert").exists()


# --- change list, translation state, search ---------------------------------------------------


def test_translation_state_missing_complete_and_outdated(staff):
    arabic_only = make_article(english=False, title_ar="عربي فقط")
    complete = make_article(title_ar="مترجم")
    outdated = make_article(title_ar="تغير بعد الترجمة")
    outdated.body_ar = "<p>نص عربي جديد</p>"
    outdated.save()

    assert arabic_only.translation_state == TranslationState.MISSING
    assert complete.translation_state == TranslationState.COMPLETE
    assert outdated.translation_state == TranslationState.OUTDATED

    editor = client_for(staff[roles.EDITOR])
    changelist = reverse("admin:articles_article_changelist")
    titles = {"missing": "عربي فقط", "complete": "مترجم", "outdated": "تغير بعد الترجمة"}
    for state, title in titles.items():
        listed = editor.get(changelist, {"translation": state}).context["cl"].result_list
        assert [article.title_ar for article in listed] == [title]


def test_changelist_search_folds_arabic_spelling(staff):
    make_article(title_ar="سجن الرقة المركزي")
    make_article(title_ar="أسعار الخبز في إدلب")
    editor = client_for(staff[roles.EDITOR])
    changelist = reverse("admin:articles_article_changelist")

    raqqa = editor.get(changelist, {"q": "الرقه"}).content.decode()
    idlib = editor.get(changelist, {"q": "ادلب"}).content.decode()

    assert "سجن الرقة المركزي" in raqqa and "أسعار الخبز" not in raqqa
    assert "أسعار الخبز في إدلب" in idlib


def test_changelist_shows_bylines_translation_state_and_share_clicks(staff):
    article = make_article(title_ar="مقال مشارك")
    article.authors.add(staff[roles.JOURNALIST])
    article.bylines.add(make_author(name_ar="قلم الرقة", is_pen_name=True))
    network = make_network()
    DailyShareCount.objects.create(
        article=article, network=network, day=timezone.localdate(), count=7
    )
    DailyShareCount.objects.create(
        article=article, network=network, day=timezone.localdate() - timedelta(days=1), count=5
    )

    content = (
        client_for(staff[roles.EDITOR])
        .get(reverse("admin:articles_article_changelist"))
        .content.decode()
    )

    row = content[content.index("مقال مشارك") :]
    row = row[: row.index("</tr>")]
    assert "قلم الرقة" in row
    assert "journalist" not in row  # who writes under a pen name is not the list's to say
    assert "الإنجليزية مكتملة" in row
    assert ">12<" in row


def test_changelist_queries_do_not_grow_with_10000_articles(staff, django_assert_max_num_queries):
    from django.core.management import call_command

    editor = client_for(staff[roles.EDITOR])
    changelist = reverse("admin:articles_article_changelist")
    call_command("seed_newsroom", demo=40, verbosity=0)
    with django_assert_max_num_queries(30) as small:
        assert editor.get(changelist).status_code == 200

    call_command("seed_newsroom", demo=10_000 - 40, verbosity=0)
    with django_assert_max_num_queries(30) as large:
        response = editor.get(changelist)

    assert response.status_code == 200
    assert Article.objects.count() >= 10_000
    assert len(large) == len(small)


# --- preview ------------------------------------------------------------------------------


def test_author_previews_a_draft_as_readers_will_see_it(staff, journalist_draft):
    response = client_for(staff[roles.JOURNALIST]).get(
        reverse("admin:articles_article_preview", args=[journalist_draft.pk])
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>مسودتي</h1>" in content
    assert '<meta name="robots" content="noindex, nofollow">' in content
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_preview_link_opens_the_draft_without_an_account_until_it_expires(
    staff, journalist_draft, client, time_machine, settings
):
    time_machine.move_to(timezone.now())
    author = client_for(staff[roles.JOURNALIST])
    page = author.post(
        reverse("admin:articles_article_previewlink_add", args=[journalist_draft.pk]),
        follow=True,
    )
    link = re.search(r'value="(http://testserver/preview/[^"]+)"', page.content.decode())[1]
    path = link.removeprefix("http://testserver")

    opened = client.get(path)
    assert opened.status_code == 200
    assert "مسودتي" in opened.content.decode()
    assert opened["X-Robots-Tag"] == "noindex, nofollow"

    time_machine.shift(timedelta(seconds=settings.NEWSROOM_PREVIEW_MAX_AGE + 1))
    assert client.get(path).status_code == 404


# --- the admin's other pages ----------------------------------------------------------------


def test_dashboard_lists_my_drafts_the_review_queue_and_the_schedule(staff):
    journalist = staff[roles.JOURNALIST]
    make_article(status=Article.Status.DRAFT, created_by=journalist, title_ar="مسودة الصحفي")
    make_article(status=Article.Status.REVIEW, title_ar="بانتظار المراجعة")
    make_article(published_at=timezone.now() + timedelta(days=1), title_ar="مقال مجدول")
    shared = make_article(title_ar="الأكثر مشاركة")
    DailyShareCount.objects.create(
        article=shared, network=make_network(), day=timezone.localdate(), count=40
    )

    mine = client_for(journalist).get(reverse("admin:index"))
    editor = client_for(staff[roles.EDITOR]).get(reverse("admin:index"))

    assert [a.title_ar for a in mine.context["dashboard"]["my_drafts"]] == ["مسودة الصحفي"]
    assert editor.context["dashboard"]["my_drafts"] == []
    content = editor.content.decode()
    for title in ("مسودة الصحفي", "بانتظار المراجعة", "مقال مجدول", "الأكثر مشاركة"):
        assert (title in content) is (title != "مسودة الصحفي")


def test_admin_header_switches_language(staff):
    arabic = client_for(staff[roles.EDITOR]).get(reverse("admin:index")).content.decode()

    assert 'href="/en/admin/"' in arabic
    assert ">English<" in arabic


def test_rich_text_editor_markup_passes_the_sanitizer_unchanged():
    """What the editor produces for every allowed format is stored exactly as written."""
    produced = (
        "<h2>عنوان فرعي</h2><h3>فرعي</h3><h4>أصغر</h4>"
        "<p><strong>عريض</strong> و<em>مائل</em> و"
        '<a href="https://sy24.example/x" rel="noopener noreferrer nofollow">رابط</a></p>'
        "<ul><li><p>بند</p></li></ul><ol><li><p>أول</p></li></ol>"
        "<blockquote><p>اقتباس</p></blockquote><p>سطر<br>جديد</p>"
    )

    assert sanitize_html(produced) == produced


def test_body_fields_get_the_rich_text_editor_in_their_own_direction(staff, journalist_draft):
    content = client_for(staff[roles.EDITOR]).get(change_url(journalist_draft)).content.decode()

    assert "django_prose_editor/editor.js" in content
    assert "js/prose-editor.js" in content  # ours: Tiptap injects no <style> element
    assert "data-django-prose-editor-newsroom" in content
    body_en = re.search(r'<textarea[^>]*name="body_en"[^>]*>', content).group(0)
    assert 'dir="ltr"' in body_en


def test_restoring_an_old_revision_keeps_the_status_and_publication_time(staff):
    article = make_article(status=Article.Status.DRAFT, title_ar="صياغة المسودة")
    editor = client_for(staff[roles.EDITOR])
    editor.post(change_url(article), form_data(article, title_ar="صياغة المسودة"))
    draft_version = Version.objects.get_for_object(article).first()
    editor.post(change_url(article), form_data(article, title_ar="الصياغة المنشورة", _publish="1"))
    article.refresh_from_db()
    published_at = article.published_at
    assert article.is_live

    editor.post(
        reverse("admin:articles_article_revision", args=[article.pk, draft_version.pk]),
        form_data(
            article,
            title_ar="صياغة المسودة",
            opened_version=draft_version.field_dict["edit_version"],
        ),
    )

    article.refresh_from_db()
    assert article.title_ar == "صياغة المسودة"
    assert article.is_live
    assert article.published_at == published_at


def test_a_refused_save_shows_the_authors_text_so_nothing_is_lost(staff, journalist_draft):
    journalist = client_for(staff[roles.JOURNALIST])
    data = form_data(journalist_draft, body_ar="<p>فقرة كتبتها للتو ولم تُحفظ بعد</p>")
    client_for(staff[roles.EDITOR]).post(
        change_url(journalist_draft), form_data(journalist_draft, _publish="1")
    )

    response = journalist.post(change_url(journalist_draft), data)

    content = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="ar" dir="rtl">' in content
    assert "لم يُحفظ شيء" in content
    assert "فقرة كتبتها للتو ولم تُحفظ بعد" in content


def test_compare_names_the_section_and_shows_labels_not_raw_values(staff):
    article = make_article(status=Article.Status.DRAFT)
    before = article.section
    after = make_section(name_ar="الاقتصاد")
    editor = client_for(staff[roles.EDITOR])
    editor.post(change_url(article), form_data(article))
    editor.post(change_url(article), form_data(article, is_exclusive="on", section=after.pk))
    newer, older = Version.objects.get_for_object(article)[:2]

    rows = {
        row["field"]: row
        for row in editor.get(
            reverse("admin:articles_article_compare", args=[article.pk]),
            {"old": older.pk, "new": newer.pk},
        ).context["rows"]
    }

    assert set(rows) == {"section_id", "is_exclusive"}  # only what differs
    assert before.name_ar in strip_tags(rows["section_id"]["old"])
    assert after.name_ar in strip_tags(rows["section_id"]["new"])
    assert "نعم" in rows["is_exclusive"]["new"] and "لا" in rows["is_exclusive"]["old"]


def test_a_new_colleague_with_a_role_can_log_in_to_the_admin(staff):
    journalist_group = Group.objects.get(name=roles.JOURNALIST)

    client_for(staff[roles.ADMINISTRATOR]).post(
        reverse("admin:auth_user_add"),
        {"username": "rana", "password1": "Zq8!long-enough-pw", "password2": "Zq8!long-enough-pw"},
    )
    rana = get_user_model().objects.get(username="rana")
    administrator = client_for(staff[roles.ADMINISTRATOR])
    administrator.post(
        reverse("admin:auth_user_change", args=[rana.pk]),
        {
            **opened_state(administrator, reverse("admin:auth_user_change", args=[rana.pk])),
            "username": "rana",
            "is_active": "on",
            "groups": [journalist_group.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    rana.refresh_from_db()
    assert rana.is_staff
    signed_in = Client().post(
        reverse("admin:login"), {"username": "rana", "password": "Zq8!long-enough-pw"}
    )
    assert signed_in.status_code == 302


def test_admin_dates_read_day_month_year_on_the_24_hour_clock(staff):
    make_article(
        title_ar="مقال مؤرخ",
        published_at=timezone.make_aware(timezone.datetime(2026, 5, 12, 14, 5)),
    )

    content = (
        client_for(staff[roles.EDITOR])
        .get(reverse("admin:articles_article_changelist"))
        .content.decode()
    )

    assert "12 مايو 2026، 14:05" in content


def test_saving_a_change_says_it_was_changed_not_added(staff, journalist_draft):
    editor = client_for(staff[roles.EDITOR])

    response = editor.post(change_url(journalist_draft), form_data(journalist_draft), follow=True)

    text = " ".join(str(message) for message in response.context["messages"])
    assert "تم تعديل" in text
    assert "إضافة" not in text


def test_tag_and_expert_lookups_fold_arabic_spelling(staff, seeded):
    editor = client_for(staff[roles.EDITOR])

    def autocomplete(model, term):
        response = editor.get(
            "/admin/autocomplete/",
            {"term": term, "app_label": "articles", "model_name": "article", "field_name": model},
        )
        return [item["text"] for item in response.json()["results"]]

    assert "الرقة" in autocomplete("tags", "الرقه")
    experts = editor.get(reverse("admin:articles_expert_changelist"), {"q": "احمد حماده"})
    assert [expert.slug for expert in experts.context["cl"].result_list] == ["ahmed-hamada"]
