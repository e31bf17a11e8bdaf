"""No lost edit on any staff screen, and unsaved text kept in the browser.

A save based on a stale copy is refused. When a change form opens, a hidden field
(``opened_state``) carries the time and a digest of the object's saved state as the form
shows it: every editable field of the form, many-to-many ids included. The save reads
the row again, locked until the save's transaction ends, digests it the same way and
refuses if the two differ: the person's text stays in the form, and above it the saved
version beside theirs, with who saved it and when. The next save, made knowingly, goes
through. No column is needed, so Django's User is guarded as the content is.

The article keeps its own counter (``Article.edit_version``, checked by
``ArticleAdminForm``); its quotes and corrections, edited inline, carry a digest each,
so an article form opened before one of its quotes was edited on the quote's own page
refuses, and names the quote.

While a form is open, static/js/unsaved-text.js keeps what is typed in it in the
browser's localStorage, under a key of the person and the object (or "new"), and offers
it back when the same person opens that form again; a successful save (a cookie tells
the page it leads to) and signing out clear it. Nothing of it is ever sent anywhere.

To guard a screen, put ``StaleSaveAdminMixin`` first among a ModelAdmin's bases
(``StaleSaveInlineMixin`` for an inline); nothing else is needed.
"""

import hashlib
import json
import time
from contextvars import ContextVar
from datetime import UTC, date, datetime
from datetime import time as time_of_day

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.files import File
from django.db import models, router, transaction
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from reversion.models import Version

from articles import cover
from articles.models import Article
from articles.sanitizing import html_to_text
from articles.versioning import diff_words

# The hidden field of every guarded form.
MARKER = "opened_state"
# The cookie that tells the next page which form was just saved: the browser forgets
# its unsaved text (no query, no session write).
SAVED_COOKIE = "newsroom_saved_form"
# Set while django-reversion restores a version or recovers a deleted row: the form then
# shows the version itself, written again in the same transaction as the save, so there
# is no copy to be stale.
_reverting: ContextVar[bool] = ContextVar("reverting", default=False)
# Who the change page is drawn for (set around ``changeform_view``): the names it shows
# of staff who saved an article's rows are those this viewer may know (``cover``).
viewer: ContextVar = ContextVar("viewer", default=None)
# Where the offer of unsaved text says when it was kept: filled in by the script.
TIME_SLOT = format_html('<bdi class="{}" data-unsaved-time=""></bdi>', "unsaved-text__time")


