"""The newsroom's day in a real browser: a journalist writes, an editor publishes, a reader reads.

Playwright drives Debian's Chromium; the admin is used exactly as staff use it, in
Arabic, with the rich-text editor, the add-expert pop-up and the workflow buttons.
"""

import base64
import time

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp
from reversion.models import Version

from articles.models import Article, Delivery
from articles.tests.factories import make_article, make_section
from articles.tests.signin import make_totp_device, totp_code
from articles.tests.test_browser import ARTIFACTS, READER_AGENT, browser, chromium  # noqa: F401
from staff import roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
DESKTOP = {"width": 1280, "height": 900}
TITLE = "نازحون يعودون إلى قراهم في ريف الرقة"
BODY = "عادت عشرات العائلات إلى قراها بعد سنوات من النزوح."
QUOTE = "الناس تريد العودة إلى بيوتها مهما كانت الظروف."


def make_staff(role, username):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=True, first_name=username
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def log_in(page, live_server, username, device=None):
    """Sign in as staff do: the password, then (editors) the code their app shows."""
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    if device is not None:
        page.wait_for_url(live_server.url + "/admin/two-factor/verify/?next=%2Fadmin%2F")
        page.fill("#id_code", totp_code(device))
        page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")


def test_journalist_writes_editor_publishes_reader_reads(
    browser,  # noqa: F811
    live_server,
    seeded,
    roles_exist,
):
    make_staff(roles.JOURNALIST, "samira")
    editors_phone = make_totp_device(make_staff(roles.EDITOR, "khaled"))
    errors = []

    # The journalist writes in Arabic and quotes a new expert.
    journalist = browser.new_context(viewport=DESKTOP, locale="ar")
    page = journalist.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    # (The browser fixture fails the test if the Content-Security-Policy blocked anything.)
    log_in(page, live_server, "samira")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_title_ar", TITLE)
    body = page.locator(".prose-editor:has(textarea#id_body_ar) [contenteditable=true]")
    body.click()
    page.keyboard.type(BODY)
    page.select_option("#id_section", label="تقارير")

    page.click("#quotes-group .add-row a")
    with page.expect_popup() as popup_info:
        page.click("#add_id_quotes-0-expert")
    popup = popup_info.value
    # Its scripts (the slug filled from the name, among others) have run before we type,
    # as they have for a person: on a loaded machine they can run after the first key.
    popup.wait_for_load_state("load")
    popup.fill("#id_name_ar", "ليلى حسن")
    popup.fill("#id_role_ar", "الباحثة الاجتماعية")
    popup.fill("#id_slug", "layla-hassan")
    popup.click("input[name=_save]")
    popup.wait_for_event("close", timeout=60_000)
    assert "ليلى حسن" in page.locator("#quotes-0 .field-expert").inner_text()
    page.fill("#id_quotes-0-text_ar", QUOTE)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-article-form-ar.png", full_page=True)

    page.click("input[name=_submit_review]")
    page.wait_for_url(live_server.url + "/admin/articles/article/")
    article = Article.objects.get(title_ar=TITLE)
    assert article.status == Article.Status.REVIEW
    assert BODY in article.body_ar
    assert article.quotes.get().expert.name_ar == "ليلى حسن"
    journalist.close()

    # The editor publishes it.
    editor = browser.new_context(viewport=DESKTOP, locale="ar")
    page = editor.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "khaled", device=editors_phone)
    page.get_by_role("link", name=TITLE).first.click()
    page.click("input[name=_publish]")
    page.wait_for_url(live_server.url + "/admin/articles/article/")
    article.refresh_from_db()
    assert article.is_live
    editor.close()

    # A reader finds it on the home page and reads it.
    reader = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=READER_AGENT)
    page = reader.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=TITLE).first.click()
    assert page.locator("h1").inner_text() == TITLE
    assert BODY in page.locator(".article-body").inner_text()
    assert "ليلى حسن" in page.locator(".quotes").inner_text()
    assert "الباحثة الاجتماعية" in page.locator(".quotes").inner_text()
    reader.close()
    assert errors == []


