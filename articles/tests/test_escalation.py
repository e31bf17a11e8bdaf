"""Escalation and guessing: every role against every admin address, crafted requests, and
what a reader reaches without an account.

The address matrix is read from the admin site itself, so an address added later (a
model registered, a custom view) fails here until someone writes down who may open it.
"""

import hashlib
from types import SimpleNamespace

import pytest
import reversion
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers, signing
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone
from reversion.models import Revision, Version

from articles.models import (
    Article,
    ArticleActivity,
    AuthorProfile,
    Correction,
    DailyShareCount,
    Delivery,
    Expert,
    Quote,
    ReachUsPage,
    Section,
    ShareNetwork,
    SiteSettings,
    Tag,
)
from articles.tests.admin_forms import opened_state
from articles.tests.factories import (
    make_article,
    make_author,
    make_correction,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)
from articles.tests.signin import sign_in
from articles.tests.test_editorial import form_data
from articles.writing import actions
from staff import roles
from staff.models import KnownPlace, SignInFailure

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
User = get_user_model()
Status = Article.Status


def make_staff(role, username):
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user=None):
    """Return a browser signed in as ``user`` (both steps), or a reader's without an account."""
    client = Client()
    return client if user is None else sign_in(client, user)


def keep_revision(*objects):
    with reversion.create_revision():
        for obj in objects:
            reversion.add_to_revision(obj)


def deleted_version(obj):
    """Delete ``obj`` after keeping a revision of it; return what "Recover deleted" offers."""
    keep_revision(obj)
    model, pk = type(obj), obj.pk
    obj.delete()
    return Version.objects.get_deleted(model).get(object_id=str(pk))


def database_state() -> str:
    """Return a digest of every row the admin could change, to show nothing did."""
    digest = hashlib.sha256()
    for model in (*admin.site._registry, Version, Revision, LogEntry):
        rows = model._default_manager.order_by("pk")
        digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()


@pytest.fixture
def world():
    """Two journalists, an editor, an administrator, a reader and a superuser, with
    a draft, quote and correction of each journalist and one of everything else."""
    people = SimpleNamespace(
        journalist=make_staff(roles.JOURNALIST, "journalist"),
        colleague=make_staff(roles.JOURNALIST, "colleague"),
        editor=make_staff(roles.EDITOR, "editor"),
        administrator=make_staff(roles.ADMINISTRATOR, "administrator"),
        reader=User.objects.create_user(username="reader", password=PASSWORD),
        root=User.objects.create_superuser("root", "root@example.org", PASSWORD),
    )
    section, tag, expert, network = make_section(), make_tag(), make_expert(), make_network()
    profile = make_author()
    drafts = []
    for author in (people.journalist, people.colleague):
        draft = make_article(
            status=Status.DRAFT, created_by=author, title_ar=f"مسودة {author.username}"
        )
        make_quote(article=draft, expert=expert, text_ar=f"قول في مسودة {author.username}")
        make_correction(article=draft)
        keep_revision(draft)  # the article with its quote and correction
        drafts.append(draft)
    own, theirs = drafts
    actions.activity_record(article=theirs, actor=people.colleague, action="edited")
    DailyShareCount.objects.create(
        article=theirs, network=network, day=timezone.localdate(), count=3
    )
    keep_revision(section, tag, expert, network, profile)
    failure = SignInFailure.objects.create(username="editor", address="10.0.0.1", at=timezone.now())
    place = KnownPlace.objects.create(
        user=people.editor, address="10.0.0.2", last_seen=timezone.now()
    )

    def pair(obj):
        return (obj, obj)

    targets = {
        Article: (own, theirs),
        Quote: (own.quotes.get(), theirs.quotes.get()),
        Correction: (own.corrections.get(), theirs.corrections.get()),
        Section: pair(section),
        Tag: pair(tag),
        Expert: pair(expert),
        AuthorProfile: pair(profile),
        ShareNetwork: pair(network),
        DailyShareCount: pair(DailyShareCount.objects.get()),
        ArticleActivity: pair(ArticleActivity.objects.get()),
        User: (people.journalist, people.colleague),
        Group: pair(Group.objects.get(name=roles.JOURNALIST)),
        SignInFailure: pair(failure),
        KnownPlace: pair(place),
        ReachUsPage: pair(ReachUsPage.objects.get_or_create(pk=ReachUsPage.SINGLE_PK)[0]),
        SiteSettings: pair(SiteSettings.objects.get_or_create(pk=SiteSettings.SINGLE_PK)[0]),
        Delivery: tuple(
            Delivery.objects.create(
                article=draft,
                article_title=draft.title_ar,
                kind=Delivery.Kind.POST,
                language="ar",
                chat_id="@channel",
                state=Delivery.State.FAILED,
                last_error="HTTP 403: Forbidden",
            )
            for draft in drafts
        ),
    }
    deleted = {
        Article: tuple(
            deleted_version(make_article(status=Status.DRAFT, created_by=author))
            for author in (people.journalist, people.colleague)
        ),
        Quote: tuple(deleted_version(make_quote(article=draft)) for draft in drafts),
        Correction: tuple(deleted_version(make_correction(article=draft)) for draft in drafts),
        Section: pair(deleted_version(make_section())),
        Tag: pair(deleted_version(make_tag())),
        Expert: pair(deleted_version(make_expert())),
        AuthorProfile: pair(deleted_version(make_author())),
        ShareNetwork: pair(deleted_version(make_network())),
    }
    return SimpleNamespace(people=people, targets=targets, deleted=deleted)


