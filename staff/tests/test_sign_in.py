"""Stolen or guessed passwords: sign-in is throttled per account and per address."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from articles.tests import signin

pytestmark = pytest.mark.django_db
PASSWORD = "the-right-long-password"


@pytest.fixture
def editor():
    return get_user_model().objects.create_user(username="editor", password=PASSWORD, is_staff=True)


def sign_in(client, username, password, address="10.1.1.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_account_is_locked_after_five_failures_even_with_the_right_password(editor):
    attacker = Client()
    answers = [sign_in(attacker, "editor", "guess").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks

    locked = sign_in(Client(), "editor", PASSWORD, address="10.9.9.9")

    assert locked.status_code == 429
    assert "تسجيل الدخول موقوف" in locked.content.decode()


def test_an_address_is_locked_after_five_failures_on_any_accounts(editor):
    attacker = Client()
    for number in range(5):
        sign_in(attacker, f"someone{number}", "guess", address="10.2.2.2")

    from_there = sign_in(Client(), "editor", PASSWORD, address="10.2.2.2")
    elsewhere = sign_in(Client(), "editor", PASSWORD, address="10.3.3.3")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302


def test_a_success_before_the_limit_clears_the_failures(editor):
    client = Client()
    for _ in range(4):
        sign_in(client, "editor", "typo")
    assert sign_in(client, "editor", PASSWORD).status_code == 302

    for _ in range(4):
        sign_in(Client(), "editor", "typo")
    assert sign_in(Client(), "editor", PASSWORD).status_code == 302


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
