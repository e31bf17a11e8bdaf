"""What every content screen shares: each input in its own language and direction, rich
text that offers what the sanitizer keeps, folded Arabic search, and guarded revisions."""

import reversion
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language_info, gettext_noop
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
)
from js_asset import Media, Script
from modeltranslation.admin import (
    TabbedTranslationAdmin,
)
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version

from articles import cover
from articles.admin.stale import StaleSaveAdminMixin
from articles.arabic import normalize_for_search
from articles.models import (
    Article,
)
from articles.reading.search import query_terms
from articles.versioning import change_comment

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
RICH_TEXT_FIELDS = {
    "body",
    "bio",
    "about",
    "corrections_policy",
    "ownership_funding",
    "unnamed_sources_policy",
    "contact_advice",
}


class CoveredChangeList(ChangeList):
    """A change list that, narrowed by a staff account (``?authors=7``,
    ``?created_by__id__exact=7``, ``?actor=7``: any filter through the model admin's
    ``cover_account_fields``), leaves out the rows of the articles covered for that
    account, to a viewer who may not know who stands behind the pen name."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        admin = self.model_admin
        accounts = cover.accounts_named(request.GET, admin.cover_account_fields)
        return cover.without_covered(
            queryset, request.user, accounts, article=admin.cover_article_field
        )


class ProseEditorWidget(AdminProseEditorWidget):
    """The admin's rich-text editor, started by our own module (static/js/prose-editor.js).

    django-prose-editor's own presets let Tiptap inject a ``<style>`` element, which the
    Content-Security-Policy (no inline style) blocks; ours creates the editor with
    ``injectCSS: false``, and Tiptap's rules are in css/admin.css.
    """

    @property
    def media(self):
        return prose_editor_admin_media + Media(
            js=[prose_editor_js, Script("js/prose-editor.js", type="module")]
        )


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
                preset="newsroom",  # the data attribute static/js/prose-editor.js looks for
                widget=ProseEditorWidget,
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


class VersionedTranslatedAdmin(
    StaleSaveAdminMixin, RevisionGuardMixin, VersionAdmin, TranslatedAdmin
):
    """Translated, with revisions: history, restore, and recovery of deleted rows; a save
    based on a stale copy is refused (``articles.admin.stale``).

    A revision's comment names what changed (``versioning.change_comment``), where
    django-reversion would store Django's sentence in the language of whoever saved.
    """

    def construct_change_message(self, request, form, formsets, add=False):
        names = {field.name for field in self.model._meta.get_fields()}
        # Kept on the request (one admin serves every request) until the log is written.
        request.newsroom_changed = {
            "fields": [name for name in form.changed_data if name in names],
            "related": [
                formset.model._meta.label_lower for formset in formsets if formset.has_changed()
            ],
        }
        return super().construct_change_message(request, form, formsets, add)

    def _comment(self, request, action):
        changed = {} if action == "created" else getattr(request, "newsroom_changed", {})
        return change_comment(
            model=self.model,
            action=action,
            fields=changed.get("fields", ()),
            related=changed.get("related", ()),
        )

    def log_addition(self, request, obj, message):
        entry = super(VersionAdmin, self).log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(self._comment(request, "created"))
        return entry

    def log_change(self, request, obj, message):
        entry = super(VersionAdmin, self).log_change(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(self._comment(request, "edited"))
        return entry
