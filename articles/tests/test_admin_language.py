"""Every word staff read is in the admin's language.

Each role (journalist, editor, administrator) walks every admin page it may open, in
Arabic and in English: the index, every registered model's list, add, change, history
and delete pages, the compare page, the password and two-factor pages, and whatever
else the admin site answers at run time (the walk is read from ``admin.site``, so a
page added later is checked too). A page fails on any run of Latin letters in the
Arabic admin (or Arabic letters in the English one) that is not content the test made
or a name on the short list below. What is content (the values of inputs, a
textarea's text, code) and what is not visible (scripts, styles, attributes other than
``title``, ``placeholder``, ``aria-label`` and ``alt``) is left out; option labels,
button captions and those attributes are read.
"""

import re
from html.parser import HTMLParser

import pytest
import reversion
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone, translation
from reversion.models import Version

from articles.models import Article, Delivery
from articles.sanitizing import html_to_text
from articles.tests.factories import (
    make_correction,
    make_expert,
    make_network,
    make_quote,
    make_section,
    make_tag,
)
from articles.tests.signin import sign_in
from articles.tests.test_browser import browser, chromium  # noqa: F401
from articles.writing import actions
from staff import roles
from staff.models import KnownPlace, SignInFailure

pytestmark = pytest.mark.django_db
User = get_user_model()
Status = Article.Status

# Names that stay as they are in either language.
# Names, and the keys on a keyboard ("Control", "Command").
LATIN_NAMES = {
    "SY24",
    "Facebook",
    "WhatsApp",
    "Telegram",
    "X",
    "HTML",
    "SVG",
    "QR",
    "Control",
    "Command",
    # The safe channels a source is told to use, by their own names (the contact page).
    "Signal",
    "SecureDrop",
    "Tor",
    "Hush",
    "Line",
    "PGP",
}
ARABIC_NAMES = set()
# Addresses, e-mail addresses, the placeholders staff type as they are ({url}), and the
# armour line a PGP public key begins with, quoted as the key has it.
URLS = re.compile(
    r"(?:https?://|www\.|mailto:)\S*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|/[\w./?=&%-]*|\{\w+\}"
    r"|-----BEGIN PGP PUBLIC KEY BLOCK-----"
)
LATIN = re.compile(r"[A-Za-z][A-Za-z0-9’'_-]*")
ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
HIDDEN_ELEMENTS = {"script", "style", "textarea", "code", "template", "noscript"}
# Pages that are not the admin's own words: data for scripts, the reader site's page.
SKIPPED = re.compile(r"(jsi18n|autocomplete|/preview/$|/r/\d+/|logout)")


class VisibleText(HTMLParser):
    """Collect what a reader of the page sees: text, captions and the visible attributes,
    leaving out what is hidden and what is marked as written in another language (an
    input's ``lang``, the language switcher's names)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.pieces = []
        self.open = []  # (tag, left out)

    def left_out(self):
        return bool(self.open) and self.open[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = attrs.get("lang", self.language).split("-")[0] != self.language
        leave_out = self.left_out() or tag in HIDDEN_ELEMENTS or foreign
        if tag not in self.VOID:
            self.open.append((tag, leave_out))
        if leave_out:
            return
        self.pieces.extend(attrs[name] for name in VISIBLE_ATTRIBUTES if attrs.get(name))
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.pieces.append(attrs.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self.left_out():
            self.pieces.append(data)


def visible_text(html: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(html)
    return [" ".join(piece.split()) for piece in parser.pieces if piece.strip()]


def content_strings() -> list[str]:
    """Return every text the test stored as content (names, headlines, bodies...), longest
    first: the page shows them as they were written, in whichever language."""
    found = set()
    content_models = [
        model for model in apps.get_app_config("articles").get_models() if model is not Group
    ] + [User, SignInFailure, KnownPlace]
    for model in content_models:
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField)) and not field.choices
        ]
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value:
                    found.add(str(value))
                    found.add(html_to_text(str(value)))
    for first, last in User.objects.values_list("first_name", "last_name"):
        found.add(f"{first} {last}")
    found.update(Version.objects.values_list("object_repr", flat=True))  # deleted rows
    found = {" ".join(text.split()) for text in found}
    return sorted((text for text in found if len(text) > 3), key=len, reverse=True)


@pytest.fixture
def newsroom(roles_exist, migration_rows):
    """One of everything an admin page lists, made as staff make it, by named people."""

    def person(role, username, first, last):
        user = User.objects.create_user(
            username=username, password="x", is_staff=True, first_name=first, last_name=last
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    people = {
        "journalist": person(roles.JOURNALIST, "jrn_zq", "سلمى", "الحسن"),
        "editor": person(roles.EDITOR, "edt_zq", "كريم", "العلي"),
        "administrator": person(roles.ADMINISTRATOR, "adm_zq", "ليلى", "يوسف"),
    }
    section, tag, expert = make_section(), make_tag(), make_expert()
    make_network()
    journalist, editor = people["journalist"], people["editor"]
    article = Article(section=section, title_ar="مقال للمقارنة", body_ar="<p>فقرة أولى.</p>")
    actions.ArticleAction(article, actor=journalist).execute(tags=[tag])
    article.body_ar = "<p>فقرة أولى.</p><p>فقرة ثانية.</p>"
    article.title_en = "Compared article"
    actions.ArticleAction(article, actor=journalist).execute()
    actions.SubmitForReview(article, actor=journalist).execute()
    make_quote(article=article, expert=expert)
    make_correction(article=article)
    actions.Publish(article, actor=editor).execute()
    Delivery.objects.create(
        article=article,
        article_title=article.title_ar,
        kind=Delivery.Kind.POST,
        language="ar",
        chat_id="@channel",
        state=Delivery.State.FAILED,
        last_error="HTTP 403",
    )
    SignInFailure.objects.create(username="nobody_zq", address="10.0.0.1", at=timezone.now())
    KnownPlace.objects.create(user=editor, address="10.0.0.2", last_seen=timezone.now())
    gone = make_section()
    with reversion.create_revision():
        reversion.add_to_revision(gone)
    gone.delete()
    return people


def target_for(model, user):
    """Return the row whose pages ``user`` opens: a journalist's own article and its rows."""
    if model is Article:
        return Article.objects.filter(authors=user).first() or Article.objects.first()
    if model is User:
        return user
    return model._default_manager.order_by("pk").first()


