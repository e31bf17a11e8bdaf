"""Staff screens: Arabic first, each translated input in its own direction, roles enforced.

Per-object rules come from ``articles.permissions`` and every change of status goes
through ``articles.services``; the admin only offers what those allow, and refuses a
crafted request the same way.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime, AdminTextareaWidget
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import get_language_info, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp import admin as totp_admin
from django_prose_editor.fields import ProseEditorFormField
from modeltranslation.admin import (
    TabbedTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version

from articles import images, pagecache, permissions, roles, services, twofactor
from articles.arabic import normalize_for_search
from articles.models import (
    Article,
    ArticleActivity,
    Correction,
    DailyShareCount,
    Expert,
    Quote,
    Section,
    ShareNetwork,
    Tag,
    TranslationState,
)
from articles.preview import preview_token
from articles.sanitizing import sanitize_html
from articles.search import query_terms
from articles.versioning import COMPARED_ARTICLE_FIELDS, compare_article_states

Status = Article.Status

# Django's Arabic catalogue says "added" where the admin reports a change; the msgid is
# repeated here so that our catalogue, which takes precedence, carries the right one.
DJANGO_MESSAGE_FIXES = [gettext_noop("The {name} “{obj}” was changed successfully.")]

# What the rich-text editor offers: exactly what the sanitizer keeps.
PROSE_EDITOR_CONFIG = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "HardBreak": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "History": True,
    }
}
RICH_TEXT_FIELDS = {"body", "bio"}


class TextDirectionMixin:
    """Give every translated input its own language and direction, and rich text an editor.

    In the Arabic admin, English inputs would otherwise inherit right-to-left and show
    an English sentence's full stop on the left; the reverse holds in the English admin.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        original = getattr(db_field, "translated_field", db_field)
        if original.name in RICH_TEXT_FIELDS:
            attrs = dict(field.widget.attrs)
            field = ProseEditorFormField(
                config=PROSE_EDITOR_CONFIG,
                sanitize=sanitize_html,
                widget=AdminTextareaWidget,
                required=field.required,
                label=field.label,
                help_text=field.help_text,
            )
            field.widget.attrs.update(attrs)
        language = getattr(db_field, "language", None)
        if language:
            field.widget.attrs["lang"] = language
            field.widget.attrs["dir"] = "rtl" if get_language_info(language)["bidi"] else "ltr"
        return field


class TranslatedAdmin(TextDirectionMixin, TabbedTranslationAdmin):
    pass


class FoldedSearchMixin:
    """Search (and autocomplete) that folds Arabic spelling, for the short lists.

    Tags and experts are few (hundreds, not hundreds of thousands), so their names are
    folded in Python: "الرقه" finds the tag "الرقة" and "احمد" the expert "أحمد", and
    journalists do not create the same tag or expert twice.
    """

    folded_search_fields = ()

    def get_search_results(self, request, queryset, search_term):
        terms = query_terms(search_term)
        if not terms:
            return super().get_search_results(request, queryset, search_term)
        matching = [
            pk
            for pk, *values in queryset.values_list("pk", *self.folded_search_fields)
            if all(
                any(term in normalize_for_search(value or "") for value in values) for term in terms
            )
        ]
        return queryset.filter(pk__in=matching), False


class RevisionGuardMixin:
    """Restore and recover only this model's own versions, and only what the user may change.

    django-reversion finds a version by its id alone and reverts its whole revision
    before the change form checks anything: an article's version posted to the quotes'
    "recover" address would bring back the article's old text and status for anyone who
    may add a quote. A revision also holds several rows (an article with its quotes and
    corrections): each must be the user's to change, or the restore is refused.
    """

    def revision_view(self, request, object_id, version_id, extra_context=None):
        versions = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        self._check_may_revert(request, get_object_or_404(versions, pk=version_id))
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        deleted = Version.objects.get_deleted(self.model)
        self._check_may_revert(request, get_object_or_404(deleted, pk=version_id))
        return super().recover_view(request, version_id, extra_context)

    def _check_may_revert(self, request, version):
        if request.method != "POST":
            return  # Showing a version changes nothing: reversion rolls the revert back.
        for held in version.revision.version_set.select_related("content_type"):
            model = held.content_type.model_class()
            model_admin = self.admin_site._registry.get(model) if model else None
            if model_admin is None:
                raise PermissionDenied
            current = model._default_manager.filter(pk=held.object_id).first()
            if current is not None:
                allowed = model_admin.has_change_permission(request, current)
            else:
                try:
                    restored = held._object_version.object
                except RevertError:
                    continue  # Unreadable: reversion's own revert fails and changes nothing.
                allowed = model_admin.has_add_permission(request)
                try:
                    allowed = allowed and model_admin.has_change_permission(request, restored)
                except ObjectDoesNotExist:
                    # Its article is gone too: restored by this same revision (and judged
                    # as a row of its own), or missing, and then the revert fails whole.
                    allowed = allowed and model_admin.has_change_permission(request)
            if not allowed:
                raise PermissionDenied


