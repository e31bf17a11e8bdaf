"""Create one demo staff account per role, with generated passwords, printed once.

The passwords are kept in the git-ignored ``var/demo-accounts.txt`` (readable by its
owner only); no password is ever written in the repository.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import roles

DEMO_ACCOUNTS = (
    ("journalist", roles.JOURNALIST, "صحفي", "تجريبي"),
    ("editor", roles.EDITOR, "محرر", "تجريبي"),
    ("administrator", roles.ADMINISTRATOR, "مدير", "تجريبي"),
)


class Command(BaseCommand):
    help = "Create the demo journalist, editor and administrator accounts (once)."

    def handle(self, *args, **options):
        path = settings.VAR_DIR / "demo-accounts.txt"
        User = get_user_model()
        created = []
        with transaction.atomic():
            for username, role, first_name, last_name in DEMO_ACCOUNTS:
                if User.objects.filter(username=username).exists():
                    continue
                password = secrets.token_urlsafe(12)
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                    is_staff=True,
                )
                user.groups.add(Group.objects.get(name=role))
                created.append((username, role, password))
        if not created:
            self.stdout.write(f"Demo accounts already exist; their passwords are in {path}.")
            return
        lines = [f"{username}\t{password}\t{role}" for username, role, password in created]
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        path.chmod(0o600)
        self.stdout.write(f"Demo accounts (shown once; also kept in {path}):")
        for username, role, password in created:
            self.stdout.write(f"  {role:<14} user: {username:<14} password: {password}")