# --- every admin address ----------------------------------------------------------------

# Who opens which address, as (journalist on their own, journalist on a colleague's,
# editor, administrator); editors and administrators are shown the colleague's rows.
# "edit": a page with a Save button; "ok": any other page; "redirect": elsewhere in the
# admin; "login": to the sign-in page; 403 refused; 404 not found; 405 wrong method.
# Readers without an account, and signed-in accounts without staff status, are sent to
# sign in everywhere (ANONYMOUS below).
EDIT, OK, REDIRECT, LOGIN = "edit", "ok", "redirect", "login"


def admin_routes():
    """Return {key: (route, model)} for every address the admin site answers."""
    site = admin.site
    routes = {}
    for pattern in site.get_urls():
        if not isinstance(pattern, URLPattern):
            continue  # a model's addresses: listed from its ModelAdmin below
        route = str(pattern.pattern)
        if pattern.name == "app_list":
            labels = route.split("(?P<app_label>")[1].split(")")[0].split("|")
            routes.update({f"app_list:{label}": (route, None) for label in labels})
        else:
            routes[pattern.name or "catch_all"] = (route, None)
    for model, model_admin in site._registry.items():
        opts = model._meta
        for pattern in model_admin.get_urls():
            key = pattern.name or f"{opts.app_label}_{opts.model_name}_object"
            routes[key] = (str(pattern.pattern), model)
    return routes


def address(world, key, route, model, side):
    """Return the path of ``key`` naming the own (side 0) or the colleague's (1) rows."""
    if key.startswith("app_list:"):
        return reverse("admin:app_list", kwargs={"app_label": key.split(":", 1)[1]})
    if key == "catch_all":
        return reverse("admin:index") + "no-such-page/"
    if key == "view_on_site":
        content_type = ContentType.objects.get_for_model(Article)
        return reverse(key_name(key), args=[content_type.pk, world.targets[Article][side].pk])
    if model is None:
        return reverse(key_name(key))
    target = world.targets[model][side]
    opts = model._meta
    if key.endswith("_object"):
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + f"{target.pk}/"
    if "recover/(" in route:
        return reverse(key_name(key), args=[world.deleted[model][side].pk])
    if "/history/(" in route:
        version = Version.objects.get_for_object(target).first()
        return reverse(key_name(key), args=[target.pk, version.pk])
    if "object_id" in route or "<id>" in route:
        path = reverse(key_name(key), args=[target.pk])
        if key == "articles_article_compare":
            newer, older = Version.objects.get_for_object(target)[:2]
            path += f"?old={older.pk}&new={newer.pk}"
        return path
    return reverse(key_name(key))


def key_name(key):
    return f"admin:{key}"


def answer(response):
    """Say what the user got, in the words of EXPECTED."""
    if response.status_code == 302:
        return LOGIN if response["Location"].startswith(reverse("admin:login")) else REDIRECT
    if response.status_code == 200:
        return EDIT if b'name="_save"' in response.content else OK
    return response.status_code


COLUMNS = ("own", "colleague", "editor", "administrator")
SIGNED_IN_AS = {
    "own": ("journalist", 0),
    "colleague": ("journalist", 1),
    "editor": ("editor", 1),
    "administrator": ("administrator", 1),
}
ANONYMOUS = {"login": OK, "logout": REDIRECT}  # every other address: LOGIN