class OpenedStateField(forms.CharField):
    """What the form was opened on: "<unix time>:<digest>". Never a change of its own."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Version opened"))
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        # An inline row left as it was is neither validated nor saved: only its fields
        # say whether it changed (they do when someone else changed the row).
        return False


def state_fields(form) -> list[str]:
    """Return the names of the form's fields that are the model's own (the digest's)."""
    opts = form._meta.model._meta
    names = []
    for name in form.fields:
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            continue
        if (getattr(field, "concrete", False) or field.many_to_many) and not field.primary_key:
            names.append(name)
    return names


def saved_state(instance, names) -> dict:
    """Return the values of ``names`` as ``instance`` holds them: ids for relations."""
    opts = instance._meta
    state = {}
    for name in names:
        field = opts.get_field(name)
        if field.many_to_many:
            related = field.value_from_object(instance) if instance.pk is not None else []
            state[name] = sorted(str(row.pk) for row in related)
        else:
            state[name] = field.value_from_object(instance)
    return state


def digest(state: dict) -> str:
    text = json.dumps(state, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def read_marker(value: str | None) -> tuple[datetime | None, str | None]:
    """Return when the form was opened and the digest it was opened on, if it says."""
    stamp, _sep, opened = (value or "").partition(":")
    try:
        return datetime.fromtimestamp(int(stamp), tz=UTC), opened or None
    except (ValueError, OverflowError, OSError):
        return None, None


def last_save(instance, since: datetime | None):
    """Return (user, time) of the newest recorded save of ``instance`` made at or after
    ``since``: its newest revision or admin log entry. None if there is none."""
    if since is None:
        return None
    found = []
    if reversion.is_registered(type(instance)):
        version = Version.objects.get_for_object(instance).select_related("revision__user").first()
        if version is not None:
            found.append((version.revision.date_created, version.revision.user))
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(instance),
            object_id=str(instance.pk),
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    if entry is not None:
        found.append((entry.action_time, entry.user))
    if not found:
        return None
    at, user = max(found, key=lambda pair: pair[0])
    return (user, at) if at >= since else None


def saver_name(by, instance) -> str:
    """Return how the viewer reads who saved ``instance`` (a row of an article, or the
    article): their username, or the pen name where they are covered for the article."""
    if by is None:
        return ""
    article_id = instance.pk if isinstance(instance, Article) else None
    article_id = getattr(instance, "article_id", article_id)
    shown_as = cover.cover_for(article_id, viewer.get())
    return shown_as.name(by) if shown_as.hides(by) else by.get_username()


def shown(field, form_field, value) -> str:
    """Return a value as staff read it: names, labels, local times, text for rich text."""
    if isinstance(field, models.FileField):
        return getattr(value, "name", "") or ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return "، ".join(sorted(shown(field, form_field, item) for item in value))
    if isinstance(value, datetime):
        return localize(localtime(value) if is_aware(value) else value)
    if isinstance(value, (date, time_of_day)):
        return localize(value)
    if isinstance(value, File):
        return value.name or ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(form_field, ProseEditorFormField):
        return html_to_text(value)
    return str(value)


def compared_rows(form, instance) -> list[dict]:
    """Return the fields whose saved value differs from what the person submitted:
    theirs (saved) on the left, the person's on the right, the words that differ marked."""
    opts = instance._meta
    rows = []
    for name in state_fields(form):
        form_field = form.fields[name]
        if form_field.disabled or isinstance(form_field.widget, forms.HiddenInput):
            continue  # not the person's to change: a password's hash, an inline's keys
        field = opts.get_field(name)
        if field.many_to_many:
            saved = field.value_from_object(instance) if instance.pk is not None else []
        else:
            try:
                saved = getattr(instance, field.name)
            except ObjectDoesNotExist:
                saved = None  # a row not saved yet, or its related row gone
        mine = form.cleaned_data[name] if name in form.cleaned_data else form[name].data
        before, after = shown(field, form_field, saved), shown(field, form_field, mine)
        if before == after:
            continue
        old, new = diff_words(before, after)
        original = getattr(field, "translated_field", field)
        rows.append(
            {
                "field": name,
                "label": original.verbose_name,
                "language": getattr(field, "language", "") or "",
                "old": old,
                "new": new,
                "changed": True,
            }
        )
    return rows


class StaleSaveFormMixin:
    """A model form that refuses to save over a save made after it was opened.

    Made by :func:`guarded_form`; the form's instance must be the row as it stands,
    read (and locked) for this save, as ``StaleSaveAdminMixin`` and
    ``StaleSaveInlineMixin`` read it.
    """

    # Set when the save is refused: what the change page shows above the form.
    stale_conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if MARKER in self.fields and self.instance.pk is not None and not self.is_bound:
            # Worked out when the page is drawn: an inline's formset adds its fields
            # (the key of the row's parent) after the form is made.
            self.fields[MARKER].initial = self.opened_marker

    def opened_marker(self) -> str:
        return f"{int(time.time())}:{self.saved_digest()}"

    def saved_digest(self) -> str:
        return digest(saved_state(self.instance, state_fields(self)))

    def clean(self):
        try:
            self.check_not_stale()
        except ValidationError as error:
            self.add_error(None, error)
        return super().clean()

    def check_not_stale(self):
        if MARKER not in self.fields:
            return
        opened_at, opened = read_marker(self.cleaned_data.get(MARKER))
        instance = self.instance
        model = instance._meta.verbose_name
        if instance.pk is None:
            pk_name = instance._meta.pk.name
            if opened and self.data.get(self.add_prefix(pk_name)):
                # An inline row of the page, someone else deleted since.
                # The page drawn again has no place for the row: its text is shown above.
                self.stale_conflict = {
                    "model": model,
                    "object": "",
                    "deleted": True,
                    "rows": compared_rows(self, instance),
                }
                raise ValidationError(
                    _(
                        "Deleted by someone else after you opened this page (%(model)s): "
                        "your text of it is shown above. Copy what you need, then save again."
                    ),
                    code="stale",
                    params={"model": model},
                )
            return
        current = self.saved_digest()
        if opened == current:
            return
        saved = last_save(instance, opened_at)
        by, at = (saved[0], saved[1]) if saved else (None, None)
        name = saver_name(by, instance)
        self.stale_conflict = {
            "model": model,
            "object": str(instance),
            "by": name,
            "at": localize(localtime(at)) if at else "",
            "rows": compared_rows(self, instance),
        }
        # The next save, made knowingly after reading the changes, may go through.
        self.data = self.data.copy()
        self.data[self.add_prefix(MARKER)] = f"{int(time.time())}:{current}"
        if at is not None:
            raise ValidationError(
                _(
                    "%(user)s saved “%(object)s” at %(time)s, after you opened this page. "
                    "Your text is kept below; above, their saved version beside yours. Keep "
                    "what you need from theirs, then save again."
                ),
                code="stale",
                params={
                    "user": name or _("someone"),
                    "object": str(instance),
                    "time": self.stale_conflict["at"],
                },
            )
        raise ValidationError(
            _(
                "“%(object)s” was changed after you opened this page. Your text is kept "
                "below; above, the saved version beside yours. Keep what you need from it, "
                "then save again."
            ),
            code="stale",
            params={"object": str(instance)},
        )


def guarded_form(form_class):
    """Return ``form_class`` with the stale-save check and its hidden field."""
    if issubclass(form_class, StaleSaveFormMixin):
        return form_class
    return type(form_class)(
        form_class.__name__,
        (StaleSaveFormMixin, form_class),
        {"__module__": form_class.__module__, MARKER: OpenedStateField()},
    )


def _saving(request, model) -> bool:
    """Say whether this request saves, inside the admin's transaction (rows may be locked)."""
    connection = transaction.get_connection(router.db_for_write(model))
    return request.method == "POST" and connection.in_atomic_block


def unsaved_text_key(request, opts, pk=None) -> str:
    """Return the browser's key of a form's unsaved text: the person, then the object
    (its model and id, or "new"), the same in both languages of the admin."""
    target = "new" if pk is None else pk
    return f"{request.user.pk}:{opts.app_label}.{opts.model_name}:{target}"


class StaleSaveAdminMixin:
    """Guard a ModelAdmin's change form against stale saves, and keep its unsaved text
    in the browser. Put it first among the ModelAdmin's bases."""

    @admin.display(description=_("Version opened"))
    def opened_state(self, obj):
        """Name the hidden input where a form is shown read-only (nothing to save)."""
        return ""

    # False where the form has a check of its own (the article's ``edit_version``):
    # the mixin then only shows its inlines' refusals and keeps the unsaved text.
    stale_guard_form = True
    # Keep what is typed in the browser until it is saved (not for staff accounts).
    keep_unsaved_text = True

    def _stale_guarded(self, obj) -> bool:
        return (
            self.stale_guard_form
            and obj is not None
            and obj.pk is not None
            and not _reverting.get()
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        token = _reverting.set(True)
        try:
            return super().revision_view(request, object_id, version_id, extra_context)
        finally:
            _reverting.reset(token)

    def recover_view(self, request, version_id, extra_context=None):
        token = _reverting.set(True)
        try:
            return super().recover_view(request, version_id, extra_context)
        finally:
            _reverting.reset(token)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = viewer.set(request.user)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            viewer.reset(token)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._stale_guarded(obj) and "form" not in kwargs:
            kwargs["form"] = guarded_form(self.form)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.marked_fieldsets(super().get_fieldsets(request, obj), obj)

    def marked_fieldsets(self, fieldsets, obj):
        """Return ``fieldsets`` with the hidden marker first: for an admin that builds
        its fieldsets without asking ``super()``."""
        if not self._stale_guarded(obj) or MARKER in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *others = fieldsets
        return [(name, {**options, "fields": [MARKER, *options["fields"]]}), *others]

    def get_object(self, request, object_id, from_field=None):
        """Lock the row first when a form is posted: it stays as it was read until the
        save's transaction ends, so two saves cannot both pass the check."""
        if self.stale_guard_form and _saving(request, self.model):
            opts = self.model._meta
            field = opts.pk if from_field is None else opts.get_field(from_field)
            try:
                key = field.to_python(object_id)
            except ValidationError:
                key = None
            if key is not None:
                rows = self.model._base_manager.select_for_update().filter(**{field.name: key})
                list(rows.values_list("pk", flat=True))
        return super().get_object(request, object_id, from_field)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        forms_shown = [context["adminform"].form] + [
            form
            for inline in context.get("inline_admin_formsets", [])
            for form in inline.formset.forms
        ]
        context["stale_conflicts"] = [
            form.stale_conflict for form in forms_shown if getattr(form, "stale_conflict", None)
        ]
        if add:
            editable = self.has_add_permission(request)
        else:
            editable = self.has_change_permission(request, obj)
        if (
            self.keep_unsaved_text
            and editable
            and not context.get("is_popup")
            and not context.get("revert")
            and not context.get("recover")
        ):
            context["unsaved_text"] = {
                "key": unsaved_text_key(request, self.model._meta, obj.pk if obj else None),
                "time": TIME_SLOT,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _saved(self, response, key):
        """Tell the next page (the one this save leads to) that the form was saved."""
        if self.keep_unsaved_text:
            response.set_cookie(
                SAVED_COOKIE,
                key,
                max_age=600,
                path="/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,  # read, then removed, by js/unsaved-text.js
                samesite="Lax",
            )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self._saved(response, unsaved_text_key(request, self.model._meta))

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        return self._saved(response, unsaved_text_key(request, self.model._meta, obj.pk))


class StaleSaveInlineMixin:
    """Guard each row of an inline (an article's quotes, its corrections) the same way:
    a row changed elsewhere since the page was opened refuses the whole save and is named.
    Put it first among the inline's bases; its ModelAdmin shows the refusals when it has
    ``StaleSaveAdminMixin``."""

    @admin.display(description=_("Version opened"))
    def opened_state(self, obj):
        """Name the hidden input where a form is shown read-only (nothing to save)."""
        return ""

    def get_formset(self, request, obj=None, **kwargs):
        if not _reverting.get():
            kwargs.setdefault("form", guarded_form(self.form))
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if _reverting.get() or MARKER in fields:
            return fields
        return [*fields, MARKER]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _saving(request, self.model):
            queryset = queryset.select_for_update(of=("self",))
        return queryset
