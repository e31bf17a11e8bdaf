"""No lost edit anywhere: every staff screen refuses a save based on a stale copy.

Two people open the same object (two GETs of its change page), the first saves, then the
second saves the form they opened earlier. The second save is refused: the message says
who saved and when, the first person's text is still in the database, and the second
person's text is still in the form shown again, with the saved version beside it.
The forms are posted as a browser would post them: every value the page's form holds.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from lxml import html

from articles.models import Article, Correction, ReachUsPage, SiteSettings
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
from staff import roles

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
FIRST = "نص أليس الذي حفظته أولاً"
SECOND = "نص بوب الذي كتبه على نسخة قديمة"
# "alice saved" in the Arabic admin: who saved first, as the refusal names her.
REFUSAL = "حفظ alice «"


def make_staff(role, username):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def people(roles_exist, migration_rows):
    """Two administrators (they may change everything, staff accounts included)."""
    return {
        name: sign_in(Client(), make_staff(roles.ADMINISTRATOR, name)) for name in ("alice", "bob")
    }


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def opened_form(client, url) -> dict:
    """Return what the page's form would send as it was opened: every value it holds."""
    response = client.get(url)
    assert response.status_code == 200
    page = html.fromstring(response.content.decode(response.charset or "utf-8"))
    (form,) = [form for form in page.forms if (form.get("id") or "").endswith("_form")]
    body = {}
    for name, value in form.form_values():
        body.setdefault(name, []).append(value)
    body["_save"] = ["1"]
    return body


def typed(form: dict, **changes) -> dict:
    return {**form, **{name: [value] for name, value in changes.items()}}


@dataclass
class Case:
    """One screen: the object, the input both people type in, how to read it back."""

    make: Callable
    field: str  # the input both type in, on the page of ``url_of``
    saved: Callable  # reads the field's saved value back from the database
    url_of: Callable = change_url
    first_field: str | None = None  # where the first person types, if elsewhere
    first_url_of: Callable | None = None


def article_with_quote():
    article = make_article(status=Article.Status.DRAFT)
    make_quote(article=article, text_ar="القول كما نُشر")
    return article


def article_with_correction():
    article = make_article(status=Article.Status.DRAFT)
    make_correction(article=article, text_ar="التصحيح كما نُشر")
    return article


def quote_page(article):
    return change_url(article.quotes.get())


def correction_page(article):
    return change_url(article.corrections.get())


def quote_text(obj):
    return obj.quotes.get().text_ar


def correction_text(obj):
    return obj.corrections.get().text_ar


def reloaded(name):
    return lambda obj: getattr(type(obj).objects.get(pk=obj.pk), name)


CASES = {
    "quote on its own page": Case(
        lambda: make_quote(article=make_article(status=Article.Status.DRAFT)),
        "text_ar",
        reloaded("text_ar"),
    ),
    "correction on its own page": Case(
        lambda: make_correction(article=make_article(status=Article.Status.DRAFT)),
        "text_ar",
        reloaded("text_ar"),
    ),
    "expert": Case(make_expert, "role_ar", reloaded("role_ar")),
    "author profile": Case(make_author, "short_bio_ar", reloaded("short_bio_ar")),
    "tag": Case(make_tag, "name_ar", reloaded("name_ar")),
    "section": Case(make_section, "name_ar", reloaded("name_ar")),
    "share network": Case(make_network, "name_ar", reloaded("name_ar")),
    "staff account": Case(
        lambda: make_staff(roles.JOURNALIST, "samira"), "first_name", reloaded("first_name")
    ),
    "reach-us page": Case(
        lambda: ReachUsPage.objects.get_or_create(pk=1)[0], "telegram_url", reloaded("telegram_url")
    ),
    "masthead and footer": Case(
        lambda: SiteSettings.objects.get_or_create(pk=1)[0], "contact_url", reloaded("contact_url")
    ),
    # The article's rows, edited inline by the second person on an article form opened
    # before the first person changed the row on its own page.
    "quote inline of the article": Case(
        article_with_quote,
        "quotes-0-text_ar",
        quote_text,
        first_field="text_ar",
        first_url_of=quote_page,
    ),
    "correction inline of the article": Case(
        article_with_correction,
        "corrections-0-text_ar",
        correction_text,
        first_field="text_ar",
        first_url_of=correction_page,
    ),
    # And the other way round: the row's own page opened before the article form saved it.
    "quote on its own page, saved meanwhile by the article form": Case(
        article_with_quote,
        "text_ar",
        quote_text,
        url_of=quote_page,
        first_field="quotes-0-text_ar",
        first_url_of=change_url,
    ),
}
ADDRESSES = {"reach-us page": ("https://t.me/first_one", "https://t.me/second_one")}
LINKS = {"masthead and footer": ("https://first.example/contact", "https://second.example/c")}