EXPECTED = {
    # The site's own pages.
    "index": (OK, OK, OK, OK),
    "login": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # already signed in
    "logout": (405, 405, 405, 405),  # POST only
    "password_change": (OK, OK, OK, OK),  # one's own password
    "password_change_done": (OK, OK, OK, OK),
    "autocomplete": (403, 403, 403, 403),  # without a field to complete
    "jsi18n": (OK, OK, OK, OK),
    "view_on_site": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # to the reader's URL (a 404)
    "app_list:articles": (OK, OK, OK, OK),
    "app_list:auth": (404, 404, 404, OK),
    "app_list:staff": (404, 404, 404, OK),  # sign-in records: administrators
    "catch_all": (404, 404, 404, 404),
    # One's own second sign-in step (articles/twofactor.py); these sessions passed it.
    "two_factor": (OK, OK, OK, OK),
    "two_factor_setup": (OK, OK, OK, OK),
    "two_factor_verify": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # Articles: journalists write their own drafts and read everyone's; only editors
    # delete. Restoring and recovering follow the change rules of every row involved.
    "articles_article_changelist": (OK, OK, OK, OK),
    "articles_article_add": (EDIT, EDIT, EDIT, EDIT),
    "articles_article_change": (EDIT, OK, EDIT, EDIT),
    "articles_article_delete": (403, 403, OK, OK),
    "articles_article_history": (OK, OK, OK, OK),
    "articles_article_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # to "change"
    "articles_article_preview": (OK, OK, OK, OK),
    # Outside preview links are made and revoked by POST; opened, they lead back to
    # the list on the change page (who may post is test_preview_links.py's).
    "articles_article_previewlink_add": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_article_previewlink_revoke": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_article_compare": (OK, OK, OK, OK),
    "articles_article_revision": (EDIT, OK, EDIT, EDIT),
    "articles_article_recoverlist": (OK, OK, OK, OK),
    "articles_article_recover": (EDIT, OK, EDIT, EDIT),
    # Quotes follow their article.
    "articles_quote_changelist": (OK, OK, OK, OK),
    "articles_quote_add": (EDIT, EDIT, EDIT, EDIT),
    "articles_quote_change": (EDIT, OK, EDIT, EDIT),
    "articles_quote_delete": (OK, 403, OK, OK),
    "articles_quote_history": (OK, OK, OK, OK),
    "articles_quote_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_quote_revision": (EDIT, OK, EDIT, EDIT),
    "articles_quote_recoverlist": (OK, OK, OK, OK),
    # The editor's picture upload: POST only (who may post: test_body_media.py).
    "articles_article_bodyimage_upload": (405, 405, 405, 405),
    "articles_quote_recover": (EDIT, OK, EDIT, EDIT),
    # Corrections are the editors'.
    "articles_correction_changelist": (OK, OK, OK, OK),
    "articles_correction_add": (403, 403, EDIT, EDIT),
    "articles_correction_change": (OK, OK, EDIT, EDIT),
    "articles_correction_delete": (403, 403, OK, OK),
    "articles_correction_history": (OK, OK, OK, OK),
    "articles_correction_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_correction_revision": (OK, OK, EDIT, EDIT),
    "articles_correction_recoverlist": (403, 403, OK, OK),
    "articles_correction_recover": (403, 403, EDIT, EDIT),
    # Journalists add experts and tags, and change none.
    "articles_expert_changelist": (OK, OK, OK, OK),
    "articles_expert_add": (EDIT, EDIT, EDIT, EDIT),
    "articles_expert_change": (OK, OK, EDIT, EDIT),
    "articles_expert_delete": (403, 403, OK, OK),
    "articles_expert_history": (OK, OK, OK, OK),
    "articles_expert_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_expert_revision": (OK, OK, EDIT, EDIT),
    "articles_expert_recoverlist": (403, 403, OK, OK),
    "articles_expert_recover": (OK, OK, EDIT, EDIT),
    # Author profiles are the editors'; journalists see the public ones.
    "articles_authorprofile_changelist": (OK, OK, OK, OK),
    "articles_authorprofile_add": (403, 403, EDIT, EDIT),
    "articles_authorprofile_change": (OK, OK, EDIT, EDIT),
    "articles_authorprofile_delete": (403, 403, OK, OK),
    "articles_authorprofile_history": (OK, OK, OK, OK),
    "articles_authorprofile_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_authorprofile_revision": (OK, OK, EDIT, EDIT),
    "articles_authorprofile_recoverlist": (403, 403, OK, OK),
    "articles_authorprofile_recover": (403, 403, EDIT, EDIT),
    "articles_tag_changelist": (OK, OK, OK, OK),
    "articles_tag_add": (EDIT, EDIT, EDIT, EDIT),
    "articles_tag_change": (OK, OK, EDIT, EDIT),
    "articles_tag_delete": (403, 403, OK, OK),
    "articles_tag_history": (OK, OK, OK, OK),
    "articles_tag_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_tag_revision": (OK, OK, EDIT, EDIT),
    "articles_tag_recoverlist": (403, 403, OK, OK),
    "articles_tag_recover": (OK, OK, EDIT, EDIT),
    # Sections and share networks are the editors' (positions editable in the list).
    "articles_section_changelist": (OK, OK, EDIT, EDIT),
    "articles_section_add": (403, 403, EDIT, EDIT),
    "articles_section_change": (OK, OK, EDIT, EDIT),
    "articles_section_delete": (403, 403, OK, OK),
    "articles_section_history": (OK, OK, OK, OK),
    "articles_section_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_section_revision": (OK, OK, EDIT, EDIT),
    "articles_section_recoverlist": (403, 403, OK, OK),
    "articles_section_recover": (403, 403, EDIT, EDIT),
    "articles_sharenetwork_changelist": (OK, OK, EDIT, EDIT),
    "articles_sharenetwork_add": (403, 403, EDIT, EDIT),
    "articles_sharenetwork_change": (OK, OK, EDIT, EDIT),
    "articles_sharenetwork_delete": (403, 403, OK, OK),
    "articles_sharenetwork_history": (OK, OK, OK, OK),
    "articles_sharenetwork_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_sharenetwork_revision": (OK, OK, EDIT, EDIT),
    "articles_sharenetwork_recoverlist": (403, 403, OK, OK),
    "articles_sharenetwork_recover": (403, 403, EDIT, EDIT),
    # The reach-us page: one row, made by a migration; editors change it, journalists read
    # it, nobody adds a second or deletes it. Its list is the row itself.
    # The channel's deliveries: everyone reads them; editors retry a failed one (a POST:
    # opened, the retry address shows the delivery); nobody adds, edits or deletes one.
    "articles_delivery_changelist": (OK, OK, OK, OK),
    "articles_delivery_add": (403, 403, 403, 403),
    "articles_delivery_change": (OK, OK, OK, OK),
    "articles_delivery_delete": (403, 403, 403, 403),
    "articles_delivery_history": (OK, OK, OK, OK),
    "articles_delivery_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_delivery_retry": (403, 403, REDIRECT, REDIRECT),
    "articles_reachuspage_changelist": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_reachuspage_add": (403, 403, 403, 403),
    "articles_reachuspage_change": (OK, OK, EDIT, EDIT),
    "articles_reachuspage_delete": (403, 403, 403, 403),
    "articles_reachuspage_history": (OK, OK, OK, OK),
    "articles_reachuspage_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # The masthead and footer: one row, as the reach-us page.
    "articles_sitesettings_changelist": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_sitesettings_add": (403, 403, 403, 403),
    "articles_sitesettings_change": (OK, OK, EDIT, EDIT),
    "articles_sitesettings_delete": (403, 403, 403, 403),
    "articles_sitesettings_history": (OK, OK, OK, OK),
    "articles_sitesettings_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # Share counts and the activity log are written by the site, read by staff.
    "articles_dailysharecount_changelist": (OK, OK, OK, OK),
    "articles_dailysharecount_add": (403, 403, 403, 403),
    "articles_dailysharecount_change": (OK, OK, OK, OK),
    "articles_dailysharecount_delete": (403, 403, 403, 403),
    "articles_dailysharecount_history": (OK, OK, OK, OK),
    "articles_dailysharecount_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "articles_articleactivity_changelist": (OK, OK, OK, OK),
    "articles_articleactivity_add": (403, 403, 403, 403),
    "articles_articleactivity_change": (OK, OK, OK, OK),
    "articles_articleactivity_delete": (403, 403, 403, 403),
    "articles_articleactivity_history": (OK, OK, OK, OK),
    "articles_articleactivity_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # Staff accounts: administrators only ("own" is the journalist's own account).
    "auth_user_changelist": (403, 403, 403, OK),
    "auth_user_add": (403, 403, 403, EDIT),
    "auth_user_change": (403, 403, 403, EDIT),
    "auth_user_delete": (403, 403, 403, OK),
    "auth_user_history": (403, 403, 403, OK),
    "auth_user_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "auth_user_password_change": (403, 403, 403, OK),
    # Roles are made by a migration: administrators read them, nobody edits them here.
    "auth_group_changelist": (403, 403, 403, OK),
    "auth_group_add": (403, 403, 403, 403),
    "auth_group_change": (403, 403, 403, OK),
    "auth_group_delete": (403, 403, 403, 403),
    "auth_group_history": (403, 403, 403, OK),
    "auth_group_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # Sign-in records (staff/signin.py): administrators see failed sign-ins and lift
    # blocks (a change with no field to edit), and forget known places; nobody adds,
    # edits or deletes a record of a failure.
    "staff_signinfailure_changelist": (403, 403, 403, OK),
    "staff_signinfailure_add": (403, 403, 403, 403),
    "staff_signinfailure_change": (403, 403, 403, OK),  # to read, not to edit
    "staff_signinfailure_delete": (403, 403, 403, 403),
    "staff_signinfailure_history": (403, 403, 403, OK),
    "staff_signinfailure_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    "staff_knownplace_changelist": (403, 403, 403, OK),
    "staff_knownplace_add": (403, 403, 403, 403),
    "staff_knownplace_change": (403, 403, 403, OK),
    "staff_knownplace_delete": (403, 403, 403, OK),
    "staff_knownplace_history": (403, 403, 403, OK),
    "staff_knownplace_object": (REDIRECT, REDIRECT, REDIRECT, REDIRECT),
}

