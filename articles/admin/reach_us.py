"""The reach-us page: one row, its text and Telegram channel edited without a deploy."""

from django.contrib import admin
from django.shortcuts import redirect

from articles.admin.base import TranslatedAdmin
from articles.admin.stale import StaleSaveAdminMixin
from articles.models import ReachUsPage


@admin.register(ReachUsPage)
class ReachUsPageAdmin(StaleSaveAdminMixin, TranslatedAdmin):
    fields = ["body", "telegram_url"]

    def has_add_permission(self, request):
        # One page: made by the migration, added here only if it was ever lost.
        return super().has_add_permission(request) and not ReachUsPage.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """The list of one row is the row itself."""
        page = ReachUsPage.objects.first()
        if page is not None and self.has_view_or_change_permission(request, page):
            return redirect("admin:articles_reachuspage_change", page.pk)
        return super().changelist_view(request, extra_context)
