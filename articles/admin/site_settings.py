"""The masthead and footer: one row, the logo and the footer's pages and links, edited
without a deploy. The sections menu is the sections' own list, sorted by position."""

from django.contrib import admin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from articles.admin.base import TranslatedAdmin
from articles.admin.stale import StaleSaveAdminMixin
from articles.models import SiteSettings


@admin.register(SiteSettings)
class SiteSettingsAdmin(StaleSaveAdminMixin, TranslatedAdmin):
    fieldsets = [
        (_("Masthead"), {"fields": ["logo"]}),
        (
            _("Pages"),
            {
                "fields": [
                    "about",
                    "corrections_policy",
                    "ownership_funding",
                    "unnamed_sources_policy",
                ]
            },
        ),
        (
            _("Links"),
            {
                "fields": [
                    "contact_url",
                    *(field for field, _label in SiteSettings.SOCIAL),
                    # The contact page's safe channels, and its advice to sources.
                    "signal",
                    "securedrop_url",
                    "hush_line_url",
                    "pgp_key",
                    "pgp_fingerprint",
                    "contact_advice",
                ]
            },
        ),
    ]
    # Addresses, numbers and keys read left to right in the Arabic admin too.
    LEFT_TO_RIGHT = {"signal", "securedrop_url", "hush_line_url", "pgp_key", "pgp_fingerprint"}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "logo":
            field.widget.attrs["accept"] = ".svg,image/svg+xml"  # the file picker's filter
        if db_field.name in self.LEFT_TO_RIGHT:
            field.widget.attrs["dir"] = "ltr"
        return field

    def has_add_permission(self, request):
        # One row: made by the migration, added here only if it was ever lost.
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """The list of one row is the row itself."""
        row = SiteSettings.objects.first()
        if row is not None and self.has_view_or_change_permission(request, row):
            return redirect("admin:articles_sitesettings_change", row.pk)
        return super().changelist_view(request, extra_context)