REFUSED = (403, 404, 405, LOGIN)
NEVER_POSTED = {"login", "logout"}  # signing in and out are not escalations
# The picture upload is a POST endpoint for staff; who may post there, and what a refused
# or bad upload leaves (nothing), is test_body_media.py's.
NEVER_POSTED |= {"articles_article_bodyimage_upload"}


def expected_answer(column, key):
    if column in ("anonymous", "reader"):
        return ANONYMOUS.get(key, LOGIN)
    return EXPECTED[key][COLUMNS.index(column)]


def signed_in(world, column):
    """Return the client of ``column`` and the side (own 0, colleague's 1) it is shown."""
    if column == "anonymous":
        return client_for(), 1
    if column == "reader":
        return client_for(world.people.reader), 1
    who, side = SIGNED_IN_AS[column]
    return client_for(getattr(world.people, who)), side


def form_body(response) -> dict:
    """Return what the page's form would send, as a browser submits it, or a bare
    confirmation where the page has no form to copy."""
    from lxml import html

    if response.status_code != 200 or b"<form" not in response.content:
        return {"post": "yes"}
    # Decoded as the browser does, by the response's charset: the admin's pages name it
    # in the header only, and lxml would read the bytes as Latin-1.
    page = html.fromstring(response.content.decode(response.charset or "utf-8"))
    forms = [form for form in page.forms if (form.method or "").upper() == "POST"]
    if not forms:
        return {"post": "yes"}
    form = max(forms, key=lambda form: len(form.inputs))
    body = {}
    for name, value in form.form_values():
        body.setdefault(name, []).append(value)
    body.setdefault("_save", ["1"])
    return body


