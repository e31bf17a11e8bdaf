"""Create one demo staff account per role, with generated passwords, printed once.

The passwords are kept in the git-ignored ``var/demo-accounts.txt`` (readable by its
owner only); no password is ever written in the repository. The editor and the
administrator must pass two-factor sign-in: each gets an authenticator secret, printed
and kept beside the password (tab-separated: user, password, role, secret, otpauth://
URI), for the reviewer to add to an authenticator app.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.util import random_hex

from staff import roles, twofactor

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
                two_factor = None
                if twofactor.required_for(user):
                    device = twofactor.device_confirm(user=user, key_hex=random_hex(20))
                    two_factor = (twofactor.secret_base32(device.key), device.config_url)
                created.append((username, role, password, two_factor))
        if not created:
            self.stdout.write(
                _("Demo accounts already exist; their passwords are in %(path)s.") % {"path": path}
            )
            return
        lines = [
            "\t".join([username, password, role, *(two_factor or ())])
            for username, role, password, two_factor in created
        ]
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        path.chmod(0o600)
        self.stdout.write(_("Demo accounts (shown once; also kept in %(path)s):") % {"path": path})
        for username, role, password, two_factor in created:
            self.stdout.write(
                "  "
                + _("%(role)s: user %(username)s, password %(password)s")
                % {"role": roles.ROLE_LABELS[role], "username": username, "password": password}
            )
            if two_factor:
                secret, uri = two_factor
                self.stdout.write(
                    "    "
                    + _("two-factor key %(secret)s (%(uri)s)")
                    % {"secret": twofactor.grouped(secret), "uri": uri}
                )
        if any(two_factor for *_rest, two_factor in created):
            self.stdout.write(
                _(
                    "Add each two-factor key to an authenticator app (or open its otpauth:// "
                    "link on a phone): after the password, the admin asks for the code it shows."
                )
            )