class VersionedTranslatedAdmin(RevisionGuardMixin, VersionAdmin, TranslatedAdmin):
    """Translated, with revisions: history, restore, and recovery of deleted rows."""


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


class ArticleChildInline:
    """Quotes and corrections follow the article: editable only where the article is."""

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and (
            obj is None or permissions.can_edit(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or permissions.can_edit(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or permissions.can_edit(request.user, obj)
        )


class QuoteInline(ArticleChildInline, TextDirectionMixin, TranslationStackedInline):
    model = Quote
    extra = 0
    autocomplete_fields = ["expert"]
    fields = ["expert", "text", "context", "position", "highlighted"]


class CorrectionInline(ArticleChildInline, TextDirectionMixin, TranslationTabularInline):
    model = Correction
    extra = 0
    fields = ["text", "published_at"]


class ArticleAdminForm(images.ImageAltTextFormMixin, forms.ModelForm):
    """The article form, which refuses to overwrite a save made after it was opened."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    scheduled_for = forms.SplitDateTimeField(
        label=_("Schedule for"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Set a time, then press “Schedule”. Damascus time."),
    )
    # Set by ArticleAdmin.get_form for the request at hand.
    workflow_action = ""
    conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.edit_version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_not_overwriting()
        if self.workflow_action == "_schedule":
            when = cleaned.get("scheduled_for")
            if not when:
                self.add_error("scheduled_for", _("Choose the time to publish at."))
            elif when <= timezone.now():
                self.add_error("scheduled_for", _("Choose a publication time in the future."))
        return cleaned

    def _check_not_overwriting(self):
        opened = self.cleaned_data.get("opened_version")
        # Locked until the admin's transaction ends, so two saves cannot both pass.
        current = (
            Article.objects.select_for_update(of=("self",))
            .filter(pk=self.instance.pk)
            .values("edit_version", "updated_at", "updated_by__username")
            .first()
        )
        if current is None or opened == current["edit_version"]:
            return
        self.conflict = {
            "opened_version": opened,
            "current_version": current["edit_version"],
            "by": current["updated_by__username"] or "",
            "at": current["updated_at"],
        }
        # The next save, made knowingly after reading the changes, may go through.
        self.data = self.data.copy()
        self.data[self.add_prefix("opened_version")] = current["edit_version"]
        raise ValidationError(
            _(
                "%(user)s saved this article at %(time)s, after you opened it. Your text is "
                "kept below; above, their saved version beside yours. Keep what you need "
                "from theirs, then save again."
            ),
            code="conflict",
            params={
                "user": self.conflict["by"] or _("someone"),
                "time": localize(localtime(current["updated_at"])),
            },
        )


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            (Status.DRAFT, _("draft")),
            (Status.REVIEW, _("in review")),
            ("scheduled", _("scheduled")),
            (Status.PUBLISHED, _("published")),
            (Status.ARCHIVED, _("archived")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "scheduled":
            return queryset.filter(status=Status.PUBLISHED, published_at__gt=now)
        if self.value() == Status.PUBLISHED:
            return queryset.filter(status=Status.PUBLISHED, published_at__lte=now)
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class TranslationStateFilter(admin.SimpleListFilter):
    title = _("translation")
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        return TranslationState.choices

    def queryset(self, request, queryset):
        english = Article.objects.available_in("en").values("pk")
        outdated = Q(content_changed_ar__gt=F("content_changed_en"))
        if self.value() == TranslationState.MISSING:
            return queryset.exclude(pk__in=english)
        if self.value() == TranslationState.OUTDATED:
            return queryset.filter(outdated, pk__in=english)
        if self.value() == TranslationState.COMPLETE:
            return queryset.filter(pk__in=english).exclude(outdated)
        return queryset


class StaffAuthorFilter(admin.RelatedOnlyFieldListFilter):
    """Authors who wrote something, not every account."""


WORKFLOW_BUTTONS = {
    "_submit_review": _("Submit for review"),
    "_return_draft": _("Return to draft"),
    "_publish": _("Publish now"),
    "_schedule": _("Schedule"),
    "_unpublish": _("Unpublish"),
    "_archive": _("Archive"),
}


@admin.register(Article)
class ArticleAdmin(RevisionGuardMixin, VersionAdmin, TranslatedAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    list_display = [
        "title",
        "status_label",
        "section",
        "authors_list",
        "published_at",
        "translation_label",
        "share_clicks",
    ]
    list_filter = [
        StatusFilter,
        "section",
        ("authors", StaffAuthorFilter),
        TranslationStateFilter,
        "published_at",
        "is_demo",
    ]
    list_select_related = ["section"]
    list_per_page = 50
    search_fields = ["search_ar", "search_en"]
    search_help_text = _("Finds Arabic words however they are spelled (أ/ا, ة/ه, ى/ي).")
    date_hierarchy = "published_at"
    autocomplete_fields = ["tags", "related", "authors"]
    inlines = [QuoteInline, CorrectionInline]
    actions = [
        "submit_selected",
        "publish_selected",
        "unpublish_selected",
        "archive_selected",
    ]
    readonly_fields = [
        "status_label",
        "published_at",
        "translation_label",
        "activity_log",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]

    def view_on_site(self, article):
        """Offer "view on site" only where readers would find the page."""
        return article.get_absolute_url() if article.is_live else None

    # --- form -----------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        publication = ["status_label", "published_at"]
        if permissions.can_publish(request.user):
            publication.append("scheduled_for")
        publication.append("translation_label")
        classification = ["section", "tags", "authors", "is_exclusive", "source", "related"]
        # modeltranslation replaces each translated field by its per-language inputs.
        return self._patch_fieldsets(
            [
                (
                    _("Text"),
                    {"fields": ["opened_version", "kicker", "title", "slug", "summary", "body"]},
                ),
                (
                    _("Media"),
                    {
                        "fields": [
                            "lead_image",
                            "lead_image_alt",
                            "lead_image_caption",
                            "lead_image_credit",
                        ]
                    },
                ),
                (_("Classification"), {"fields": classification}),
                (_("Publication"), {"fields": publication}),
                (
                    _("History"),
                    {
                        "classes": ["collapse"],
                        "fields": [
                            "activity_log",
                            "created_at",
                            "created_by",
                            "updated_at",
                            "updated_by",
                        ],
                    },
                ),
            ]
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if not permissions.can_publish(request.user):
            # Journalists are credited automatically; editors choose the byline.
            fields.append("authors")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        action = next((name for name in WORKFLOW_BUTTONS if name in request.POST), "")
        return type(form.__name__, (form,), {"workflow_action": action})

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_publish(request.user)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        if not change and not permissions.can_publish(request.user):
            article.authors.add(request.user)
        services.activity_record(
            article=article,
            actor=request.user,
            action=ArticleActivity.Action.EDITED if change else ArticleActivity.Action.CREATED,
        )
        self._run_workflow(request, article, form)

    def _run_workflow(self, request, article, form):
        action = form.workflow_action
        if not action:
            return
        calls = {
            "_submit_review": (services.article_submit_for_review, _("Sent to the editors.")),
            "_return_draft": (services.article_return_to_draft, _("Returned to draft.")),
            "_publish": (services.article_publish, _("Published: readers can see it now.")),
            "_unpublish": (services.article_unpublish, _("Unpublished: readers no longer see it.")),
            "_archive": (services.article_archive, _("Archived.")),
            "_schedule": (services.article_schedule, _("Scheduled.")),
        }
        service, done = calls[action]
        extra = {"at": form.cleaned_data["scheduled_for"]} if action == "_schedule" else {}
        try:
            service(article=article, actor=request.user, **extra)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return
        # PermissionDenied propagates: the admin answers 403 and rolls the save back.
        messages.success(request, done)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_buttons"] = self._workflow_buttons(request, obj)
        if obj is not None and obj.pk:
            from articles.views import absolute_url

            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            context["public_preview_url"] = absolute_url(
                request, reverse("articles:preview", kwargs={"token": preview_token(obj.pk)})
            )
            context["preview_expires"] = timezone.now() + timedelta(
                seconds=settings.NEWSROOM_PREVIEW_MAX_AGE
            )
        form = context["adminform"].form
        if form.conflict and obj is not None:
            context["conflict"] = form.conflict
            context["conflict_rows"] = [
                row for row in self._saved_beside_mine(obj, form) if row["changed"]
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_buttons(self, request, article):
        user = request.user
        if article is None:
            names = ["_submit_review"] + (
                ["_publish", "_schedule"] if permissions.can_publish(user) else []
            )
        elif not permissions.can_edit(user, article):
            names = []
        elif not permissions.can_publish(user):
            names = ["_submit_review"] if article.status == Status.DRAFT else []
        elif article.status == Status.PUBLISHED:
            names = ["_unpublish", "_archive"] + ([] if article.is_live else ["_publish"])
        else:
            names = ["_publish", "_schedule", "_archive"]
            if article.status == Status.REVIEW:
                names.insert(0, "_return_draft")
            if article.status == Status.ARCHIVED:
                names.remove("_archive")
        return [(name, WORKFLOW_BUTTONS[name]) for name in names]

    # --- change list ----------------------------------------------------------------

    def get_queryset(self, request):
        clicks = (
            DailyShareCount.objects.filter(article=OuterRef("pk"))
            .values("article")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related("authors")
            .annotate(share_total=Coalesce(Subquery(clicks, output_field=IntegerField()), 0))
        )

    def get_search_results(self, request, queryset, search_term):
        """Search the folded text, so that "الرقه" finds "الرقة" and أ/إ/آ find ا."""
        terms = normalize_for_search(search_term).split()
        if not terms:
            return queryset, False
        for term in terms:
            queryset = queryset.filter(Q(search_ar__contains=term) | Q(search_en__contains=term))
        return queryset, False

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, article):
        if article.status == Status.PUBLISHED and not article.is_live:
            return format_html(
                "{} <small>({})</small>",
                _("scheduled"),
                localize(localtime(article.published_at)),
            )
        return article.get_status_display()

    @admin.display(description=_("authors"))
    def authors_list(self, article):
        return "، ".join(
            user.get_full_name() or user.get_username() for user in article.authors.all()
        )

    @admin.display(description=_("translation"))
    def translation_label(self, article):
        state = article.translation_state
        return format_html(
            '<span class="translation-state translation-state--{}">{}</span>',
            state,
            TranslationState(state).label,
        )

    @admin.display(description=_("share clicks"), ordering="share_total")
    def share_clicks(self, article):
        return article.share_total

    @admin.display(description=_("activity log"))
    def activity_log(self, article):
        if not article.pk:
            return "—"
        entries = article.activity.select_related("actor")[:30]
        return format_html(
            "<ul class='activity-log'>{}</ul>",
            format_html_join(
                "",
                "<li><time>{}</time> · {} · {}</li>",
                (
                    (
                        localize(localtime(entry.at)),
                        entry.get_action_display(),
                        entry.actor.get_username() if entry.actor else "—",
                    )
                    for entry in entries
                ),
            ),
        )

    # --- actions --------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        """Let each article an action changes keep a revision of its own.

        VersionAdmin opens one revision around the whole change list, and every
        service call would join it: restoring any of the articles would then restore
        all the others too.
        """
        context = {"has_change_permission": self.has_change_permission(request)}
        return super(VersionAdmin, self).changelist_view(
            request, {**context, **(extra_context or {})}
        )

    def _bulk(self, request, queryset, service, done_message):
        done = skipped = 0
        # All or nothing: an error on one article (not a refusal) undoes the others.
        with transaction.atomic():
            for article in queryset:
                try:
                    service(article=article, actor=request.user)
                    done += 1
                except (PermissionDenied, ValidationError):
                    skipped += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d article was left as it was: the change does not apply to it.",
                    "%(count)d articles were left as they were: the change does not apply.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(permissions=["change"], description=_("Submit the selected drafts for review"))
    def submit_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_submit_for_review,
            lambda n: (
                ngettext(
                    "%(count)d article sent for review.", "%(count)d articles sent for review.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(permissions=["publish"], description=_("Publish the selected articles now"))
    def publish_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_publish,
            lambda n: (
                ngettext("%(count)d article published.", "%(count)d articles published.", n)
                % {"count": n}
            ),
        )

    @admin.action(permissions=["publish"], description=_("Unpublish the selected articles"))
    def unpublish_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_unpublish,
            lambda n: (
                ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", n)
                % {"count": n}
            ),
        )

    @admin.action(permissions=["publish"], description=_("Archive the selected articles"))
    def archive_selected(self, request, queryset):
        self._bulk(
            request,
            queryset,
            services.article_archive,
            lambda n: (
                ngettext("%(count)d article archived.", "%(count)d articles archived.", n)
                % {"count": n}
            ),
        )

    # --- extra views ----------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        from articles.views import render_article

        article = self.get_object(request, object_id)
        if article is None:
            raise Http404
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return render_article(request, article, preview=True)

    def _versions(self, article_id):
        return Version.objects.get_for_object_reference(Article, article_id).select_related(
            "revision", "revision__user"
        )

    def _saved_beside_mine(self, article, form):
        """Compare the version saved by someone else with the text this user submitted."""
        saved = Article.objects.get(pk=article.pk)
        current = {field: getattr(saved, field) for field, _label, _rich in COMPARED_ARTICLE_FIELDS}
        current["tags"] = list(saved.tags.values_list("pk", flat=True))
        mine = dict(current)
        for field in current:
            name = "section" if field == "section_id" else field
            if name not in form.cleaned_data:
                continue
            value = form.cleaned_data[name]
            if name == "section":
                value = value.pk if value else None
            elif name == "tags":
                value = [tag.pk for tag in value]
            mine[field] = value
        return compare_article_states(current, mine)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PermissionDenied:
            if request.method != "POST":
                raise
            # The save is refused (someone published the article meanwhile, or the
            # request asked for what this role may not do): the text is not lost.
            return self._refused(request, object_id)

    def _refused(self, request, object_id):
        article = Article.objects.filter(pk=object_id).first() if object_id else None
        texts = [
            (field, label, language, request.POST.get(field, ""))
            for field, label, rich in COMPARED_ARTICLE_FIELDS
            if (language := field[-2:]) in ("ar", "en") and request.POST.get(field, "").strip()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Your changes were not saved"),
            "article": article,
            "texts": texts,
            "status": article.get_status_display() if article else "",
        }
        return TemplateResponse(request, "admin/articles/article/refused.html", context, status=403)

    def compare_view(self, request, object_id):
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        versions = self._versions(article.pk)
        try:
            old = get_object_or_404(versions, pk=int(request.GET.get("old", "")))
            new = get_object_or_404(versions, pk=int(request.GET.get("new", "")))
        except ValueError:
            raise Http404 from None
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": _("Compare versions"),
            "old": old,
            "new": new,
            "rows": compare_article_states(old.field_dict, new.field_dict),
            "revert_url": reverse("admin:articles_article_revision", args=[article.pk, old.pk]),
            "has_change_permission": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        context = {
            "versions": list(self._versions(object_id)) if article else [],
            "activity": list(article.activity.select_related("actor")[:100]) if article else [],
        }
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore an earlier version's text, never its status or publication time.

        Restoring the wording of a draft must not unpublish the article behind the
        publishing rules: status changes go through the workflow only.
        """
        before = (
            Article.objects.filter(pk=object_id)
            .values("status", "published_at", "edit_version")
            .first()
        )
        response = super().revision_view(request, object_id, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302 and before:
            article = Article.objects.filter(pk=object_id).first()
            # A restore that failed redirects too, having saved nothing: log none.
            if article is not None and article.edit_version != before.pop("edit_version"):
                Article.objects.filter(pk=article.pk).update(**before)
                pagecache.content_changed()  # update() sends no signal
                services.activity_record(
                    article=article, actor=request.user, action=ArticleActivity.Action.RESTORED
                )
        return response

    def recover_view(self, request, version_id, extra_context=None):
        response = super().recover_view(request, version_id, extra_context)
        if request.method == "POST" and response.status_code == 302:
            version = Version.objects.filter(pk=version_id).first()
            article = Article.objects.filter(pk=version.object_id).first() if version else None
            if article is not None:
                services.activity_record(
                    article=article, actor=request.user, action=ArticleActivity.Action.RECOVERED
                )
        return response

    def delete_model(self, request, obj):
        services.activity_record(
            article=obj, actor=request.user, action=ArticleActivity.Action.DELETED
        )
        super().delete_model(request, obj)

    formfield_overrides = {
        models.ImageField: {
            "form_class": images.ImageUploadField,
            "widget": images.ImagePreviewWidget,
        }
    }


@admin.register(Quote)
class QuoteAdmin(VersionedTranslatedAdmin):
    def view_on_site(self, quote):
        return quote.get_absolute_url() if quote.article.is_live else None

    list_display = ["expert", "article", "highlighted"]
    list_select_related = ["expert", "article"]
    autocomplete_fields = ["article", "expert"]
    search_fields = ["text_ar", "text_en", "expert__name_ar", "expert__name_en"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj.article))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj.article))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "article" and not permissions.can_publish(request.user):
            # A journalist quotes experts in their own unpublished articles only.
            kwargs["queryset"] = Article.objects.filter(
                Q(created_by=request.user) | Q(authors=request.user),
                status__in=permissions.EDITABLE_BY_AUTHOR,
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Correction)
class CorrectionAdmin(VersionedTranslatedAdmin):
    list_display = ["article", "published_at"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]


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


