"""Articles, with their quotes and corrections: the newsroom's main screen.

Per-object rules come from ``articles.permissions`` and every change of an article goes
through ``articles.writing.actions``; the admin only offers what those allow, and refuses a
crafted request the same way.
"""

from contextlib import suppress
from contextvars import ContextVar
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version

from articles import cover, permissions
from articles.admin import body_images, whatsapp
from articles.admin.authors import may_see_link, profiles_for
from articles.admin.base import (
    CoveredChangeList,
    RevisionGuardMixin,
    TextDirectionMixin,
    VersionedTranslatedAdmin,
)
from articles.admin.deliveries import deliveries_context
from articles.admin.stale import StaleSaveAdminMixin, StaleSaveInlineMixin, viewer
from articles.admin.translating import LanguageLabelsMixin, TranslatorsViewMixin
from articles.arabic import normalize_for_search
from articles.links import absolute_url, site_origin
from articles.media import images
from articles.models import (
    Article,
    AuthorProfile,
    Correction,
    DailyReadCount,
    DailyShareCount,
    PreviewLink,
    Quote,
    TranslationState,
)
from articles.reading import pages
from articles.reading.pages import page_context
from articles.versioning import COMPARED_ARTICLE_FIELDS, compare_article_states
from articles.writing import actions

Status = Article.Status
# The article's own fields (a form's other inputs, such as the time to schedule for,
# are not part of what a revision records as changed).
ARTICLE_FIELD_NAMES = {
    field.name
    for field in Article._meta.get_fields()
    if not (field.is_relation and field.auto_created)
}
# Set while reversion brings back an earlier version (restore) or a deleted article
# (recover): the form's save is then that action.
_restoring: ContextVar[dict | None] = ContextVar("restoring", default=None)
_recovering: ContextVar[bool] = ContextVar("recovering", default=False)
# Where a preview link just made waits, in the maker's session, to be shown to them
# once: only its digest is stored, so it cannot be shown again.
NEW_PREVIEW_LINK = "articles:new-preview-link"


def cover_of(article) -> cover.Cover:
    """Return what the member of staff the page is drawn for may know of the accounts
    behind ``article``, read once, when the page first names one: its fields are drawn
    after the view returns, so the viewer is the one ``get_object`` read it for."""
    kept = getattr(article, "_cover", None)
    if kept is None:
        kept = cover.cover_for(article.pk, getattr(article, "_viewer", None) or viewer.get())
        article._cover = kept
    return kept


class ChangedFormsOnly(BaseInlineFormSet):
    """An inline formset that validates and saves only the rows whose fields changed.

    A row the editor left as it was is not saved (Django's formsets never save those)
    and so needs no validation either: it costs no query. A row marked for deletion has
    changed.
    """

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < self.initial_form_count():
            kwargs["empty_permitted"] = True
        return kwargs


class ArticleChildInline:
    """Quotes and corrections follow the article: editable only where the article is."""

    formset = ChangedFormsOnly

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


class QuoteInline(
    StaleSaveInlineMixin,
    ArticleChildInline,
    LanguageLabelsMixin,
    TextDirectionMixin,
    TranslationStackedInline,
):
    model = Quote
    extra = 0
    autocomplete_fields = ["expert"]
    fields = ["expert", "text", "context", "position", "highlighted"]


