"""Roles: groups made by a migration from one module, and the demo accounts."""

import base64
import io
import stat
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp

from staff import roles, twofactor

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def permissions_of(role):
    group = Group.objects.get(name=role)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_migration_creates_the_three_roles_with_their_permissions():
    for role in roles.ROLES:
        assert permissions_of(role) == roles.ROLE_PERMISSIONS[role]


def test_only_editors_and_administrators_may_publish():
    assert "articles.publish_article" not in permissions_of(roles.JOURNALIST)
    assert "articles.publish_article" in permissions_of(roles.EDITOR)
    assert "articles.publish_article" in permissions_of(roles.ADMINISTRATOR)


def test_only_administrators_manage_staff_accounts():
    for role in (roles.JOURNALIST, roles.EDITOR):
        assert not {perm for perm in permissions_of(role) if perm.startswith("auth.")}
    assert {"auth.add_user", "auth.change_user", "auth.delete_user"} <= permissions_of(
        roles.ADMINISTRATOR
    )


def test_journalists_cannot_delete_articles_or_manage_sections_and_networks():
    journalist = permissions_of(roles.JOURNALIST)

    assert "articles.add_article" in journalist
    assert "articles.delete_article" not in journalist
    assert "articles.change_section" not in journalist
    assert "articles.change_sharenetwork" not in journalist


def test_demo_accounts_are_created_once_with_generated_passwords(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()

    call_command("create_demo_accounts", stdout=out)
    again = io.StringIO()
    call_command("create_demo_accounts", stdout=again)

    kept = (tmp_path / "demo-accounts.txt").read_text().splitlines()
    assert len(kept) == 3
    User = get_user_model()
    for line in kept:
        username, password, role, *_two_factor = line.split("\t")
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert password in out.getvalue()
        assert password not in again.getvalue()
    assert stat.S_IMODE((tmp_path / "demo-accounts.txt").stat().st_mode) == 0o600
    assert User.objects.count() == 3


def test_demo_editor_and_administrator_get_a_usable_two_factor_key(settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)

    kept = {
        line.split("\t")[0]: line.split("\t")
        for line in (tmp_path / "demo-accounts.txt").read_text().splitlines()
    }
    assert len(kept["journalist"]) == 3  # two-factor sign-in is the journalist's choice
    for username in ("editor", "administrator"):
        _username, password, _role, secret, uri = kept[username]
        assert uri.startswith(f"otpauth://totp/SY24%3A{username}?secret={secret}&")
        assert twofactor.grouped(secret) in out.getvalue()
        # What a reviewer does: password, then the code an app computes from the secret.
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        client.post(reverse("admin:login"), {"username": username, "password": password})
        response = client.post(
            reverse("admin:two_factor_verify"), {"code": f"{totp(key):06d}", "next": "/admin/"}
        )
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert client.get(reverse("admin:index")).status_code == 200
        client.logout()


def test_demo_passwords_differ_between_installations(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("create_demo_accounts", stdout=io.StringIO())
    first = (tmp_path / "demo-accounts.txt").read_text()
    get_user_model().objects.all().delete()
    (tmp_path / "demo-accounts.txt").unlink()

    call_command("create_demo_accounts", stdout=io.StringIO())

    assert (tmp_path / "demo-accounts.txt").read_text() != first


def test_var_directory_with_secrets_is_ignored_by_git():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "check-ignore", "var/demo-accounts.txt", "var/dev-secret-key", "var/x.sqlite3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == [
        "var/demo-accounts.txt",
        "var/dev-secret-key",
        "var/x.sqlite3",
    ]