@pytest.mark.parametrize("name", CASES)
def test_a_save_based_on_a_stale_copy_is_refused_and_nothing_is_lost(people, name):
    case = CASES[name]
    obj = case.make()
    first_text, second_text = ADDRESSES.get(name) or LINKS.get(name) or (FIRST, SECOND)
    first_url = (case.first_url_of or case.url_of)(obj)
    second_url = case.url_of(obj)
    alices_form = opened_form(people["alice"], first_url)
    bobs_form = opened_form(people["bob"], second_url)

    first = people["alice"].post(
        first_url, typed(alices_form, **{case.first_field or case.field: first_text})
    )
    second = people["bob"].post(second_url, typed(bobs_form, **{case.field: second_text}))

    assert first.status_code == 302
    assert second.status_code == 200
    content = second.content.decode()
    assert REFUSAL in content  # who saved first, named
    assert case.saved(obj) == first_text  # the first person's text is kept
    assert second_text in content  # the second person's is still in the form
    conflicts = second.context["stale_conflicts"]
    assert [row["field"] for row in conflicts[0]["rows"]] == [case.field.rpartition("-")[2]]

    # Having read the changes, the second person saves again: now it goes through.
    shown = second.context["adminform"].form.data
    again = {key: shown.getlist(key) for key in shown}
    for formset in second.context["inline_admin_formsets"]:
        for form in formset.formset.forms:
            marker = form.add_prefix("opened_state")
            again[marker] = [form.data.get(marker, "")]
    third = people["bob"].post(second_url, again)
    assert third.status_code == 302
    assert case.saved(obj) == second_text


def test_an_article_form_opened_before_its_quote_was_edited_elsewhere_names_the_quote(people):
    """The person never touched the quote: their form still holds its old words, and
    saving it would silently bring them back. The save is refused, the quote named."""
    article = make_article(status=Article.Status.DRAFT, title_ar="عنوان قبل التعديل")
    expert = make_expert(name_ar="ليلى حسن")
    quote = make_quote(article=article, expert=expert, text_ar="الناس تريد العودة")
    make_quote(article=article, text_ar="قول آخر لم يتغير")
    bobs_article = opened_form(people["bob"], change_url(article))
    alices_quote = opened_form(people["alice"], change_url(quote))

    people["alice"].post(
        change_url(quote), typed(alices_quote, text_ar="الناس تريد العودة إلى بيوتها")
    )
    refused = people["bob"].post(
        change_url(article), typed(bobs_article, title_ar="عنوان بوب الجديد")
    )

    assert refused.status_code == 200
    content = refused.content.decode()
    assert "حفظ alice «ليلى حسن: الناس تريد العودة إلى بيوتها»" in content
    assert "عنوان بوب الجديد" in content
    (conflict,) = refused.context["stale_conflicts"]
    assert conflict["object"] == "ليلى حسن: الناس تريد العودة إلى بيوتها"
    assert conflict["by"] == "alice"
    article.refresh_from_db()
    quote.refresh_from_db()
    assert article.title_ar == "عنوان قبل التعديل"
    assert quote.text_ar == "الناس تريد العودة إلى بيوتها"


