"""Experts: the people quoted in the news."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.admin.base import FoldedSearchMixin, VersionedTranslatedAdmin
from articles.media import images
from articles.models import (
    Article,
    Expert,
)

Status = Article.Status


@admin.register(Expert)
class ExpertAdmin(FoldedSearchMixin, VersionedTranslatedAdmin):
    folded_search_fields = ("name_ar", "name_en", "role_ar", "role_en", "slug")
    list_display = ["name", "honorific", "role", "affiliation", "slug"]
    search_fields = ["name_ar", "name_en", "role_ar", "role_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    fieldsets = [
        (None, {"fields": ["name", "honorific", "role", "affiliation", "slug"]}),
        (_("Biography and photo"), {"fields": ["bio", "photo"]}),
    ]
    formfield_overrides = {
        models.ImageField: {
            "form_class": images.ImageUploadField,
            "widget": images.ImagePreviewWidget,
        }
    }