def admin_paths(user) -> list[str]:
    """Return every page of the admin site answering a GET, for ``user``'s rows."""
    site = admin.site
    found = []
    for pattern in site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            found.append(reverse(f"admin:{pattern.name}"))
    for app_label in {model._meta.app_label for model in site._registry}:
        found.append(reverse("admin:app_list", kwargs={"app_label": app_label}))
    for model, model_admin in site._registry.items():
        target = target_for(model, user)
        for pattern in model_admin.get_urls():
            name = pattern.name
            if not name or not isinstance(pattern, URLPattern):
                continue
            arguments = pattern.pattern.regex.groups
            if name.endswith("_recover"):
                version = Version.objects.get_deleted(model).first()
                args = [version.pk] if version else None
            elif arguments == 2 and model is not Article:
                continue  # an earlier version's form: the change form's words, walked above
            elif arguments == 2:
                version = target and Version.objects.get_for_object(target).first()
                args = [target.pk, version.pk] if version else None
            elif arguments == 1:
                args = [target.pk] if target else None
            else:
                args = []
            if args is None:
                continue
            path = reverse(f"admin:{name}", args=args)
            if name.endswith("_compare"):
                newer, older = Version.objects.get_for_object(target)[:2]
                path += f"?old={older.pk}&new={newer.pk}"
            found.append(path)
    return [path for path in dict.fromkeys(found) if not SKIPPED.search(path)]


def foreign_words(texts: list[str], language: str, content: re.Pattern) -> list[str]:
    found = []
    for text in texts:
        text = URLS.sub(" ", content.sub(" ", text))
        if language == "ar":
            words = [w for w in LATIN.findall(text) if w not in LATIN_NAMES]
        else:
            words = [w for w in ARABIC.findall(text) if w not in ARABIC_NAMES and len(w) > 1]
        if words:
            found.append(text)
    return found