User = get_user_model()
admin.site.unregister(User)
# Nobody sees anyone's two-factor secret, superusers included: staff set up their own,
# administrators only reset them (StaffAdmin below).
admin.site.unregister(totp_admin.TOTPDevice)


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Staff accounts. Administrators assign roles; only a superuser grants superpowers."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    list_display = [
        "username",
        "first_name",
        "last_name",
        "role_names",
        "two_factor",
        "is_active",
        "last_login",
    ]
    list_filter = ["groups", "is_active", "is_staff"]
    actions = ["sign_out_everywhere", "reset_two_factor"]

    @admin.action(permissions=["change"], description=_("Sign the selected staff out everywhere"))
    def sign_out_everywhere(self, request, queryset):
        """End every session of the selected accounts: a lost phone, a stolen password."""
        users = {str(pk) for pk in queryset.values_list("pk", flat=True)}
        if not request.user.is_superuser:
            users -= {
                str(pk) for pk in queryset.filter(is_superuser=True).values_list("pk", flat=True)
            }
        ended = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get(SESSION_KEY) in users
        ]
        Session.objects.filter(pk__in=ended).delete()
        self.message_user(
            request,
            ngettext("%(count)d session ended.", "%(count)d sessions ended.", len(ended))
            % {"count": len(ended)},
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        return twofactor.with_two_factor_state(
            super().get_queryset(request).prefetch_related("groups")
        )

    @admin.action(permissions=["change"], description=_("Reset two-factor sign-in (lost phone)"))
    def reset_two_factor(self, request, queryset):
        """Forget the authenticators of the selected staff: they set one up at next sign-in."""
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        reset = twofactor.devices_reset(users=queryset)
        for user in reset:
            self.log_change(request, user, [{"changed": {"fields": ["two-factor sign-in"]}}])
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d account: it will be set up again "
                "at the next sign-in.",
                "Two-factor sign-in reset for %(count)d accounts: each will be set up again "
                "at the next sign-in.",
                len(reset),
            )
            % {"count": len(reset)},
            messages.SUCCESS,
        )

    @admin.display(boolean=True, description=_("two-factor sign-in"))
    def two_factor(self, user):
        return user.has_two_factor

    @admin.display(description=_("roles"))
    def role_names(self, user):
        return "، ".join(str(roles.ROLE_LABELS.get(g.name, g.name)) for g in user.groups.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        # A newsroom role means working in the admin: without staff status the new
        # colleague could not log in, and would only be told the password is wrong.
        if not user.is_staff and user.groups.filter(name__in=roles.ROLES).exists():
            user.is_staff = True
            user.save(update_fields=["is_staff"])

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.ROLES)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: str(
                roles.ROLE_LABELS.get(group.name, group.name)
            )
        return field

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