class CorrectionInline(
    StaleSaveInlineMixin,
    ArticleChildInline,
    LanguageLabelsMixin,
    TextDirectionMixin,
    TranslationTabularInline,
):
    model = Correction
    extra = 0
    fields = ["text", "published_at"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # The box that posts a correction to the channel, where there is one.
        if settings.NEWSROOM_TELEGRAM_BOT_TOKEN:
            return [*fields, "announce"]
        return fields


class ArticleAdminForm(images.ImageAltTextFormMixin, forms.ModelForm):
    """The article form, which refuses to overwrite a save made after it was opened."""

    opened_version = forms.IntegerField(
        label=_("Version opened"), widget=forms.HiddenInput, required=False
    )
    scheduled_for = forms.SplitDateTimeField(
        label=_("Schedule for"),
        required=False,
        widget=AdminSplitDateTime,
        help_text=_("Set a time, then press “Schedule”. Damascus time."),
    )
    # Set by ArticleAdmin.get_form for the request at hand: who saves, and the button
    # pressed (a name of ``actions.WORKFLOW``), or the restore or recovery under way.
    actor = None
    workflow_action = ""
    restoring = None
    recovering = False
    conflict = None
    # The action that will save the article, made in clean().
    action = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.edit_version
        if "piece_type" in self.fields:
            # A post without it (a script, an older form) keeps the article's kind.
            self.fields["piece_type"].required = False

    def clean_piece_type(self):
        return self.cleaned_data.get("piece_type") or self.instance.piece_type

    @cached_property
    def changed_data(self):
        """What the person changed: a kind of piece the post did not name is kept, not
        changed (the history would say otherwise)."""
        changed = super().changed_data
        if self.add_prefix("piece_type") not in self.data:
            changed = [name for name in changed if name != "piece_type"]
        return changed

    def clean(self):
        """Refuse to overwrite a save made since the form was opened, and what the
        button pressed may not do to the article as it stands (PermissionDenied, for what
        the user's role may not do, propagates: the admin answers with their text)."""
        cleaned = super().clean()
        if self.instance.pk:
            self._check_not_overwriting()
        self._check_fact_check(cleaned)
        if self.workflow_action == "schedule" and not cleaned.get("scheduled_for"):
            self.add_error("scheduled_for", _("Choose the time to publish at."))
            return cleaned
        self.action = self._action(cleaned)
        try:
            self.action.check()
        except ValidationError as error:
            self.add_error("scheduled_for" if error.code == "past" else None, error)
        return cleaned

    def _check_fact_check(self, cleaned: dict) -> None:
        """Refuse a fact-check without its claim or its verdict, beside the input
        that lacks it; the rest of the editor's text stays in the form."""
        if cleaned.get("piece_type") != Article.PieceType.FACT_CHECK:
            return
        checked = Article(
            piece_type=cleaned["piece_type"],
            claim_ar=cleaned.get("claim_ar", self.instance.claim_ar),
            claim_rating=cleaned.get("claim_rating", self.instance.claim_rating),
        )
        for name, message in checked.fact_check_problems().items():
            self.add_error(name if name in self.fields else None, message)

    def _action(self, cleaned: dict) -> actions.ArticleAction:
        if self.restoring is not None:
            return actions.RestoreRevision(self.instance, actor=self.actor, kept=self.restoring)
        if self.recovering:
            return actions.RecoverDeleted(self.instance, actor=self.actor)
        if self.workflow_action == "schedule":
            at = cleaned.get("scheduled_for")
            return actions.Schedule(self.instance, actor=self.actor, at=at)
        if self.workflow_action:
            return actions.WORKFLOW[self.workflow_action](self.instance, actor=self.actor)
        return actions.ArticleAction(self.instance, actor=self.actor)

    def _check_not_overwriting(self):
        # The instance was read for this save, locked until the admin's transaction ends
        # (ArticleAdmin.get_object), so two saves cannot both pass.
        opened = self.cleaned_data.get("opened_version")
        current = self.instance
        if opened == current.edit_version:
            return
        self.conflict = {
            "opened_version": opened,
            "current_version": current.edit_version,
            "by": cover.masked_staff_name(current.updated_by, current.pk, self.actor),
            "at": current.updated_at,
        }
        # The next save, made knowingly after reading the changes, may go through.
        self.data = self.data.copy()
        self.data[self.add_prefix("opened_version")] = current.edit_version
        raise ValidationError(
            _(
                "%(user)s saved this article at %(time)s, after you opened it. Your text is "
                "kept below; above, their saved version beside yours. Keep what you need "
                "from theirs, then save again."
            ),
            code="conflict",
            params={
                "user": self.conflict["by"] or _("someone"),
                "time": localize(localtime(current.updated_at)),
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


MOST_READ_ROWS = 20


def week_start():
    """Return the first day of "this week": what readers' "most read this week" counts
    (today and the days before it)."""
    return timezone.localdate() - timedelta(days=pages.MOST_READ_DAYS - 1)


class WeekReadsFilter(admin.SimpleListFilter):
    """The articles by how much they were read this week (the "reads" column)."""

    title = _("reads this week")
    parameter_name = "reads"
    RANGES = {"1000": (1000, None), "100": (100, 999), "1": (1, 99), "0": (0, 0)}

    def lookups(self, request, model_admin):
        return [
            ("top", _("the 20 most read")),
            ("1000", _("1,000 or more")),
            ("100", _("100 to 999")),
            ("1", _("1 to 99")),
            ("0", _("not read")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "top":
            top = (
                DailyReadCount.objects.filter(day__gte=week_start())
                .values("article")
                .annotate(total=Sum("count"))
                .order_by("-total", "-article")
                .values_list("article", flat=True)[:MOST_READ_ROWS]
            )
            return queryset.filter(pk__in=list(top), week_reads__gt=0)
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            queryset = queryset.filter(week_reads__gte=low)
            return queryset if high is None else queryset.filter(week_reads__lte=high)
        return queryset


class StaffAuthorFilter(admin.RelatedOnlyFieldListFilter):
    """Authors who wrote something, not every account."""


# The buttons of the article form, each named "_" + the action it runs.
WORKFLOW_BUTTONS = {
    "_submit_review": _("Submit for review"),
    "_return_draft": _("Return to draft"),
    "_publish": _("Publish now"),
    "_schedule": _("Schedule"),
    "_unpublish": _("Unpublish"),
    "_archive": _("Archive"),
}


@admin.register(Article)
class ArticleAdmin(
    StaleSaveAdminMixin,
    TranslatorsViewMixin,
    RevisionGuardMixin,
    VersionAdmin,
    TextDirectionMixin,
    TranslationAdmin,
):
    # Untabbed: the Arabic inputs first, the English in their own fieldset, each beside
    # the saved Arabic (admin/translating.py).
    form = ArticleAdminForm
    # The form has its own check (``opened_version``); the quotes and corrections are
    # guarded row by row (StaleSaveInlineMixin), and their refusals shown above the form.
    stale_guard_form = False
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
        "reads_this_week",
    ]
    list_filter = [
        StatusFilter,
        "section",
        ("authors", StaffAuthorFilter),
        TranslationStateFilter,
        WeekReadsFilter,
        "published_at",
        "is_demo",
    ]
    list_select_related = ["section"]
    list_per_page = 50
    search_fields = ["search_ar", "search_en"]
    search_help_text = _("Finds Arabic words however they are spelled (أ/ا, ة/ه, ى/ي).")
    date_hierarchy = "published_at"
    autocomplete_fields = ["tags", "related", "authors", "bylines"]
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
        "created_by_name",
        "updated_by_name",
        "staff_authors",
    ]

    def view_on_site(self, article):
        """Offer "view on site" only where readers would find the page."""
        return article.get_absolute_url() if article.is_live else None

    # --- form -----------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        publication = ["status_label", "published_at"]
        if permissions.can_publish(request.user):
            # Editors only: a journalist's form has neither input, so a crafted post of
            # either changes nothing.
            publication += ["scheduled_for", "breaking_until"]
        publication.append("translation_label")
        # Staff authors the viewer may not change are shown, each covered account as
        # its pen name; the form then has no input for them (a crafted post keeps them).
        authors = "staff_authors" if self._authors_read_only(request, obj) else "authors"
        classification = [
            "section",
            "piece_type",
            "claim",
            "claim_author",
            "claim_author_url",
            "claim_date",
            "claim_rating",
            "tags",
            "bylines",
            authors,
            "is_exclusive",
            "source",
            "related",
        ]
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
                            "created_by_name",
                            "updated_at",
                            "updated_by_name",
                        ],
                    },
                ),
            ]
        )

    def _authors_read_only(self, request, obj) -> bool:
        """A journalist is among the staff authors of what they create (who may edit
        it; the byline readers see is `bylines`); no one changes the authors of an
        article covered for an account they may not know (the input would name it)."""
        if not permissions.can_publish(request.user):
            return True
        if obj is None or obj.pk is None:
            return False
        hidden = getattr(obj, "hides_cover", None)  # read with the article (get_object)
        return bool(cover.cover_for(obj.pk, request.user)) if hidden is None else hidden

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if self._authors_read_only(request, obj):
            fields.append("authors")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        button = next((name for name in WORKFLOW_BUTTONS if name in request.POST), "")
        return type(
            form.__name__,
            (form,),
            {
                "actor": request.user,
                "workflow_action": button.removeprefix("_"),
                "restoring": _restoring.get(),
                "recovering": _recovering.get(),
            },
        )

    def get_object(self, request, object_id, from_field=None):
        """Read the article with what its form and its revision need, in one query and a
        prefetch for each relation.

        When a form is posted, the row is locked until the save's transaction ends: the
        form compares the version it was opened on with this one (no lost edits).
        """
        queryset = Article.objects.select_related("section", "updated_by").prefetch_related(
            "tags",
            "authors",
            "bylines",
            "related",
            Prefetch("quotes", Quote.objects.select_related("expert")),
            "corrections",
        )
        if not may_see_link(request.user):
            # Whether a covered account stands behind it, for this viewer: no query more.
            queryset = queryset.annotate(hides_cover=cover.hides_cover(request.user))
        if request.method == "POST" and transaction.get_connection().in_atomic_block:
            queryset = queryset.select_for_update(of=("self",))
        field = Article._meta.pk if from_field is None else Article._meta.get_field(from_field)
        try:
            article = queryset.get(**{field.name: field.to_python(object_id)})
        except (Article.DoesNotExist, ValidationError, ValueError):
            return None
        article._viewer = request.user  # who its staff are named to (``cover_of``)
        return article

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return permissions.can_edit(request.user, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "bylines":
            # A journalist signs with the public profiles and their own pen names, and
            # keeps the byline an editor gave the article they are changing.
            queryset = profiles_for(request.user)
            match = request.resolver_match
            object_id = str(match.kwargs.get("object_id", "")) if match else ""
            if object_id.isdigit():
                given = AuthorProfile.objects.filter(articles=int(object_id))
                queryset = (queryset | given).distinct()
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return CoveredChangeList

    # What a list filtered by a staff account leaves out (``CoveredChangeList``).
    cover_account_fields = cover.ACCOUNT_FIELDS
    cover_article_field = "pk"

    def get_list_filter(self, request):
        """Filter by byline; by staff account only for those who may learn who writes
        under a pen name (the filter would tell)."""
        if may_see_link(request.user):
            return self.list_filter
        return [
            ("bylines", admin.RelatedOnlyFieldListFilter)
            if isinstance(item, tuple) and item[0] == "authors"
            else item
            for item in self.list_filter
        ]

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_publish(request.user)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        """Nothing yet: the form's action saves the article with its relations, once
        (``save_related``)."""

    def save_related(self, request, form, formsets, change):
        """Run the form's action: it saves the article once, then its tags, authors,
        related articles, quotes and corrections, keeps the revision and logs it."""

        def save_relations(article):
            for name in ("tags", "authors", "bylines", "related"):
                if name in form.cleaned_data and (not change or name in form.changed_data):
                    getattr(article, name).set(form.cleaned_data[name])
            if not change and not permissions.can_publish(request.user):
                # A journalist is among the staff authors of what they create (who may edit it);
                # the byline readers see is `bylines`.
                article.authors.add(request.user)
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        form.action.execute(
            tags=form.cleaned_data.get("tags"),
            save_related=save_relations,
            changed=[name for name in form.changed_data if name in ARTICLE_FIELD_NAMES],
            changed_related=[
                formset.model._meta.label_lower for formset in formsets if formset.has_changed()
            ],
        )
        if type(form.action) is not actions.ArticleAction:
            messages.success(request, form.action.done)

    def log_addition(self, request, obj, message):
        # Django's own log entry; the revision keeps the action's comment (VersionAdmin's
        # would replace it with the form's list of changed fields).
        return super(VersionAdmin, self).log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        return super(VersionAdmin, self).log_change(request, obj, message)

    def add_view(self, request, form_url="", extra_context=None):
        # The action keeps the revision (VersionAdmin would open one around the view).
        return super(VersionAdmin, self).add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super(VersionAdmin, self).change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["workflow_buttons"] = self._workflow_buttons(request, obj)
        if obj is not None and obj.pk:
            context["preview_url"] = reverse("admin:articles_article_preview", args=[obj.pk])
            context.update(self._preview_links_context(request, obj))
            context.update(deliveries_context(request, obj))
            context.update(whatsapp.kit(request, obj))
        form = context["adminform"].form
        if form.conflict and obj is not None:
            context["conflict"] = form.conflict
            context["conflict_rows"] = [
                row for row in self._saved_beside_mine(obj, form) if row["changed"]
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _preview_links_context(self, request, article):
        """Return what the change page shows of the article's outside preview links.

        Editors see every link; others only the links they made. Only those who may
        share the article's preview get the button that makes one.
        """
        user = request.user
        can_share = permissions.can_share_preview(user, article)
        links = article.preview_links.select_related("created_by", "revoked_by")
        if not permissions.can_publish(user):
            links = links.filter(created_by=user)
        shown_as = cover.cover_for(article.pk, user)
        rows = [
            {
                "link": link,
                "created_by": shown_as.name(link.created_by),
                "revoked_by": shown_as.name(link.revoked_by),
                "revocable": link.is_active and permissions.can_revoke_preview_link(user, link),
            }
            for link in links[:50]
        ]
        new_link = None
        waiting = request.session.get(NEW_PREVIEW_LINK)
        if waiting and waiting.get("article") == article.pk:
            new_link = request.session.pop(NEW_PREVIEW_LINK)["url"]
        if not (can_share or rows):
            return {}
        return {
            "preview_links": rows,
            "can_share_preview": can_share,
            "new_preview_link": new_link,
            "preview_link_add_url": reverse(
                "admin:articles_article_previewlink_add", args=[article.pk]
            ),
            "preview_link_revoke_url": reverse(
                "admin:articles_article_previewlink_revoke", args=[article.pk]
            ),
        }

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
        reads = (
            DailyReadCount.objects.filter(article=OuterRef("pk"), day__gte=week_start())
            .values("article")
            .annotate(total=Sum("count"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related("bylines")
            .annotate(
                share_total=Coalesce(Subquery(clicks, output_field=IntegerField()), 0),
                week_reads=Coalesce(Subquery(reads, output_field=IntegerField()), 0),
            )
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

    @admin.display(description=_("byline"))
    def authors_list(self, article):
        """The byline's public names: the staff accounts behind pen names stay unsaid."""
        return "، ".join(author.name for author in article.bylines.all())

    @admin.display(description=_("authors"))
    def staff_authors(self, article):
        """The staff accounts who may edit the article, each covered one as its pen name."""
        if not article.pk:
            return "—"
        return "، ".join(cover_of(article).names(article.authors.all())) or "—"

    @admin.display(description=_("created by"))
    def created_by_name(self, article):
        return cover_of(article).name(article.created_by) or "—"

    @admin.display(description=_("updated by"))
    def updated_by_name(self, article):
        return cover_of(article).name(article.updated_by) or "—"

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

    @admin.display(description=_("reads this week"), ordering="week_reads")
    def reads_this_week(self, article):
        return article.week_reads

    @admin.display(description=_("Version opened"))
    def opened_version(self, article):
        """Name the hidden input on a form shown read-only (nothing to save, no check)."""
        return article.edit_version

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
                        cover_of(article).name(entry.actor) or "—",
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

    def _bulk(self, request, queryset, action, done_message):
        done = skipped = 0
        # All or nothing: an error on one article (not a refusal) undoes the others.
        with transaction.atomic():
            for article in queryset:
                try:
                    action(article, actor=request.user).execute()
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
            actions.SubmitForReview,
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
            actions.Publish,
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
            actions.Unpublish,
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
            actions.Archive,
            lambda n: (
                ngettext("%(count)d article archived.", "%(count)d articles archived.", n)
                % {"count": n}
            ),
        )

    # --- extra views ----------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            # The rich-text editor's "Insert picture" (body_images.py), for any article.
            path(
                "body-images/",
                self.admin_site.admin_view(body_images.upload),
                name="{}_{}_bodyimage_upload".format(*info),
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "<path:object_id>/preview-links/",
                self.admin_site.admin_view(self.preview_link_add_view),
                name="{}_{}_previewlink_add".format(*info),
            ),
            path(
                "<path:object_id>/preview-links/revoke/",
                self.admin_site.admin_view(self.preview_link_revoke_view),
                name="{}_{}_previewlink_revoke".format(*info),
            ),
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_compare".format(*info),
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """Show the article as readers will see it: the reader site's page, never cached."""
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        page = pages.article_page(
            article, language=get_language(), origin=site_origin(request), preview=True
        )
        response = render(request, "articles/article_detail.html", page_context(page))
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def _preview_links_target(self, request, object_id):
        """Return the article whose preview links a request changes, and where to go
        back to: the list on its change page."""
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        back = reverse("admin:articles_article_change", args=[article.pk]) + "#preview-links"
        return article, back

    def preview_link_add_view(self, request, object_id):
        """Make an outside preview link (a POST from the change page) and show it, once.

        Who may is ``CreatePreviewLink``'s to say: anyone else is refused (403) and
        nothing is recorded.
        """
        article, back = self._preview_links_target(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(back)
        _link, token = actions.CreatePreviewLink(article, actor=request.user).execute()
        request.session[NEW_PREVIEW_LINK] = {
            "article": article.pk,
            "url": absolute_url(request, reverse("articles:preview", kwargs={"token": token})),
        }
        messages.success(
            request, _("Preview link created. Copy it now: it will not be shown again.")
        )
        return HttpResponseRedirect(back)

    def preview_link_revoke_view(self, request, object_id):
        """Revoke one preview link of the article (a POST naming it), as
        ``RevokePreviewLink`` allows."""
        article, back = self._preview_links_target(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(back)
        try:
            link = article.preview_links.get(pk=int(request.POST.get("link", "")))
        except (PreviewLink.DoesNotExist, ValueError):
            raise Http404 from None
        link.article = article
        try:
            actions.RevokePreviewLink(link, actor=request.user).execute()
        except ValidationError as error:
            messages.warning(request, error.messages[0])
        else:
            messages.success(request, _("Preview link revoked: it opens nothing any more."))
        return HttpResponseRedirect(back)

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
            "old_user": cover.masked_staff_name(old.revision.user, article.pk, request.user),
            "new_user": cover.masked_staff_name(new.revision.user, article.pk, request.user),
            # Only what differs: a field both versions hold alike says nothing.
            "rows": [
                row
                for row in compare_article_states(old.field_dict, new.field_dict)
                if row["changed"]
            ],
            "revert_url": reverse("admin:articles_article_revision", args=[article.pk, old.pk]),
            "has_change_permission": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, object_id)
        versions = list(self._versions(object_id)) if article else []
        activity = list(article.activity.select_related("actor")[:100]) if article else []
        shown_as = cover.cover_for(article.pk if article else None, request.user)
        # Each person as this viewer may know them: a covered account as its pen name.
        for version in versions:
            version.shown_user = shown_as.name(version.revision.user)
        for entry in activity:
            entry.shown_actor = shown_as.name(entry.actor)
        context = {"versions": versions, "activity": activity}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restore an earlier version's text: its form's save is ``RestoreRevision``, which
        keeps the status and publication time the article has now."""
        kept = Article.objects.filter(pk=object_id).values("status", "published_at").first()
        token = _restoring.set(kept)
        try:
            return super().revision_view(request, object_id, version_id, extra_context)
        finally:
            _restoring.reset(token)

    def recover_view(self, request, version_id, extra_context=None):
        """Recover a deleted article: its form's save is ``RecoverDeleted``."""
        token = _recovering.set(True)
        try:
            return super().recover_view(request, version_id, extra_context)
        finally:
            _recovering.reset(token)

    def delete_model(self, request, obj):
        actions.delete_article(article=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            actions.delete_article(article=article, actor=request.user)

    formfield_overrides = {
        models.ImageField: {
            "form_class": images.ImageUploadField,
            "widget": images.ImagePreviewWidget,
        }
    }


class ArticleRowHistoryMixin:
    """The history of an article's quote or correction names who saved each version as
    the article's own history does: an account covered for the article as its pen name."""

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        actions = (getattr(response, "context_data", None) or {}).get("action_list")
        if not actions:
            return response
        article_id = None
        with suppress(ValueError):
            article_id = (
                self.model._base_manager.filter(pk=int(unquote(object_id)))
                .values_list("article_id", flat=True)
                .first()
            )
        if article_id is None:  # a deleted row: the article its newest version names
            version = Version.objects.get_for_object_reference(self.model, object_id).first()
            with suppress(RevertError):
                article_id = version.field_dict.get("article_id") if version else None
        shown_as = cover.cover_for(article_id, request.user)
        for action in actions:
            action["shown_user"] = shown_as.name(action["revision"].user) or "—"
        return response


@admin.register(Quote)
class QuoteAdmin(ArticleRowHistoryMixin, VersionedTranslatedAdmin):
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
class CorrectionAdmin(ArticleRowHistoryMixin, VersionedTranslatedAdmin):
    list_display = ["article", "published_at"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
