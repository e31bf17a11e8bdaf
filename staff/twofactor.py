"""Two-factor sign-in to the admin: who needs it, setting it up, and asking for the code.

A stolen password must not be enough. Editors, administrators and superusers pass a
second step after their password: a six-digit code from an authenticator app (TOTP,
RFC 6238). Journalists may turn it on from their own page; from then on it is required
of them too. The secret is a django-otp ``TOTPDevice``; django-otp's middleware tells
whether this session passed the step (``request.user.is_verified()``).

``TwoFactorAdminSiteMixin`` enforces it in the admin site itself: every admin view,
whatever its method, answers an unverified session with a redirect to the step (sign-out
aside), so a crafted request meets the same rule as a click.

Device states: none (two-factor sign-in off), confirmed (on), unconfirmed (reset by an
administrator: the owner must set it up again). A secret being set up lives in the
session until its first code is entered, so abandoning the set-up leaves nothing behind.
"""

import base64
import io
import logging
import math
import re
import time
from functools import wraps
from urllib.parse import urlencode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from staff import roles, signin

logger = logging.getLogger("newsroom.twofactor")

DEVICE_NAME = "authenticator"
# The secret being set up, hex-encoded, until its first code confirms it.
SETUP_SESSION_KEY = "newsroom_two_factor_setup"
REQUIRED_ROLES = (roles.EDITOR, roles.ADMINISTRATOR)
# Whoever can publish or manage accounts needs it, whatever group gave them the power.
REQUIRED_PERMISSIONS = ("articles.publish_article", "auth.change_user")
CODE_DIGITS = 6
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_CODE = re.compile(rf"[0-9]{{{CODE_DIGITS}}}", re.ASCII)


# --- who needs it ------------------------------------------------------------------------


def required_for(user) -> bool:
    """Say whether ``user`` must pass the second step to use the admin."""
    return (
        user.is_superuser
        or user.groups.filter(name__in=REQUIRED_ROLES).exists()
        or any(user.has_perm(permission) for permission in REQUIRED_PERMISSIONS)
        # Turned on by a journalist, or reset by an administrator and not yet set up.
        or TOTPDevice.objects.filter(user=user).exists()
    )


def confirmed_device(user) -> TOTPDevice | None:
    """Return the authenticator ``user`` signs in with, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def second_step_pending(request) -> bool:
    """Say whether this signed-in member of staff still owes the second step."""
    user = request.user
    if not (user.is_active and user.is_staff) or user.is_verified():
        return False
    # Asked several times a request (every permission check of the admin): look once.
    if getattr(request, "_two_factor_required", None) is None:
        request._two_factor_required = required_for(user)
    return request._two_factor_required


def with_two_factor_state(queryset):
    """Annotate users with ``has_two_factor``: whether their authenticator is set up."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return queryset.annotate(has_two_factor=Exists(confirmed))


# --- pure helpers ------------------------------------------------------------------------


def secret_base32(key_hex: str) -> str:
    """Return the secret as authenticator apps take it: base32, without padding."""
    return base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")


def grouped(secret: str, size: int = 4) -> str:
    """Return ``secret`` in groups of ``size`` characters, easier to read and type."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))


def normalize_code(value: str) -> str:
    """Return a typed code in Western digits, without spaces (Arabic keyboards type ٠-٩)."""
    return re.sub(r"[\s\-]", "", value.translate(_DIGITS))


def qr_code_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in an SVG ``data:`` URI (the CSP allows data: images)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    svg = io.BytesIO()
    image.save(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()


def config_url(user, key_hex: str) -> str:
    """Return the ``otpauth://`` URI an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key_hex).config_url


# --- services ----------------------------------------------------------------------------