def test_an_unchanged_form_saved_twice_is_never_refused(people):
    """Only a save made by someone else in between refuses: saving again, or a row
    nobody touched, goes through."""
    article = article_with_quote()
    url = change_url(article)

    for _attempt in range(2):
        response = people["alice"].post(url, typed(opened_form(people["alice"], url)))
        assert response.status_code == 302


def test_a_form_posted_without_saying_what_it_was_opened_on_is_refused(people):
    """A form of unknown age (crafted, or opened before this check existed) is treated
    as stale: the saved version is shown beside it, and the next save goes through."""
    tag = make_tag(name_ar="وسم قديم")
    form = typed(opened_form(people["alice"], change_url(tag)), name_ar="وسم جديد")
    del form["opened_state"]

    refused = people["alice"].post(change_url(tag), form)

    assert refused.status_code == 200
    assert "تغيّر «وسم قديم» بعد أن فتحتَ هذه الصفحة" in refused.content.decode()
    tag.refresh_from_db()
    assert tag.name_ar == "وسم قديم"


def test_an_inline_row_deleted_elsewhere_refuses_the_article_form(people):
    article = article_with_correction()
    form = typed(
        opened_form(people["bob"], change_url(article)), **{"corrections-0-text_ar": "تصحيحي"}
    )
    Correction.objects.filter(article=article).delete()

    refused = people["bob"].post(change_url(article), form)

    assert refused.status_code == 200
    assert "تصحيحي" in refused.content.decode()
    assert not Correction.objects.filter(article=article).exists()


# --- unsaved text: what the server tells the browser (static/js/unsaved-text.js) -----------


def unsaved_text_key(response) -> str | None:
    page = html.fromstring(response.content.decode())
    keys = page.xpath("//form//*[@data-unsaved-key]/@data-unsaved-key")
    return keys[0] if keys else None


def test_each_form_names_its_person_and_object_for_the_browser(people):
    alice = get_user_model().objects.get(username="alice")
    article = make_article(status=Article.Status.DRAFT)
    client = people["alice"]

    change = client.get(change_url(article))
    add = client.get(reverse("admin:articles_article_add"))
    expert = client.get(change_url(make_expert()))
    popup = client.get(reverse("admin:articles_expert_add") + "?_to_field=id&_popup=1")
    account = client.get(change_url(alice))

    assert unsaved_text_key(change) == f"{alice.pk}:articles.article:{article.pk}"
    assert unsaved_text_key(add) == f"{alice.pk}:articles.article:new"
    assert unsaved_text_key(expert).startswith(f"{alice.pk}:articles.expert:")
    assert unsaved_text_key(popup) is None  # a pop-up's few words are not kept
    assert unsaved_text_key(account) is None  # nor colleagues' names and addresses
    offer = html.fromstring(change.content.decode()).xpath("//*[@data-unsaved-key]")[0]
    assert offer.get("hidden") is not None  # shown by the script, when there is text
    assert "وُجد نصّ لم يُحفظ" in offer.text_content()


def test_only_a_successful_save_tells_the_browser_to_forget_the_text(people):
    alice = get_user_model().objects.get(username="alice")
    tag = make_tag(name_ar="وسم")
    opened = opened_form(people["alice"], change_url(tag))

    refused = people["alice"].post(change_url(tag), typed(opened, name_ar=""))  # required
    saved = people["alice"].post(change_url(tag), typed(opened, name_ar="وسم معدل"))
    added = people["alice"].post(
        reverse("admin:articles_tag_add"),
        {"name_ar": "وسم جديد", "slug": "new-tag", "kind": "topic"},
    )

    assert refused.status_code == 200 and "newsroom_saved_form" not in refused.cookies
    assert saved.status_code == 302
    assert saved.cookies["newsroom_saved_form"].value == f"{alice.pk}:articles.tag:{tag.pk}"
    assert saved.cookies["newsroom_saved_form"]["httponly"] == ""  # the script reads it
    assert added.status_code == 302
    assert added.cookies["newsroom_saved_form"].value == f"{alice.pk}:articles.tag:new"
