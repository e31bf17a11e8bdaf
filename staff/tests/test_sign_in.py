"""Stolen or guessed passwords: sign-in throttling stops guessing, and hands nobody a switch
to lock staff out (staff/signin.py)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.tests import signin
from staff import roles, twofactor
from staff.models import SignInFailure

pytestmark = pytest.mark.django_db
PASSWORD = "the-right-long-password"


@pytest.fixture
def editor():
    return get_user_model().objects.create_user(username="editor", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address="10.1.1.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def sign_in_fully(client, user, address):
    """Both steps, from ``address``: the password, then the code of the person's phone."""
    answer = sign_in(client, user.get_username(), PASSWORD, address=address)
    assert answer.status_code == 302, answer.content.decode()[:500]
    if twofactor.required_for(user):
        device = twofactor.confirmed_device(user) or signin.make_totp_device(user)
        answer = client.post(
            reverse("admin:two_factor_verify"),
            {"code": signin.totp_code(device)},
            REMOTE_ADDR=address,
        )
        assert answer.status_code == 302 and "two-factor" not in answer["Location"]
    return client


def signed_out(client):
    """Sign out as a person does: the session ends, the browser keeps its other cookies
    (the test client's ``logout`` throws them all away)."""
    kept = {name: morsel.value for name, morsel in client.cookies.items()}
    client.logout()
    for name, value in kept.items():
        if name != "sessionid":
            client.cookies[name] = value
    return client


