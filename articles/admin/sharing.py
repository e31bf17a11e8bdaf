"""Share networks, and the share counts readers' clicks write."""

from django.contrib import admin

from articles.admin.base import VersionedTranslatedAdmin
from articles.models import (
    Article,
    DailyShareCount,
    ShareNetwork,
)

Status = Article.Status


@admin.register(ShareNetwork)
class ShareNetworkAdmin(VersionedTranslatedAdmin):
    list_display = ["name", "slug", "position", "is_active"]
    list_editable = ["position", "is_active"]


@admin.register(DailyShareCount)
class DailyShareCountAdmin(admin.ModelAdmin):
    """Share counts are written by readers' clicks only; staff read them."""

    list_display = ["article", "network", "day", "count"]
    list_filter = ["network", "day"]
    list_select_related = ["article", "network"]
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
