"""Staff screens: every model, Arabic first, each translated input in its own direction."""

from django.contrib import admin
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TabbedTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from articles.models import (
    Article,
    Correction,
    DailyShareCount,
    Expert,
    Quote,
    Section,
    ShareNetwork,
    Tag,
)

admin.site.site_header = _("SY24 newsroom")
admin.site.site_title = _("SY24 newsroom")
admin.site.index_title = _("Newsroom administration")


class TextDirectionMixin:
    """Give every translated input its own language and direction.

    In the Arabic admin, English inputs would otherwise inherit right-to-left and show
    an English sentence's full stop on the left; the reverse holds in the English admin.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = getattr(db_field, "language", None)
        if field is not None and language:
            field.widget.attrs["lang"] = language
            field.widget.attrs["dir"] = "rtl" if get_language_info(language)["bidi"] else "ltr"
        return field


class TranslatedAdmin(TextDirectionMixin, TabbedTranslationAdmin):
    pass


@admin.register(Section)
class SectionAdmin(TranslatedAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Tag)
class TagAdmin(TranslatedAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name_ar", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Expert)
class ExpertAdmin(TranslatedAdmin):
    list_display = ["name", "honorific", "role", "affiliation", "slug"]
    search_fields = ["name_ar", "name_en", "role_ar", "role_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}
    fieldsets = [
        (None, {"fields": ["name", "honorific", "role", "affiliation", "slug"]}),
        (_("Biography and photo"), {"fields": ["bio", "photo"]}),
    ]


class QuoteInline(TextDirectionMixin, TranslationStackedInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["expert"]
    fields = ["expert", "text", "context", "position", "highlighted"]


class CorrectionInline(TextDirectionMixin, TranslationTabularInline):
    model = Correction
    extra = 0
    fields = ["text", "published_at"]


@admin.register(Article)
class ArticleAdmin(TranslatedAdmin):
    list_display = ["title", "status", "section", "published_at", "is_exclusive", "updated_at"]
    list_filter = ["status", "section", "is_exclusive", "is_demo"]
    list_select_related = ["section"]
    search_fields = ["title_ar", "title_en", "summary_ar", "summary_en"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["tags", "related", "authors"]
    inlines = [QuoteInline, CorrectionInline]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by", "edit_version"]
    fieldsets = [
        (_("Text"), {"fields": ["kicker", "title", "slug", "summary", "body"]}),
        (
            _("Media"),
            {"fields": ["lead_image", "lead_image_caption", "lead_image_credit", "lead_image_alt"]},
        ),
        (
            _("Classification"),
            {"fields": ["section", "tags", "authors", "is_exclusive", "source", "related"]},
        ),
        (_("Publication"), {"fields": ["status", "published_at"]}),
        (
            _("History"),
            {
                "classes": ["collapse"],
                "fields": ["created_at", "created_by", "updated_at", "updated_by", "edit_version"],
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Quote)
class QuoteAdmin(TranslatedAdmin):
    list_display = ["expert", "article", "highlighted"]
    list_select_related = ["expert", "article"]
    autocomplete_fields = ["article", "expert"]
    search_fields = ["text_ar", "text_en", "expert__name_ar", "expert__name_en"]


@admin.register(Correction)
class CorrectionAdmin(TranslatedAdmin):
    list_display = ["article", "published_at"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]


@admin.register(ShareNetwork)
class ShareNetworkAdmin(TranslatedAdmin):
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
