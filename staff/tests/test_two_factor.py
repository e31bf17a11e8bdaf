"""Two-factor sign-in: a stolen password alone opens nothing in the admin."""

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Article
from articles.tests.factories import make_article
from articles.tests.signin import make_totp_device, sign_in, totp_code
from staff import roles, twofactor

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
INDEX = "/admin/"


def make_staff(role=None, username=None, **fields):
    user = get_user_model().objects.create_user(
        username=username or (role or "staff").lower(), password=PASSWORD, is_staff=True, **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def password_only(user):
    """Return a client past the password step only: what a stolen password gives."""
    client = Client()
    client.force_login(user)
    return client


def step_of(response):
    """Return the two-factor page a response sends to, and the ``next`` it carries."""
    assert response.status_code == 302, response.status_code
    url = urlsplit(response["Location"])
    return url.path, parse_qs(url.query).get("next", [None])[0]


def setup_code(client):
    """Return the code an app shows for the secret the set-up page gave ``client``."""
    key = bytes.fromhex(client.session[twofactor.SETUP_SESSION_KEY])
    return f"{totp(key):06d}"


def wrong_code(device):
    right = totp_code(device)
    return "000000" if right != "000000" else "111111"


def code_errors(response):
    return [str(error) for error in response.context["form"].errors.get("code", [])]


SETUP = reverse("admin:two_factor_setup")
VERIFY = reverse("admin:two_factor_verify")


# --- who must pass the second step -------------------------------------------------------


@pytest.mark.parametrize("role", [roles.EDITOR, roles.ADMINISTRATOR])
def test_editor_and_administrator_without_authenticator_must_set_one_up(role):
    client = password_only(make_staff(role))

    for url in (INDEX, reverse("admin:articles_article_changelist"), "/en/admin/"):
        path, next_url = step_of(client.get(url))
        assert path.endswith("/admin/two-factor/setup/")
        assert next_url == url


def test_superuser_must_pass_the_second_step_too():
    client = password_only(make_staff(username="root", is_superuser=True))

    assert step_of(client.get(INDEX))[0] == SETUP


def test_journalist_is_not_asked_until_they_turn_it_on():
    client = password_only(make_staff(roles.JOURNALIST))

    assert client.get(INDEX).status_code == 200
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


# --- setting it up -----------------------------------------------------------------------


def test_set_up_page_shows_qr_code_and_grouped_key_and_nothing_else_to_reach():
    client = password_only(make_staff(roles.EDITOR))

    response = client.get(SETUP + "?next=/admin/")

    content = response.content.decode()
    key_hex = client.session[twofactor.SETUP_SESSION_KEY]
    secret = twofactor.secret_base32(key_hex)
    assert response.status_code == 200
    assert re.search(r"<code[^>]*>(?:[A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>", content)
    assert twofactor.grouped(secret) in content
    qr_code = re.search(
        r'<img class="two-factor-qr" src="data:image/svg\+xml;base64,([^"]+)"', content
    )
    assert b"<svg" in base64.b64decode(qr_code.group(1))
    assert 'autocomplete="one-time-code"' in content and 'inputmode="numeric"' in content
    # Nothing but signing out: no menu, no links into the admin.
    assert reverse("admin:logout") in content
    assert reverse("admin:articles_article_changelist") not in content
    assert reverse("admin:password_change") not in content
    # The Content-Security-Policy holds: no inline script, the QR code is a data: image.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)
    # The same secret on reload: a phone that already scanned it keeps working.
    client.get(SETUP)
    assert client.session[twofactor.SETUP_SESSION_KEY] == key_hex


def test_set_up_with_a_wrong_code_then_the_right_one():
    editor = make_staff(roles.EDITOR)
    client = password_only(editor)
    client.get(SETUP + "?next=/admin/articles/")
    right = setup_code(client)

    too_short = client.post(SETUP + "?next=/admin/articles/", {"code": "12345"})
    assert code_errors(too_short) == [str(twofactor.NOT_SIX_DIGITS)]
    wrong = client.post(
        SETUP + "?next=/admin/articles/", {"code": "000000" if right != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert code_errors(wrong) == [str(twofactor.WRONG_CODE)]
    assert escape(str(twofactor.WRONG_CODE)) in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=editor).exists()

    done = client.post(SETUP + "?next=/admin/articles/", {"code": right})

    assert done.status_code == 302 and done["Location"] == "/admin/articles/"
    device = TOTPDevice.objects.get(user=editor)
    assert device.confirmed
    assert twofactor.SETUP_SESSION_KEY not in client.session
    assert client.get(INDEX).status_code == 200
    # The code that confirmed the set-up cannot be entered again to sign in elsewhere.
    other = password_only(editor)
    assert code_errors(other.post(VERIFY, {"code": right})) == [str(twofactor.WRONG_CODE)]


def test_code_typed_in_arabic_indic_digits_is_accepted():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)
    code = totp_code(device).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))

    response = client.post(VERIFY + "?next=/admin/", {"code": code[:3] + " " + code[3:]})

    assert response.status_code == 302 and response["Location"] == INDEX


