"""The newsroom's day in a real browser: a journalist writes, an editor publishes, a reader reads.

Playwright drives Debian's Chromium; the admin is used exactly as staff use it, in
Arabic, with the rich-text editor, the add-expert pop-up and the workflow buttons.
"""

import base64

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import totp

from articles.models import Article
from articles.tests.signin import make_totp_device, totp_code
from articles.tests.test_browser import ARTIFACTS, READER_AGENT, browser  # noqa: F401
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
    # The Content-Security-Policy must not block anything the admin or the editor needs.
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and errors.append(message.text),
    )
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
    popup.fill("#id_name_ar", "ليلى حسن")
    popup.fill("#id_role_ar", "الباحثة الاجتماعية")
    popup.fill("#id_slug", "layla-hassan")
    popup.click("input[name=_save]")
    popup.wait_for_event("close")
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
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and errors.append(message.text),
    )
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
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and errors.append(message.text),
    )
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