def test_every_admin_address_has_an_expectation():
    """A new admin address fails here until its row says who may open it."""
    routes = set(admin_routes())

    assert sorted(routes - set(EXPECTED)) == [], "admin addresses with no expectation"
    assert sorted(set(EXPECTED) - routes) == [], "expectations for addresses that are gone"


@pytest.mark.parametrize("column", ["anonymous", "reader", *COLUMNS])
def test_every_admin_address_answers_each_role_as_expected(world, column):
    client, side = signed_in(world, column)
    answers = {
        key: answer(client.get(address(world, key, route, model, side)))
        for key, (route, model) in admin_routes().items()
    }

    wrong = {
        key: f"got {got!r}, expected {expected_answer(column, key)!r}"
        for key, got in answers.items()
        if got != expected_answer(column, key)
    }
    assert wrong == {}


@pytest.mark.parametrize("column", ["anonymous", "reader", *COLUMNS])
def test_posting_what_a_role_may_not_change_changes_nothing(world, column):
    """Post the form a superuser is shown, field for field, wherever the role is refused
    or only reads: the answer stays a refusal and not one row changes."""
    client, side = signed_in(world, column)
    superuser = client_for(world.people.root)
    staff = column in COLUMNS  # the others are sent to sign in before any form is read
    tried = []
    before = database_state()
    for key, (route, model) in admin_routes().items():
        expected = expected_answer(column, key)
        if key in NEVER_POSTED or expected in (EDIT, REDIRECT):
            continue
        path = address(world, key, route, model, side)
        full_form = superuser.get(path) if staff else None
        if expected == OK and answer(full_form) != EDIT:
            continue  # a page the role may use as anyone would (a list, a deletion)

        response = client.post(path, form_body(full_form) if staff else {"post": "yes"})

        assert database_state() == before, f"{column} changed the database through {path}"
        if expected in REFUSED:
            assert answer(response) in REFUSED, path
        tried.append(key)
    assert len(tried) >= 10  # the loop really posted


# --- crafted requests ---------------------------------------------------------------------


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def messages_of(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_crafted_fields_cannot_publish_date_or_reassign_a_journalists_draft(world, client):
    people = world.people
    own = world.targets[Article][0]

    response = client_for(people.journalist).post(
        change_url(own),
        form_data(
            own,
            title_ar="عنوان معدل بحقول مدسوسة",
            status=Status.PUBLISHED,
            published_at_0="2026-01-01",
            published_at_1="10:00:00",
            authors=[people.colleague.pk, people.editor.pk],
            created_by=people.colleague.pk,
            updated_by=people.editor.pk,
            import_key="planted",
            is_demo="on",
            breaking_until_0="2026-01-01",
            breaking_until_1="10:00:00",
        ),
    )

    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title_ar == "عنوان معدل بحقول مدسوسة"  # the allowed change went through
    assert (own.status, own.published_at) == (Status.DRAFT, None)
    assert list(own.authors.all()) == []
    assert (own.created_by, own.updated_by) == (people.journalist, people.journalist)
    assert (own.import_key, own.is_demo) == (None, False)
    assert own.breaking_until is None  # breaking news is the editors' call
    assert client.get(f"/articles/{own.pk}/").status_code == 404


def test_a_journalist_cannot_change_or_take_a_colleagues_quote(world):
    journalist = client_for(world.people.journalist)
    own, theirs = world.targets[Article]
    their_quote = theirs.quotes.get()
    quotes_before = Quote.objects.count()

    edited = journalist.post(
        change_url(their_quote),
        {"expert": their_quote.expert_id, "text_ar": "قول مدسوس", "article": theirs.pk},
    )
    added = journalist.post(
        reverse("admin:articles_quote_add"),
        {"article": theirs.pk, "expert": their_quote.expert_id, "text_ar": "قول مدسوس"},
    )
    # The colleague's quote named as if it were an inline of the journalist's own draft.
    moved = journalist.post(
        change_url(own),
        form_data(
            own,
            **{
                "quotes-TOTAL_FORMS": "1",
                "quotes-INITIAL_FORMS": "1",
                "quotes-0-id": their_quote.pk,
                "quotes-0-article": own.pk,
                "quotes-0-expert": their_quote.expert_id,
                "quotes-0-text_ar": "قول مدسوس",
                "quotes-0-position": "0",
            },
        ),
    )

    assert edited.status_code == 403
    assert added.status_code == 200 and "errorlist" in added.content.decode()
    assert moved.status_code in (200, 302)  # refused, or saved with the stranger ignored
    their_quote.refresh_from_db()
    assert (their_quote.article, their_quote.text_ar) == (theirs, "قول في مسودة colleague")
    assert Quote.objects.count() == quotes_before


def test_a_journalist_deletes_only_quotes_of_their_own_drafts(world):
    people = world.people
    journalist = client_for(people.journalist)
    own, theirs = world.targets[Article]
    published = make_article(created_by=people.journalist)
    published_quote = make_quote(article=published)
    their_quote = theirs.quotes.get()
    changelist = reverse("admin:articles_quote_changelist")

    one = journalist.post(
        reverse("admin:articles_quote_delete", args=[their_quote.pk]), {"post": "yes"}
    )
    bulk = journalist.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [their_quote.pk, published_quote.pk],
            "post": "yes",
        },
    )
    mine = journalist.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [own.quotes.get().pk], "post": "yes"},
    )

    assert (one.status_code, bulk.status_code) == (403, 403)
    assert Quote.objects.filter(pk__in=[their_quote.pk, published_quote.pk]).count() == 2
    assert mine.status_code == 302
    assert not own.quotes.exists()


