"""Sections and tags: how articles are filed."""

from django.contrib import admin

from articles.admin.base import FoldedSearchMixin, VersionedTranslatedAdmin
from articles.models import (
    Article,
    Section,
    Tag,
)

Status = Article.Status


@admin.register(Section)
class SectionAdmin(VersionedTranslatedAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Tag)
class TagAdmin(FoldedSearchMixin, VersionedTranslatedAdmin):
    folded_search_fields = ("name_ar", "name_en", "slug")
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
