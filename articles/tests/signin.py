"""Signing staff into the admin in tests, the second step included.

``client.force_login`` stands for the password step only. Editors, administrators and
superusers (and journalists who turned it on) must then enter a code from their
authenticator, and ``sign_in`` does exactly that: it gives them an authenticator if they
have none, computes its current code as their phone would, and posts it to the admin's
two-factor page. Nothing in the site is switched off for the tests.
"""

from django.urls import reverse
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from staff import twofactor


def make_totp_device(user) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator, as if they had set one up."""
    return twofactor.device_confirm(user=user, key_hex=random_hex(20))


def totp_code(device: TOTPDevice) -> str:
    """Return a code ``device`` accepts now, as the owner's app would show it.

    A code is accepted once: signing the same person in twice within 30 seconds takes
    the next step's code, which the one-step tolerance for clock drift allows.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()
    step = max(now, device.last_t + 1)
    assert step <= now + device.tolerance, "no unused code left in this 30-second window"
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def sign_in(client, user):
    """Sign ``user`` into the admin on ``client``: password, then the second step if due."""
    client.force_login(user)
    if twofactor.required_for(user):
        device = twofactor.confirmed_device(user) or make_totp_device(user)
        response = client.post(reverse("admin:two_factor_verify"), {"code": totp_code(device)})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert "two-factor" not in response["Location"], response["Location"]
    return client