# --- the code at every sign-in -----------------------------------------------------------


def test_editor_with_authenticator_must_enter_its_code():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)

    path, next_url = step_of(client.get(reverse("admin:articles_article_changelist")))
    assert path == VERIFY
    page = client.get(VERIFY + "?next=" + next_url)
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()
    # A stolen password cannot swap in the thief's own authenticator.
    assert step_of(client.get(SETUP))[0] == VERIFY
    assert step_of(client.post(SETUP, {"code": "123456"}))[0] == VERIFY

    response = client.post(VERIFY + "?next=" + next_url, {"code": totp_code(device)})

    assert response.status_code == 302 and response["Location"] == next_url
    assert client.get(next_url).status_code == 200


def test_signing_in_with_the_password_leads_to_the_code():
    editor = make_staff(roles.EDITOR)
    make_totp_device(editor)
    client = Client()

    response = client.post(
        reverse("admin:login") + "?next=/admin/articles/",
        {"username": "editor", "password": PASSWORD, "next": "/admin/articles/"},
    )
    assert response.status_code == 302
    path, next_url = step_of(client.get(response["Location"]))
    assert (path, next_url) == (VERIFY, "/admin/articles/")
    # Back to the sign-in page: sent on to the code, not shown "not authorized".
    assert step_of(client.get(reverse("admin:login")))[0] == VERIFY


def test_wrong_code_is_refused_with_a_clear_error():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)

    response = client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert code_errors(response) == [str(twofactor.WRONG_CODE)]
    assert 'aria-invalid="true"' in response.content.decode()
    assert step_of(client.get(INDEX))[0] == VERIFY


def test_wrong_codes_are_throttled_even_when_the_right_one_follows():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)
    start = timezone.now()

    def attempt(seconds, code):
        with time_machine.travel(start + timedelta(seconds=seconds), tick=False):
            return client.post("/en" + VERIFY, {"code": code})

    attempt(0, wrong_code(device))
    assert code_errors(attempt(0, totp_code(device))) == [
        "Too many wrong codes. Wait 1 second, then try again."
    ]
    attempt(1, wrong_code(device))
    assert code_errors(attempt(1, totp_code(device))) == [
        "Too many wrong codes. Wait 2 seconds, then try again."
    ]
    assert step_of(client.get(INDEX))[0] == VERIFY

    response = attempt(3, totp_code(device))

    assert response.status_code == 302 and response["Location"] == "/en/admin/"
    assert client.get(INDEX).status_code == 200


def test_a_code_is_accepted_only_once():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    code = totp_code(device)
    first, second = password_only(editor), password_only(editor)

    assert first.post(VERIFY, {"code": code}).status_code == 302
    assert code_errors(second.post(VERIFY, {"code": code})) == [str(twofactor.WRONG_CODE)]


def test_next_never_leads_off_the_site():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)

    response = client.post(VERIFY + "?next=https://evil.example/", {"code": totp_code(device)})

    assert response["Location"] == INDEX


# --- journalists choose ------------------------------------------------------------------


def test_journalist_can_turn_it_on_and_is_then_asked_for_the_code():
    journalist = make_staff(roles.JOURNALIST)
    client = sign_in(Client(), journalist)
    index = client.get(INDEX).content.decode()
    status_url = reverse("admin:two_factor")
    assert f'href="{status_url}"' in index  # in the header's user tools

    status = client.get(status_url)
    assert status.status_code == 200
    assert status.context["device"] is None
    setup_link = status.context["setup_url"]
    assert escape(setup_link) in status.content.decode()
    assert client.get(setup_link).status_code == 200
    done = client.post(setup_link, {"code": setup_code(client)})
    assert done.status_code == 302 and done["Location"] == status_url
    assert client.get(status_url).context["device"].confirmed
    assert client.get(INDEX).status_code == 200  # this session passed the step

    elsewhere = password_only(journalist)
    assert step_of(elsewhere.get(INDEX))[0] == VERIFY
    assert sign_in(elsewhere, journalist).get(INDEX).status_code == 200


def test_moving_to_a_new_phone_replaces_the_old_authenticator():
    editor = make_staff(roles.EDITOR)
    old = make_totp_device(editor)
    client = sign_in(Client(), editor)
    other_session = sign_in(Client(), editor)

    client.get(SETUP)
    assert client.post(SETUP, {"code": setup_code(client)}).status_code == 302

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get(INDEX).status_code == 200
    # A session verified with the old phone must verify again with the new one.
    assert step_of(other_session.get(INDEX))[0] == VERIFY


# --- administrators reset a lost phone ---------------------------------------------------


def reset(client, *users):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [user.pk for user in users]},
    )