@transaction.atomic
def device_confirm(*, user, key_hex: str, last_t: int = -1, drift: int = 0) -> TOTPDevice:
    """Make ``key_hex`` the authenticator of ``user``, replacing any earlier one."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, key=key_hex, confirmed=True, last_t=last_t, drift=drift
    )


@transaction.atomic
def devices_reset(*, users) -> list:
    """Forget the authenticators of ``users`` (a lost phone); return whose were reset.

    Each keeps an unconfirmed device with a fresh secret that is never shown: it marks
    that two-factor sign-in stays required, so they set it up again at once. Their
    sessions stop counting as verified, since the device that verified them is gone.
    """
    reset = [user for user in users if TOTPDevice.objects.filter(user=user).exists()]
    for user in reset:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        logger.info("Two-factor sign-in reset for user %s", user.pk)
    return reset


# --- forms -------------------------------------------------------------------------------


WRONG_CODE = _(
    "That code is not right. Enter the code your app shows now; if codes keep failing, "
    "check that your phone sets its date and time automatically."
)

NOT_SIX_DIGITS = _("Enter the six digits your authenticator app shows.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "dir": "ltr",
                "size": 8,
            }
        ),
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not _CODE.fullmatch(code):
            raise forms.ValidationError(NOT_SIX_DIGITS)
        return code


class VerifyForm(CodeForm):
    """The second step: a code from the authenticator ``user`` set up. Wrong codes are
    throttled by django-otp: each makes the next try wait twice as long (1, 2, 4… s)."""

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device

    def clean_code(self):
        code = super().clean_code()
        allowed, details = self.device.verify_is_allowed()
        if not allowed:
            wait = (details or {}).get("locked_until", timezone.now()) - timezone.now()
            seconds = max(1, math.ceil(wait.total_seconds()))
            raise forms.ValidationError(
                ngettext(
                    "Too many wrong codes. Wait %(seconds)d second, then try again.",
                    "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                    seconds,
                )
                % {"seconds": seconds}
            )
        verified = django_otp.verify_token(self.user, self.device.persistent_id, code)
        if verified is None:
            logger.warning("Wrong two-factor code for user %s", self.user.pk)
            raise forms.ValidationError(WRONG_CODE)
        self.device = verified
        return code


class SetupForm(CodeForm):
    """The first code from a secret being set up: proof that the app holds it."""

    def __init__(self, *args, key_hex, **kwargs):
        super().__init__(*args, **kwargs)
        self.totp = TOTP(bytes.fromhex(key_hex), digits=CODE_DIGITS)
        self.totp.time = time.time()

    def clean_code(self):
        code = super().clean_code()
        if not self.totp.verify(int(code), tolerance=1):
            raise forms.ValidationError(WRONG_CODE)
        # The step of the code entered: it cannot be entered again to sign in.
        self.matched_step = self.totp.t()
        return code


def signed_in_from_here(request, response):
    """Both steps are done: this address and browser become a place the person signs in
    from, which sign-in throttling does not hold back (``staff/signin.py``)."""
    signin.remember_place(request, response, request.user)
    return response


# --- the admin site ----------------------------------------------------------------------


class TwoFactorAdminSiteMixin:
    """Put the second step in front of the whole admin site, for whoever needs it."""

    def has_permission(self, request):
        return super().has_permission(request) and not second_step_pending(request)

    def signed_in_as_staff(self, request) -> bool:
        """Say whether the password step is done (the admin's own test, without ours)."""
        return super().has_permission(request)

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        def second_step_first(request, *args, **kwargs):
            if not second_step_pending(request):
                return checked(request, *args, **kwargs)
            if view == self.logout:
                return self.second_step_view(view)(request, *args, **kwargs)
            return self.redirect_to_second_step(request, request.get_full_path())

        return wraps(checked)(second_step_first)

    def second_step_view(self, view):
        """Wrap a view that a member of staff reaches after their password alone."""

        def signed_in_first(request, *args, **kwargs):
            if not self.signed_in_as_staff(request):
                return redirect_to_login(
                    request.get_full_path(), reverse("admin:login", current_app=self.name)
                )
            return view(request, *args, **kwargs)

        return csrf_protect(never_cache(wraps(view)(signed_in_first)))

    def redirect_to_second_step(self, request, next_url):
        name = "two_factor_verify" if confirmed_device(request.user) else "two_factor_setup"
        url = reverse(f"admin:{name}", current_app=self.name)
        response = HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}")
        add_never_cache_headers(response)
        return response

    def login(self, request, extra_context=None):
        if request.method == "GET" and second_step_pending(request):
            return self.redirect_to_second_step(request, self._next_url(request))
        return super().login(request, extra_context)

    def get_urls(self):
        return [
            path("two-factor/", self.admin_view(self.two_factor), name="two_factor"),
            path(
                "two-factor/setup/",
                self.second_step_view(self.two_factor_setup),
                name="two_factor_setup",
            ),
            path(
                "two-factor/verify/",
                self.second_step_view(self.two_factor_verify),
                name="two_factor_verify",
            ),
            *super().get_urls(),
        ]

    def _next_url(self, request) -> str:
        url = request.POST.get("next") or request.GET.get("next", "")
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        return reverse("admin:index", current_app=self.name)

    def _step_context(self, request, **context):
        pending = second_step_pending(request)
        defaults = {**self.each_context(request), "second_step_pending": pending}
        if pending:
            # Nothing else is reachable yet: show no way to it.
            defaults.update(available_apps=[], is_nav_sidebar_enabled=False)
        request.current_app = self.name
        return {**defaults, **context}

    def two_factor(self, request):
        """Show a member of staff whether two-factor sign-in protects their account."""
        device = confirmed_device(request.user)
        context = self._step_context(
            request,
            title=_("Two-factor sign-in"),
            device=device,
            required_by_role=request.user.is_superuser
            or request.user.groups.filter(name__in=REQUIRED_ROLES).exists(),
            setup_url=reverse("admin:two_factor_setup", current_app=self.name)
            + "?"
            + urlencode({"next": request.path}),
        )
        return TemplateResponse(request, "admin/two_factor/status.html", context)

    def two_factor_setup(self, request):
        """Set up an authenticator: QR code and key, then its first code to confirm."""
        user = request.user
        next_url = self._next_url(request)
        if confirmed_device(user) is not None and not user.is_verified():
            # Replacing an authenticator takes the current one first.
            return self.redirect_to_second_step(request, next_url)
        key_hex = request.session.get(SETUP_SESSION_KEY)
        if not key_hex:
            key_hex = request.session[SETUP_SESSION_KEY] = random_hex(20)
        form = SetupForm(request.POST or None, key_hex=key_hex)
        if request.method == "POST" and form.is_valid():
            device = device_confirm(
                user=user, key_hex=key_hex, last_t=form.matched_step, drift=form.totp.drift
            )
            del request.session[SETUP_SESSION_KEY]
            request.session.cycle_key()
            django_otp.login(request, device)
            messages.success(
                request,
                _(
                    "Two-factor sign-in is on. Each time you sign in, you will be asked "
                    "for a code from your app."
                ),
            )
            return signed_in_from_here(request, HttpResponseRedirect(next_url))
        url = config_url(user, key_hex)
        context = self._step_context(
            request,
            title=_("Set up two-factor sign-in"),
            form=form,
            qr_code=qr_code_data_uri(url),
            secret=grouped(secret_base32(key_hex)),
            account=user.get_username(),
            replacing=confirmed_device(user) is not None,
        )
        return TemplateResponse(request, "admin/two_factor/setup.html", context)

    def two_factor_verify(self, request):
        """Ask for the code of the authenticator this member of staff set up."""
        user = request.user
        next_url = self._next_url(request)
        if user.is_verified():
            return HttpResponseRedirect(next_url)
        device = confirmed_device(user)
        if device is None:
            if required_for(user):
                return self.redirect_to_second_step(request, next_url)
            return HttpResponseRedirect(next_url)
        form = VerifyForm(request.POST or None, user=user, device=device)
        if request.method == "POST" and form.is_valid():
            request.session.cycle_key()
            django_otp.login(request, form.device)
            return signed_in_from_here(request, HttpResponseRedirect(next_url))
        context = self._step_context(
            request, title=_("Two-factor sign-in"), form=form, username=user.get_username()
        )
        return TemplateResponse(request, "admin/two_factor/verify.html", context)
