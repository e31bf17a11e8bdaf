"""The newsroom's log of who did what to which article."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles import cover
from articles.admin.base import CoveredChangeList
from articles.models import (
    Article,
    ArticleActivity,
)

Status = Article.Status


@admin.register(ArticleActivity)
class ArticleActivityAdmin(admin.ModelAdmin):
    """The newsroom's log, read-only: who did what to which article, and when.

    Who did it is named as the viewer may know them: an account covered by a pen name
    for the article (``articles.cover``) as that pen name, and a log filtered by such an
    account leaves out its lines about the articles it is covered for.
    """

    list_display = ["at", "action", "article_title", "actor_name"]
    list_filter = ["action", "at"]
    list_select_related = ["actor"]
    search_fields = ["article_title"]
    date_hierarchy = "at"
    fields = ["at", "action", "article", "article_title", "actor_name", "details"]
    readonly_fields = fields
    cover_account_fields = ("actor",)
    cover_article_field = "article"

    def get_changelist(self, request, **kwargs):
        return CoveredChangeList

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(actor_cover=cover.hidden_cover_name(request.user))
        )

    @admin.display(description=_("by"))
    def actor_name(self, entry):
        if getattr(entry, "actor_cover", None) is not None:
            return cover.pen_name_label(entry.actor_cover)
        return cover.staff_name(entry.actor) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")
