"""What sign-in throttling remembers: failed sign-ins, and the places staff sign in from.

The rules that read them are in ``staff/signin.py``; ``docs/security.md`` says which attack
each one stops.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInFailure(models.Model):
    """One wrong password (or unknown account name) typed at the admin's sign-in."""

    username = models.CharField(_("account name typed"), max_length=150)
    address = models.GenericIPAddressField(_("address"))
    at = models.DateTimeField(_("time"), db_index=True)
    known_place = models.BooleanField(
        _("from a known place"),
        default=False,
        help_text=_("Typed where this account signed in before."),
    )
    cleared_at = models.DateTimeField(_("no longer counted since"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "at"], name="signinfailure_username"),
            models.Index(fields=["address", "at"], name="signinfailure_address"),
        ]

    def __str__(self):
        return f"{self.username} ({self.address})"


class KnownPlace(models.Model):
    """An address a member of staff completed sign-in from (both steps, where due)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="known_places",
    )
    address = models.GenericIPAddressField(_("address"))
    first_seen = models.DateTimeField(_("first signed in"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last signed in"))

    class Meta:
        verbose_name = _("known place")
        verbose_name_plural = _("known places")
        constraints = [
            models.UniqueConstraint(fields=["user", "address"], name="knownplace_once"),
        ]

    def __str__(self):
        return f"{self.user} ({self.address})"
