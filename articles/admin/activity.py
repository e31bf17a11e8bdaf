"""The newsroom's log of who did what to which article."""

from django.contrib import admin

from articles.models import (
    Article,
    ArticleActivity,
)

Status = Article.Status


@admin.register(ArticleActivity)
class ArticleActivityAdmin(admin.ModelAdmin):
    """The newsroom's log, read-only: who did what to which article, and when."""

    list_display = ["at", "action", "article_title", "actor"]
    list_filter = ["action", "at"]
    list_select_related = ["actor"]
    search_fields = ["article_title"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")