def failures(username, address, count, *, minutes_ago=1):
    """``count`` wrong passwords typed for ``username`` from ``address``."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    SignInFailure.objects.bulk_create(
        SignInFailure(username=username, address=address, at=at) for _ in range(count)
    )


@pytest.fixture
def phone_editor(editor):
    """An editor as they are: an authenticator on their phone, signed in from the office."""
    editor.groups.add(Group.objects.get(name=roles.EDITOR))
    signin.make_totp_device(editor)
    sign_in_fully(Client(), editor, "10.1.1.1")
    return editor


def test_strangers_guessing_cannot_lock_the_owner_out_of_their_usual_place(phone_editor):
    for number in range(50):
        sign_in(Client(), "editor", f"guess-{number}", address="198.51.100.7")
    assert SignInFailure.objects.filter(address="198.51.100.7").count() >= 5

    sign_in_fully(Client(), phone_editor, "10.1.1.1")  # asserts both steps succeed


def test_five_wrong_passwords_stop_that_place_for_that_account_and_no_other(editor):
    attacker = Client()
    answers = [sign_in(attacker, "editor", "guess").status_code for _ in range(6)]
    assert answers == [200, 200, 200, 200, 200, 429]

    refused = sign_in(Client(), "editor", PASSWORD)  # the right password, from there
    assert refused.status_code == 429
    assert "محاولات فاشلة كثيرة من هنا" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    # The account itself is not locked: the owner, from anywhere else, gets in.
    assert sign_in(Client(), "editor", PASSWORD, address="10.9.9.9").status_code == 302


def test_one_persons_typos_do_not_lock_their_office_out(editor):
    colleague = get_user_model().objects.create_user(
        username="colleague", password=PASSWORD, is_staff=True
    )
    for _ in range(5):
        sign_in(Client(), "editor", "typo", address="10.2.2.2")

    assert sign_in(Client(), colleague.username, PASSWORD, address="10.2.2.2").status_code == 302


def test_a_success_before_the_limit_clears_the_typos(editor):
    client = Client()
    for _ in range(4):
        sign_in(client, "editor", "typo")
    assert sign_in(client, "editor", PASSWORD).status_code == 302

    for _ in range(4):
        sign_in(Client(), "editor", "typo")
    assert sign_in(Client(), "editor", PASSWORD).status_code == 302


def test_guessing_from_one_address_is_slowed_then_stopped(editor):
    failures("someone", "203.0.113.9", 20)  # twenty accounts tried from one place
    assert sign_in(Client(), "anyone", "guess", address="203.0.113.9").status_code == 200
    # Just failed: the next try from there waits, whatever account it names.
    slowed = sign_in(Client(), "editor", PASSWORD, address="203.0.113.9")
    assert slowed.status_code == 429

    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=1))
    assert sign_in(Client(), "editor", PASSWORD, address="203.0.113.9").status_code == 302

    failures("someone", "203.0.113.9", 100, minutes_ago=5)
    assert sign_in(Client(), "editor", PASSWORD, address="203.0.113.9").status_code == 429
    # The window passes: the address may try again.
    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    assert sign_in(Client(), "editor", PASSWORD, address="203.0.113.9").status_code == 302


def test_a_browser_that_signed_in_before_is_not_held_back_by_its_address(editor):
    office = Client()
    sign_in_fully(office, editor, "203.0.113.9")
    signed_out(office)
    failures("someone", "203.0.113.9", 150)  # somebody else behind the same address

    assert sign_in(office, "editor", PASSWORD, address="203.0.113.9").status_code == 302
    assert sign_in(Client(), "editor", PASSWORD, address="203.0.113.9").status_code == 429


def test_many_addresses_guessing_one_account_slow_unknown_places_only(phone_editor):
    for number in range(12):
        failures("editor", f"192.0.2.{number}", 1, minutes_ago=0)

    stranger = sign_in(Client(), "editor", "guess", address="192.0.2.200")
    assert stranger.status_code == 429
    assert 1 <= int(stranger["Retry-After"]) <= 300
    # The owner, at the office, is not slowed at all; nor on the road, with the browser
    # they signed in from before.
    laptop = sign_in_fully(Client(), phone_editor, "10.1.1.1")
    signed_out(laptop)
    assert sign_in(laptop, "editor", PASSWORD, address="172.16.5.5").status_code == 302
    # Once the wait is over, an unknown place may try again.
    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=6))
    assert sign_in(Client(), "editor", "guess", address="192.0.2.200").status_code == 200


def test_a_cookie_from_another_account_or_forged_is_no_known_place(editor):
    other = get_user_model().objects.create_user(username="other", password=PASSWORD, is_staff=True)
    browser = sign_in_fully(Client(), other, "10.5.5.5")
    signed_out(browser)
    for number in range(12):
        failures("editor", f"192.0.2.{number}", 1, minutes_ago=0)

    assert sign_in(browser, "editor", PASSWORD, address="10.6.6.6").status_code == 429
    forged = Client()
    forged.cookies["newsroom_place"] = '["editor"]'
    assert sign_in(forged, "editor", PASSWORD, address="10.6.6.6").status_code == 429


def test_administrator_sees_failed_sign_ins_and_lifts_a_block(editor):
    for _ in range(5):
        sign_in(Client(), "editor", "guess", address="10.4.4.4")
    assert sign_in(Client(), "editor", PASSWORD, address="10.4.4.4").status_code == 429
    chief = get_user_model().objects.create_user(username="chief", password=PASSWORD, is_staff=True)
    chief.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    admin_client = signin.sign_in(Client(), chief)
    journalist = get_user_model().objects.create_user(
        username="writer", password=PASSWORD, is_staff=True
    )
    journalist.groups.add(Group.objects.get(name=roles.JOURNALIST))

    listing = admin_client.get(reverse("admin:staff_signinfailure_changelist") + "?counted=yes")
    assert listing.status_code == 200
    assert "10.4.4.4" in listing.content.decode()
    assert (
        signin.sign_in(Client(), journalist)
        .get(reverse("admin:staff_signinfailure_changelist"))
        .status_code
        == 403
    )
    admin_client.post(
        reverse("admin:staff_signinfailure_changelist"),
        {
            "action": "lift_blocks",
            "_selected_action": list(SignInFailure.objects.values_list("pk", flat=True)),
        },
    )

    assert sign_in(Client(), "editor", PASSWORD, address="10.4.4.4").status_code == 302
    assert SignInFailure.objects.filter(cleared_by=chief).count() == 5  # the record stays


def test_django_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678901234", "password1234", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_administrator_signs_a_staff_member_out_of_every_session(editor):
    from django.contrib.auth.models import Group

    from staff import roles

    administrator = get_user_model().objects.create_user(
        username="chief", password=PASSWORD, is_staff=True
    )
    administrator.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
    phone, laptop, chief = Client(), Client(), Client()
    phone.force_login(editor)
    laptop.force_login(editor)
    signin.sign_in(chief, administrator)
    assert phone.get(reverse("admin:index")).status_code == 200

    chief.post(
        reverse("admin:auth_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [editor.pk]},
    )

    for device in (phone, laptop):
        response = device.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    assert chief.get(reverse("admin:index")).status_code == 200