@pytest.mark.parametrize(
    "action",
    [
        "submit_selected",
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
        "delete_selected",
    ],
)
def test_changelist_actions_leave_what_a_journalist_may_not_touch(world, client, action):
    theirs = world.targets[Article][1]
    live = make_article(created_by=world.people.journalist, title_ar="مقال منشور")
    before = {a.pk: (a.status, a.published_at) for a in Article.objects.all()}
    activity = ArticleActivity.objects.count()

    response = client_for(world.people.journalist).post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [theirs.pk, live.pk], "post": "yes"},
        follow=True,
    )

    assert {a.pk: (a.status, a.published_at) for a in Article.objects.all()} == before
    assert ArticleActivity.objects.count() == activity
    assert client.get(live.get_absolute_url()).status_code == 200
    assert client.get(f"/articles/{theirs.pk}/").status_code == 404
    told = messages_of(response) if response.status_code == 200 else []
    assert response.status_code == 403 or told  # refused, or told why nothing happened
    assert not [text for level, text in told if level == "success"]


def test_a_journalist_cannot_give_themselves_a_role_superpowers_or_anothers_password(world):
    people = world.people
    journalist = client_for(people.journalist)
    publish = Permission.objects.get(codename="publish_article")
    editor_roles = Group.objects.filter(name__in=[roles.EDITOR, roles.ADMINISTRATOR])

    answers = [
        journalist.post(
            change_url(people.journalist),
            {
                "username": "journalist",
                "is_active": "on",
                "is_staff": "on",
                "is_superuser": "on",
                "groups": [group.pk for group in editor_roles],
                "user_permissions": [publish.pk],
                "date_joined_0": "2026-01-01",
                "date_joined_1": "10:00:00",
            },
        ).status_code,
        journalist.post(
            reverse("admin:auth_user_add"),
            {"username": "sidekick", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code,
        journalist.post(
            reverse("admin:auth_user_password_change", args=[people.editor.pk]),
            {"password1": "Taken-over-pass-1", "password2": "Taken-over-pass-1"},
        ).status_code,
    ]

    assert answers == [403, 403, 403]
    me = User.objects.get(pk=people.journalist.pk)
    assert list(me.groups.values_list("name", flat=True)) == [roles.JOURNALIST]
    assert not me.is_superuser and not me.user_permissions.exists()
    assert not me.has_perm("articles.publish_article")
    assert not User.objects.filter(username="sidekick").exists()
    assert User.objects.get(pk=people.editor.pk).check_password(PASSWORD)


STAFF_OPERATIONS = {
    "promote oneself": lambda w: (
        change_url(w.people.editor),
        {
            "username": "editor",
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name=roles.ADMINISTRATOR).pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    ),
    "deactivate a colleague": lambda w: (
        change_url(w.people.colleague),
        {"username": "colleague", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00"},
    ),
    "delete a colleague": lambda w: (
        reverse("admin:auth_user_delete", args=[w.people.colleague.pk]),
        {"post": "yes"},
    ),
    "set a colleague's password": lambda w: (
        reverse("admin:auth_user_password_change", args=[w.people.colleague.pk]),
        {"password1": "Taken-over-pass-1", "password2": "Taken-over-pass-1"},
    ),
}
# Every action of the staff accounts' change list (sign out everywhere, reset two-factor
# sign-in, delete…), read from the admin so that a new one is covered too.
STAFF_ACTIONS = [name for name, _function in admin.site.actions] + list(
    admin.site._registry[User].actions
)
STAFF_OPERATIONS |= {
    f"action {action} on a colleague": lambda w, action=action: (
        reverse("admin:auth_user_changelist"),
        {"action": action, "_selected_action": [w.people.colleague.pk], "post": "yes"},
    )
    for action in STAFF_ACTIONS
}


def staff_accounts():
    """Return every account as it stands: flags, password, roles, two-factor devices."""
    devices = [
        list(model._default_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label.startswith("otp_")
    ]
    accounts = [
        (u.username, u.is_active, u.is_staff, u.is_superuser, u.password, *u.groups.all())
        for u in User.objects.order_by("pk")
    ]
    return accounts, devices


@pytest.mark.parametrize("operation", STAFF_OPERATIONS)
def test_an_editor_cannot_manage_staff_accounts(world, operation):
    colleague_session = client_for(world.people.colleague)
    editor = client_for(world.people.editor)
    path, body = STAFF_OPERATIONS[operation](world)
    before = staff_accounts()

    response = editor.post(path, body)

    assert response.status_code == 403
    assert staff_accounts() == before
    assert colleague_session.get(reverse("admin:index")).status_code == 200  # still signed in


def test_an_administrator_assigns_roles_but_grants_no_permissions_or_other_groups(world):
    people = world.people
    administrator = client_for(people.administrator)
    secret = Group.objects.create(name="Secret")
    publish = Permission.objects.get(codename="publish_article")
    body = {
        "username": "colleague",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "user_permissions": [publish.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }

    colleague = {**body, **opened_state(administrator, change_url(people.colleague))}
    other_group = administrator.post(
        change_url(people.colleague), {**colleague, "groups": [secret.pk]}
    )
    role = administrator.post(
        change_url(people.colleague),
        {**colleague, "groups": [Group.objects.get(name=roles.EDITOR).pk]},
    )
    myself = administrator.post(
        change_url(people.administrator),
        {
            **body,
            **opened_state(administrator, change_url(people.administrator)),
            "username": "administrator",
            "groups": [Group.objects.get(name=roles.ADMINISTRATOR).pk],
        },
    )

    assert other_group.status_code == 200 and "errorlist" in other_group.content.decode()
    assert (role.status_code, myself.status_code) == (302, 302)
    for user in User.objects.filter(pk__in=[people.colleague.pk, people.administrator.pk]):
        assert not user.is_superuser
        assert not user.user_permissions.exists()
        assert not user.groups.filter(name="Secret").exists()
    assert list(people.colleague.groups.values_list("name", flat=True)) == [roles.EDITOR]


def test_an_administrator_cannot_touch_a_superuser_account(world):
    root = world.people.root
    administrator = client_for(world.people.administrator)
    root_session = client_for(root)
    before = staff_accounts()

    answers = {
        "change": administrator.post(
            change_url(root),
            {"username": "root", "is_active": "", "date_joined_0": "2026-01-01"},
        ).status_code,
        "password": administrator.post(
            reverse("admin:auth_user_password_change", args=[root.pk]),
            {"password1": "Taken-over-pass-1", "password2": "Taken-over-pass-1"},
        ).status_code,
        "delete": administrator.post(
            reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}
        ).status_code,
    }
    for action in STAFF_ACTIONS:  # those that apply quietly pass superusers over
        administrator.post(
            reverse("admin:auth_user_changelist"),
            {"action": action, "_selected_action": [root.pk], "post": "yes"},
        )

    assert answers == {"change": 403, "password": 403, "delete": 403}
    assert staff_accounts() == before
    assert root_session.get(reverse("admin:index")).status_code == 200


# --- revisions: restore and recover ---------------------------------------------------------


def test_an_old_version_cannot_be_restored_through_another_models_address(world, client):
    """A taken-down article stays down: its published version, posted to the quotes' or
    tags' restore and recover addresses by a journalist, brings nothing back."""
    editor = client_for(world.people.editor)
    article = make_article(title_ar="خبر سُحب لأسباب قانونية")
    published_version = Version.objects.get_for_object(article).first()
    editor.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    journalist = client_for(world.people.journalist)
    Quote.objects.filter(pk=article.pk).delete()  # no quote answers to the article's id
    crafted = [
        reverse("admin:articles_quote_recover", args=[published_version.pk]),
        reverse("admin:articles_tag_recover", args=[published_version.pk]),
        reverse("admin:articles_expert_recover", args=[published_version.pk]),
        reverse("admin:articles_quote_revision", args=[article.pk, published_version.pk]),
        reverse("admin:articles_tag_revision", args=[article.pk, published_version.pk]),
        # "Recover" is for deleted rows only, even of the right model.
        reverse("admin:articles_article_recover", args=[published_version.pk]),
    ]

    answers = [journalist.post(path, {}).status_code for path in crafted]

    assert answers == [404] * len(crafted)
    article.refresh_from_db()
    assert article.status == Status.DRAFT
    assert client.get(f"/articles/{article.pk}/").status_code == 404


def test_a_journalist_restores_their_own_draft_but_no_revision_holding_a_colleagues(world):
    people = world.people
    journalist = client_for(people.journalist)
    mine = make_article(status=Status.DRAFT, created_by=people.journalist, title_ar="صياغتي الأولى")
    theirs = world.targets[Article][1]
    first = Version.objects.get_for_object(mine).first()
    keep_revision(mine, theirs)  # e.g. an old bulk action that saved both together
    shared = Version.objects.get_for_object(mine).first()
    theirs.title_ar = "عنوان الزميل الأحدث"
    theirs.save()
    mine.title_ar = "صياغتي الثانية"
    mine.save()

    refused = journalist.post(
        reverse("admin:articles_article_revision", args=[mine.pk, shared.pk]),
        form_data(mine, title_ar="صياغتي الأولى", opened_version=shared.field_dict["edit_version"]),
    )
    theirs.refresh_from_db()
    assert refused.status_code == 403
    assert theirs.title_ar == "عنوان الزميل الأحدث"

    restored = journalist.post(
        reverse("admin:articles_article_revision", args=[mine.pk, first.pk]),
        form_data(mine, title_ar="صياغتي الأولى", opened_version=first.field_dict["edit_version"]),
    )
    assert restored.status_code == 302
    mine.refresh_from_db()
    assert mine.title_ar == "صياغتي الأولى"


def test_each_article_a_changelist_action_changes_keeps_a_revision_of_its_own(world):
    drafts = [make_article(status=Status.REVIEW) for _ in range(3)]

    client_for(world.people.editor).post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [a.pk for a in drafts]},
    )

    for article in drafts:
        revision = Version.objects.get_for_object(article).first().revision
        held = revision.version_set.filter(content_type=ContentType.objects.get_for_model(Article))
        assert [int(v.object_id) for v in held] == [article.pk]
        assert held.get().field_dict["status"] == Status.PUBLISHED


# --- readers ---------------------------------------------------------------------------------


UNPUBLISHED = {
    "draft": {"status": Status.DRAFT},
    "in-review": {"status": Status.REVIEW},
    "archived": {"status": Status.ARCHIVED},
    "scheduled": {"status": Status.PUBLISHED, "published_at": "tomorrow"},
}


def unpublished(kind, **fields):
    fields = {**UNPUBLISHED[kind], **fields}
    if fields.get("published_at") == "tomorrow":
        fields["published_at"] = timezone.now() + timezone.timedelta(days=1)
    return make_article(**fields)


@pytest.mark.parametrize("kind", UNPUBLISHED)
def test_quotes_of_unpublished_articles_are_not_found(client, kind):
    quote = make_quote(article=unpublished(kind))
    network = make_network(slug="whatsapp")

    assert client.get(f"/quotes/{quote.pk}/").status_code == 404
    assert client.get(f"/en/quotes/{quote.pk}/").status_code == 404
    assert client.get(f"/quotes/{quote.pk}/share/{network.slug}/").status_code == 404


def test_unpublished_articles_are_in_no_list_feed_sitemap_or_search(client):
    section, tag, expert = make_section(slug="news"), make_tag(slug="raqqa"), make_expert()
    common = {"section": section, "tags": [tag], "summary_ar": "كلمةبحثفريدة"}
    shown = make_article(title_ar="مقال منشور للقراء", **common)
    make_quote(article=shown, expert=expert)
    hidden = {}
    for kind in UNPUBLISHED:
        article = unpublished(kind, title_ar=f"سر لم ينشر {kind}", **common)
        make_quote(article=article, expert=expert, text_ar=f"قول سري {kind}")
        hidden[kind] = article
    pages = [
        "/",
        section.get_absolute_url(),
        tag.get_absolute_url(),
        expert.get_absolute_url(),
        "/search/?q=كلمةبحثفريدة",
        "/feeds/rss/",
        "/feeds/atom/",
        f"/feeds/sections/{section.slug}/rss/",
        f"/feeds/tags/{tag.slug}/atom/",
        f"/feeds/experts/{expert.slug}/rss/",
        "/news-sitemap.xml",
    ]
    index = client.get("/sitemap.xml").content.decode()
    pages += [loc.split("testserver", 1)[1] for loc in index.split("<loc>")[1:]]
    pages = [page.split("</loc>")[0].replace("&amp;", "&") for page in pages]

    for page in pages:
        response = client.get(page)
        content = response.content.decode()
        assert response.status_code == 200, page
        for kind, article in hidden.items():
            assert f"سر لم ينشر {kind}" not in content, (page, kind)
            assert f"قول سري {kind}" not in content, (page, kind)
            assert f"/articles/{article.pk}/" not in content, (page, kind)
    assert "مقال منشور للقراء" in client.get(section.get_absolute_url()).content.decode()
    assert len(pages) > 11  # the index named at least one sitemap


def test_preview_tokens_made_for_anything_else_open_nothing(world, client):
    article = unpublished("draft", title_ar="مسودة سرية")
    _link, token = actions.CreatePreviewLink(article, actor=world.people.editor).execute()
    gone = unpublished("draft")
    _link, gone_token = actions.CreatePreviewLink(gone, actor=world.people.editor).execute()
    gone.delete()
    forged = {
        "a deleted article's token": gone_token,
        "signed for another purpose": signing.dumps({"article": article.pk}),
        "signed as the old preview links were": signing.TimestampSigner(
            salt="articles.preview"
        ).sign_object({"article": article.pk}),
        "the id": str(article.pk),
        "the token in capitals": token.upper(),
    }

    for what, forged_token in forged.items():
        response = client.get(reverse("articles:preview", kwargs={"token": forged_token}))
        assert response.status_code == 404, what
        assert "مسودة سرية" not in response.content.decode()
    assert client.get(reverse("articles:preview", kwargs={"token": token})).status_code == 200


@pytest.mark.parametrize("action", ["unpublish_selected", "archive_selected"])
def test_a_page_readers_had_open_is_gone_as_soon_as_it_is_taken_down(world, client, action):
    article = make_article(title_ar="خبر سيُسحب")
    quote = make_quote(article=article)
    for _ in range(2):  # the second answer may come from the page cache
        assert client.get(article.get_absolute_url()).status_code == 200
        assert client.get(quote.get_absolute_url()).status_code == 200

    client_for(world.people.editor).post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [article.pk]},
    )

    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(quote.get_absolute_url()).status_code == 404
    assert "خبر سيُسحب" not in client.get("/").content.decode()