def test_editor_sets_up_two_factor_sign_in_from_the_page_alone(
    browser,  # noqa: F811
    live_server,
    roles_exist,
):
    make_staff(roles.EDITOR, "huda")
    errors = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "huda")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/two-factor/setup/?next=%2Fadmin%2F")

    # The QR code is drawn (the Content-Security-Policy allows it), and the key can be read.
    assert page.locator("img.two-factor-qr").evaluate("image => image.naturalWidth") > 0
    assert page.locator("html").get_attribute("dir") == "rtl"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-two-factor-setup-ar.png", full_page=True)
    secret = page.locator("code.two-factor-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("input[type=submit]")

    page.wait_for_url(live_server.url + "/admin/")
    assert page.locator("#user-tools").is_visible()
    context.close()
    assert errors == []


def admin_pages(article, deleted_version, user):
    """Every kind of screen an administrator can open in the admin: each model's list,
    and its change form (the add form where there is no row yet; an add form shares
    its change form's template and widgets), taken from the site's registry so that a
    new screen is visited too; the user add form (a form of its own), the add-expert
    pop-up, and the article's history, comparison, old version, preview, deletion and
    recovery screens."""
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    request = RequestFactory().get("/admin/")
    request.user = user
    paths = ["/admin/", "/admin/two-factor/", "/admin/two-factor/setup/", "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths.append(reverse(f"{name}_changelist"))
        if (first := model._default_manager.order_by("pk").first()) is not None:
            paths.append(reverse(f"{name}_change", args=[first.pk]))
        elif model_admin.has_add_permission(request):
            paths.append(reverse(f"{name}_add"))
    for name, args in [
        ("articles_article_history", [article.pk]),
        ("articles_article_revision", [article.pk, versions[0].pk]),
        ("articles_article_preview", [article.pk]),
        ("articles_article_delete", [article.pk]),
        ("articles_article_recoverlist", []),
        ("articles_article_recover", [deleted_version.pk]),
        ("auth_user_add", []),
        ("auth_user_password_change", [user.pk]),
    ]:
        try:
            paths.append(reverse(f"admin:{name}", args=args))
        except NoReverseMatch:  # a screen renamed or gone: the list must say so
            pytest.fail(f"no admin screen named {name}")
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    paths.append(f"{compare}?old={versions[0].pk}&new={versions[-1].pk}")
    paths.append(reverse("admin:articles_expert_add") + "?_to_field=id&_popup=1")
    return paths


def test_no_admin_screen_has_anything_blocked_by_the_content_security_policy(
    browser,  # noqa: F811
    live_server,
    seed_report,
    roles_exist,
    run_summary,
):
    """The policy allows no inline style: every screen, its pop-ups and widgets, must
    look as designed without one (the browser fixture fails on any blocked style)."""
    administrator = get_user_model().objects.create_superuser(
        username="rania", password=PASSWORD, first_name="rania"
    )
    device = make_totp_device(administrator)
    seed_report.title_en = seed_report.title_en + " (updated)"
    seed_report.save()  # a second version, to compare with the first
    gone = make_article(title_ar="مقال محذوف")
    gone.delete()
    deleted = Version.objects.get_deleted(Article).get()
    # A post to the channel that failed: its list, its page and the article's panel.
    Delivery.objects.create(
        article=seed_report,
        article_title=seed_report.title_ar,
        kind=Delivery.Kind.POST,
        language="ar",
        chat_id="@channel",
        state=Delivery.State.FAILED,
        attempts=8,
        last_error="HTTP 502: Bad Gateway",
    )
    context = browser.new_context(viewport=DESKTOP, locale="ar")
    page = context.new_page()
    errors, statuses = [], {}
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "rania", device=device)

    started = time.monotonic()
    paths = admin_pages(seed_report, deleted, administrator)
    for path in paths:
        # Blocked styles are reported while the page is parsed and its scripts start.
        statuses[path] = page.goto(live_server.url + path, wait_until="domcontentloaded").status
    # What scripts draw after a click: the calendar and clock of a date-time field,
    # the language tabs (jQuery UI) and an autocomplete's list (Select2).
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[seed_report.pk]))
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()
    assert page.locator(".calendarbox").first.is_visible()
    page.keyboard.press("Escape")  # the calendar closes, as it does for staff
    page.locator(".datetimeshortcuts a[id^=clocklink]").first.click()
    assert page.locator(".clockbox").first.is_visible()
    page.locator(".field-tags .select2-selection").click()
    assert page.locator(".select2-results__option").first.is_visible()
    page.keyboard.press("Escape")
    # Tiptap's own rules come from our style sheet now: the editor keeps typed spaces.
    assert page.locator(".ProseMirror").first.evaluate(
        "element => getComputedStyle(element).whiteSpace"
    ) in ("break-spaces", "pre-wrap")
    # The language tabs (jQuery UI), on the forms that keep them (the article's has an
    # English section instead): the expert's.
    expert = seed_report.quotes.order_by("position").first().expert
    page.goto(live_server.url + reverse("admin:articles_expert_change", args=[expert.pk]))
    english_tab = page.locator(".ui-tabs-panel:has(#id_name_en)").get_attribute("id")
    page.locator(f'.ui-tabs-nav a[href="#{english_tab}"]').click()
    assert page.locator("#id_name_en").is_visible()
    run_summary.append(
        f"admin CSP tour: {len(paths)} screens in {time.monotonic() - started:.1f} s"
    )

    assert {path: status for path, status in statuses.items() if status >= 400} == {}
    assert errors == []