@pytest.mark.parametrize("language", ["ar", "en"])
@pytest.mark.parametrize("role", ["journalist", "editor", "administrator"])
def test_every_admin_page_speaks_the_admins_language(newsroom, role, language):
    user = newsroom[role]
    client = sign_in(Client(), user)
    content = re.compile("|".join(re.escape(s) for s in content_strings()) or r"(?!x)x")
    failures, opened = [], 0
    with translation.override(language):
        paths = admin_paths(user)
        for path in paths:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code >= 500:
                failures.append(f"{path}: answered {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            opened += 1
            html = response.content.decode()
            texts = foreign_words(visible_text(html, language), language, content)
            failures += [f"{path}: {text}" for text in texts]
    assert opened > 10, paths
    assert not failures, f"{len(failures)} foreign texts on {opened} pages:\n" + "\n".join(
        dict.fromkeys(failures)
    )


# --- history people can read -------------------------------------------------------------


@pytest.fixture
def editor(roles_exist):
    user = User.objects.create_user(
        username="kr_zq", password="x", is_staff=True, first_name="كريم", last_name="العلي"
    )
    user.groups.add(Group.objects.get(name=roles.EDITOR))
    return user


def test_history_says_what_changed_in_the_readers_language_and_who_by_name(editor):
    from articles.tests.test_editorial import form_data

    article = Article.objects.create(
        section=make_section(), title_ar="خبر أول", body_ar="<p>فقرة.</p>", created_by=editor
    )
    client = sign_in(Client(), editor)
    change = reverse("admin:articles_article_change", args=[article.pk])
    client.post(change, form_data(article, title_ar="خبر معدّل", body_ar="<p>فقرة أخرى.</p>"))

    pages = {}
    for language in ("ar", "en"):
        with translation.override(language):
            history = reverse("admin:articles_article_history", args=[article.pk])
            pages[language] = client.get(history).content.decode()

    assert "عُدّل: العنوان (بالعربية)، النص (بالعربية)." in pages["ar"]
    assert "Changed: Headline (Arabic), Body (Arabic)." in pages["en"]
    assert "كريم العلي" in pages["en"] and "kr_zq" not in pages["en"]


def test_an_old_comment_stored_in_arabic_reads_in_english():
    from articles.versioning import revision_message

    with translation.override("en"):
        assert revision_message("نُشر") == "Published"
        assert revision_message("Unknown words") == "Unknown words"


def test_compare_marks_an_added_paragraph_and_leaves_out_what_did_not_change(editor):
    article = Article(section=make_section(), title_ar="خبر", body_ar="<p>أولى.</p><p>ثالثة.</p>")
    actions.ArticleAction(article, actor=editor).execute()
    article.body_ar = "<p>أولى.</p><p>ثانية جديدة.</p><p>ثالثة.</p>"
    actions.ArticleAction(article, actor=editor).execute(changed=["body_ar"])
    newer, older = Version.objects.get_for_object(article)[:2]

    response = sign_in(Client(), editor).get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"old": older.pk, "new": newer.pk},
    )

    rows = {row["field"]: row for row in response.context["rows"]}
    assert list(rows) == ["body_ar"]  # no empty English field, no unchanged headline
    assert "<del>" not in rows["body_ar"]["old"]
    assert "<ins>ثانية جديدة.</ins>" in rows["body_ar"]["new"]
    assert "<p>ثالثة.</p>" in rows["body_ar"]["new"]  # the paragraph after it unchanged
    assert "كريم العلي" in response.content.decode()


# --- the rich-text editor's toolbar, which only a browser shows ----------------------------

TOOLBAR_WORDS = """() => {
  const menu = document.querySelector(".prose-editor:has(#id_body_ar) .prose-menubar");
  const selected = menu.querySelector(".prose-menubar__selected");
  return {
    titles: [...menu.querySelectorAll(".prose-menubar__button"), selected].map((b) => b.title),
    labels: [...menu.querySelectorAll(".prose-menubar__button")].map(
      (button) => button.getAttribute("aria-label"),
    ),
    options: [...menu.querySelectorAll(".prose-menubar__option")].map((o) => o.textContent),
    marker: getComputedStyle(selected, "::after").content,
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editors_toolbar_speaks_arabic(browser, live_server, roles_exist):  # noqa: F811
    from articles.tests.test_browser_editorial import DESKTOP, PASSWORD, log_in

    user = User.objects.create_user(username="samira_zq", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.JOURNALIST))
    page = browser.new_context(viewport=DESKTOP, locale="ar").new_page()
    log_in(page, live_server, "samira_zq")

    page.goto(live_server.url + "/admin/articles/article/add/")
    page.wait_for_selector(".prose-editor:has(#id_body_ar) .prose-menubar__selected button")
    words = page.evaluate(TOOLBAR_WORDS)

    tooltips = words["titles"] + words["labels"] + words["options"]
    assert all(ARABIC.search(text) and not LATIN.search(text) for text in tooltips), tooltips
    assert "عريض" in words["titles"] and "عنوان من المستوى 2" in words["options"]
    assert "⏷" not in words["marker"]  # a character most fonts lack: a missing-glyph box


def test_a_change_message_stored_by_django_reads_with_translated_labels():
    from articles.versioning import revision_message

    stored = '[{"changed": {"fields": ["Headline [ar]", "Body [ar]"]}}]'
    with translation.override("ar"):
        assert "العنوان (بالعربية)" in revision_message(stored)
    with translation.override("en"):
        assert revision_message(stored) == "Changed Headline (Arabic) and Body (Arabic)."