def test_administrator_resets_a_lost_phone_and_the_owner_sets_it_up_again():
    administrator = make_staff(roles.ADMINISTRATOR, username="chief")
    editor, journalist = make_staff(roles.EDITOR), make_staff(roles.JOURNALIST)
    make_totp_device(journalist)
    old_key = make_totp_device(editor).key
    editors_laptop = sign_in(Client(), editor)
    chief = sign_in(Client(), administrator)
    listing = chief.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "reset_two_factor" in listing

    response = reset(chief, editor, journalist)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()
    assert not TOTPDevice.objects.filter(key=old_key).exists()
    # The session on the laptop no longer counts as verified: set up again, at once.
    assert step_of(editors_laptop.get(INDEX))[0] == SETUP
    # A journalist who had turned it on keeps it required.
    assert step_of(password_only(journalist).get(INDEX))[0] == SETUP
    assert LogEntry.objects.filter(object_id=str(editor.pk), user=administrator).exists()
    # And sets it up again.
    again = password_only(editor)
    again.get(SETUP)
    assert again.post(SETUP, {"code": setup_code(again)}).status_code == 302
    assert again.get(INDEX).status_code == 200


def test_reset_leaves_a_journalist_without_two_factor_as_they_were():
    administrator = make_staff(roles.ADMINISTRATOR, username="chief")
    journalist = make_staff(roles.JOURNALIST)

    reset(sign_in(Client(), administrator), journalist)

    assert password_only(journalist).get(INDEX).status_code == 200


def test_only_those_who_manage_accounts_can_reset_and_never_a_superusers():
    administrator = make_staff(roles.ADMINISTRATOR, username="chief")
    editor = make_staff(roles.EDITOR)
    root = make_staff(username="root", is_superuser=True)
    victim = make_staff(roles.JOURNALIST)
    for user in (root, victim):
        make_totp_device(user)

    assert reset(sign_in(Client(), editor), victim).status_code == 403
    reset(sign_in(Client(), administrator), root)

    assert TOTPDevice.objects.get(user=victim).confirmed
    assert TOTPDevice.objects.get(user=root).confirmed


# --- crafted requests while unverified ---------------------------------------------------


def test_crafted_requests_before_the_second_step_change_nothing():
    editor = make_staff(roles.EDITOR)
    make_totp_device(editor)
    article = make_article(status=Article.Status.REVIEW, title_ar="قيد المراجعة")
    client = password_only(editor)

    answers = [
        client.post(reverse("admin:articles_article_change", args=[article.pk]), {"title_ar": "x"}),
        client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "publish_selected", "_selected_action": [article.pk]},
        ),
        client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}),
        client.get(reverse("admin:articles_article_history", args=[article.pk])),
        client.get(reverse("admin:app_list", kwargs={"app_label": "articles"})),
        client.get(reverse("admin:autocomplete") + "?app_label=articles&model_name=article"),
        client.get(reverse("admin:jsi18n")),
        client.get(reverse("admin:password_change")),
        client.post(reverse("admin:password_change"), {"old_password": PASSWORD}),
        client.get(reverse("admin:two_factor")),
        client.get("/en/admin/articles/article/"),
    ]

    assert {step_of(answer)[0].removeprefix("/en") for answer in answers} == {VERIFY}
    article.refresh_from_db()
    assert article.title_ar == "قيد المراجعة"
    assert article.status == Article.Status.REVIEW


def test_unverified_administrator_cannot_manage_accounts():
    administrator = make_staff(roles.ADMINISTRATOR, username="chief")
    victim = make_staff(roles.JOURNALIST)
    make_totp_device(victim)
    client = password_only(administrator)

    add = client.post(
        reverse("admin:auth_user_add"),
        {"username": "intruder", "password1": "x" * 20, "password2": "x" * 20},
    )

    assert step_of(add)[0] == SETUP
    assert step_of(reset(client, victim))[0] == SETUP
    assert not get_user_model().objects.filter(username="intruder").exists()
    assert TOTPDevice.objects.get(user=victim).confirmed


def test_nobody_sees_anyones_secret_in_the_admin():
    root = make_staff(username="root", is_superuser=True)
    make_totp_device(make_staff(roles.EDITOR))
    client = sign_in(Client(), root)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


# --- a verified session ------------------------------------------------------------------


def test_a_verified_session_keeps_working_through_normal_navigation(seed_report):
    editor = make_staff(roles.EDITOR)
    client = sign_in(Client(), editor)

    for url in (
        INDEX,
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[seed_report.pk]),
        reverse("admin:articles_expert_changelist"),
        reverse("admin:two_factor"),
        "/en/admin/",
        INDEX,
    ):
        assert client.get(url).status_code == 200, url


def test_passing_the_second_step_gives_the_session_a_new_key():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    client = password_only(editor)
    before = client.session.session_key

    client.post(VERIFY, {"code": totp_code(device)})

    assert client.session.session_key != before


def test_sign_out_works_before_the_second_step_and_ends_verification():
    editor = make_staff(roles.EDITOR)
    device = make_totp_device(editor)
    pending = password_only(editor)

    assert pending.post(reverse("admin:logout")).status_code == 200
    assert step_of(pending.get(INDEX))[0] == reverse("admin:login")

    verified = sign_in(Client(), editor)
    assert verified.post(reverse("admin:logout")).status_code == 200
    verified.force_login(editor)  # the password again: the code is asked again too
    assert step_of(verified.get(INDEX))[0] == VERIFY
    assert verified.post(VERIFY, {"code": totp_code(device)}).status_code == 302