# What the browser keeps of a form (static/js/unsaved-text.js): "newsroom:unsaved:" keys.
KEPT_TEXT = """() => Object.keys(localStorage)
  .filter((key) => key.startsWith("newsroom:unsaved:"))
  .map((key) => localStorage.getItem(key))
  .join("\\n")"""


def test_text_typed_in_a_new_article_survives_a_closed_tab(
    browser,  # noqa: F811
    live_server,
    roles_exist,
):
    """A journalist writes a headline and a body, and the tab closes before any save
    (a crash, a dropped connection, a slip of the finger). Opening "add article" again,
    they are offered the text back, restore it, and save it; the saved text is then
    forgotten, and signing out forgets whatever was typed since."""
    make_staff(roles.JOURNALIST, "samira")
    make_section(name_ar="أخبار محلية")
    errors = []
    context = browser.new_context(viewport=DESKTOP, locale="ar")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "samira")
    add = live_server.url + reverse("admin:articles_article_add")
    page.goto(add)
    assert page.locator(".unsaved-text").is_hidden()  # nothing kept yet: no offer

    page.fill("#id_title_ar", TITLE)
    page.locator(".prose-editor:has(textarea#id_body_ar) [contenteditable=true]").click()
    page.keyboard.type(BODY)
    # Kept as it is typed (a crash gives no warning): the tab then closes, unsaved.
    page.wait_for_function(f"() => ({KEPT_TEXT})().includes({BODY!r})")
    page.close(run_before_unload=False)

    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(add)
    offer = page.locator(".unsaved-text")
    offer.wait_for(state="visible")
    assert "وُجد نصّ لم يُحفظ" in offer.inner_text()
    assert page.input_value("#id_title_ar") == ""  # offered, not imposed
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "admin-unsaved-text-offer-ar.png")
    offer.get_by_role("button", name="استعادته").click()

    assert offer.is_hidden()
    assert page.input_value("#id_title_ar") == TITLE
    body = page.locator(".prose-editor:has(textarea#id_body_ar) [contenteditable=true]")
    assert body.inner_text().strip() == BODY  # in the editor, as typed
    assert BODY in page.locator("textarea#id_body_ar").input_value()  # and what it posts
    page.select_option("#id_section", label="أخبار محلية")
    page.click("input[name=_save]")
    page.wait_for_url(live_server.url + reverse("admin:articles_article_changelist"))
    article = Article.objects.get(title_ar=TITLE)
    assert BODY in article.body_ar
    assert page.evaluate(KEPT_TEXT) == ""  # saved: forgotten

    # What is typed and never saved is forgotten at sign-out too (a shared computer).
    page.goto(add)
    assert page.locator(".unsaved-text").is_hidden()
    page.fill("#id_title_ar", "مسودة لم تكتمل")
    page.wait_for_function(f"() => ({KEPT_TEXT})().includes('مسودة لم تكتمل')")
    page.locator("#logout-form button").click()
    page.wait_for_load_state()
    assert page.evaluate(KEPT_TEXT) == ""
    context.close()
    assert errors == []
