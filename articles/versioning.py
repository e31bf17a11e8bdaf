"""Which models keep revisions (django-reversion), and how two revisions compare.

django-reversion was chosen over django-simple-history because it versions an article
together with its quotes and corrections in one revision, restores that whole state,
and recovers deleted rows, all from the admin; simple-history keeps one history table
per model and would need our own code to restore an article with its inlines.
"""

import difflib
import json
import re
from datetime import datetime

import reversion
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models.signals import post_save, pre_save
from django.utils import translation
from django.utils.formats import localize
from django.utils.functional import lazy
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop, pgettext
from django.utils.translation import gettext_lazy as _

from articles.sanitizing import html_to_text

# Fields of an author profile that no revision, history or backup carries.
PRIVATE_AUTHOR_FIELDS = ("account",)


def register_models() -> None:
    """Register every model whose history staff may need (called from AppConfig.ready)."""
    from articles.models import (
        Article,
        AuthorProfile,
        Correction,
        Expert,
        Quote,
        Section,
        ShareNetwork,
        Tag,
    )

    for model in (Quote, Correction, Expert, Section, Tag, ShareNetwork):
        if not reversion.is_registered(model):
            reversion.register(model)
    # Who writes under a pen name is for administrators' eyes: a revision is shown to
    # every staff member who may see the profile's history, so it never holds it. The
    # admin (VersionAdmin) may have registered the model already, with every field.
    if reversion.is_registered(AuthorProfile):
        reversion.unregister(AuthorProfile)
    reversion.register(AuthorProfile, exclude=PRIVATE_AUTHOR_FIELDS)
    pre_save.connect(
        keep_private_author_fields, sender=AuthorProfile, dispatch_uid="articles.keep_link"
    )
    if not reversion.is_registered(Article):
        reversion.register(Article, follow=("quotes", "corrections"))
    post_save.connect(keep_revision, sender=Article, dispatch_uid="articles.keep_revision")
    # Every screen that shows a revision's comment (the article's history, the history
    # and recovery lists of the other models) reads it through get_comment().
    from reversion.models import Revision

    Revision.get_comment = lambda revision: revision_message(revision.comment)


def keep_private_author_fields(sender, instance, raw=False, **kwargs):
    """Keep who writes under a profile when one of its revisions is restored.

    A revision does not hold the link (``PRIVATE_AUTHOR_FIELDS``), so the restored row
    arrives (a raw save) without it: the stored one stays. A restored backup, which
    does not hold it either, finds no stored row and leaves it empty.
    """
    if not raw or instance.pk is None:
        return
    stored = sender._base_manager.filter(pk=instance.pk).values(*PRIVATE_AUTHOR_FIELDS).first()
    if stored is None:
        return
    for name in PRIVATE_AUTHOR_FIELDS:
        if getattr(instance, name + "_id", None) is None:
            setattr(instance, name + "_id", stored[name])


def keep_revision(sender, instance, raw=False, **kwargs):
    """Keep a revision of an article saved outside the admin and the services too.

    The admin and the services open a revision of their own (with the user and a
    comment); a save elsewhere (a command, an import, the shell) still leaves a version
    to compare with and restore.
    """
    if raw or reversion.is_active():
        return
    with reversion.create_revision():
        reversion.add_to_revision(instance)


# --- what a revision's comment says ------------------------------------------------------

# A translated field's label names its language in words: "Headline (Arabic)".
_IN_LANGUAGE = {"ar": _("%(field)s (Arabic)"), "en": _("%(field)s (English)")}


def _label_in(label, language: str) -> str:
    return str(_IN_LANGUAGE[language]) % {"field": capfirst(label)}


def label_in_language(label, language: str | None):
    """Return a field's label with the language of its text, in the reader's words."""
    if language not in _IN_LANGUAGE:
        return capfirst(label)
    return lazy(_label_in, str)(label, language)


def change_comment(*, model, action: str = "", fields=(), related=()) -> str:
    """Return a revision's comment as it is stored: what was done, to which fields.

    Like Django's ``LogEntry.change_message``, the comment holds names, not sentences,
    so each reader reads it in their own language, whatever language the change was
    made in (``revision_message``).
    """
    message = [{"action": action}] if action else []
    if fields or related:
        message.append(
            {
                "changed": {
                    "model": model._meta.label_lower,
                    "fields": list(fields),
                    "related": list(related),
                }
            }
        )
    return json.dumps(message)


def field_label(model, name: str) -> str:
    """Return how a form names ``model``'s field ``name``, in the reader's language."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if field.is_relation and field.auto_created:  # quotes, corrections: rows edited with it
        return str(capfirst(field.related_model._meta.verbose_name_plural))
    return str(capfirst(field.verbose_name))  # a translated field's names its language


def _joined(labels: list[str]) -> str:
    return pgettext("list separator", ", ").join(labels)


# The comments revisions were given before they were stored as names, in whichever
# language the change was made: read back into the reader's language.
_OLD_COMMENTS = [
    gettext_noop("Edited"),
    gettext_noop("Submitted for review"),
    gettext_noop("Returned to draft"),
    gettext_noop("Published"),
    gettext_noop("Scheduled"),
    gettext_noop("Unpublished"),
    gettext_noop("Archived"),
    gettext_noop("Earlier version restored"),
    gettext_noop("Recovered after deletion"),
    gettext_noop("Initial version."),
]


def _old_comment(comment: str) -> str:
    from django.conf import settings

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            said = next((msgid for msgid in _OLD_COMMENTS if comment == gettext(msgid)), None)
        if said is not None:
            return gettext(said)  # in the reader's language
    return comment


_OLD_LABEL = re.compile(r"^(?P<label>.+) \[(?P<language>ar|en)\]$")


def _old_label(label):
    """Read "Headline [ar]", as Django's change messages stored a translated field's
    label in English, as "العنوان (بالعربية)" to an Arabic reader."""
    match = _OLD_LABEL.match(label) if isinstance(label, str) else None
    if match is None:
        return label
    name = match["label"][:1].lower() + match["label"][1:]
    return _label_in(gettext(name), match["language"])


def _old_labels(message):
    """Return a change message stored by Django's admin with its field labels readable."""
    if not isinstance(message, list):
        return message
    for part in message:
        changed = part.get("changed") if isinstance(part, dict) else None
        if isinstance(changed, dict) and isinstance(changed.get("fields"), list):
            changed["fields"] = [_old_label(label) for label in changed["fields"]]
    return message


def _is_ours(message) -> bool:
    return isinstance(message, list) and all(
        isinstance(part, dict)
        and ("action" in part or ("changed" in part and "model" in part["changed"]))
        for part in message
    )


def revision_message(comment: str) -> str:
    """Return a revision's comment as a sentence in the reader's language."""
    from articles.models import ArticleActivity

    try:
        message = json.loads(comment or "")
    except ValueError:
        return _old_comment(comment or "")
    if not _is_ours(message):
        from django.contrib.admin.models import LogEntry

        return LogEntry(change_message=json.dumps(_old_labels(message))).get_change_message()
    parts = []
    for part in message:
        if "action" in part:
            action = part["action"]
            if action == ArticleActivity.Action.EDITED and len(message) > 1:
                continue  # the list of changes says it
            if action in ArticleActivity.Action.values:
                parts.append(str(capfirst(ArticleActivity.Action(action).label)))
            continue
        changed = part["changed"]
        try:
            model = apps.get_model(changed["model"])
        except (LookupError, ValueError):
            continue
        labels = [field_label(model, name) for name in changed.get("fields", [])]
        for label in changed.get("related", []):
            try:
                labels.append(str(capfirst(apps.get_model(label)._meta.verbose_name_plural)))
            except (LookupError, ValueError):
                continue
        if labels:
            parts.append(gettext("Changed: %(fields)s.") % {"fields": _joined(labels)})
    # "Published", or "Published. Changed: Headline (Arabic)."
    return " ".join(
        part if index == len(parts) - 1 else f"{part}." for index, part in enumerate(parts)
    )


# What the comparison shows, in order: (field, label, is rich text).
COMPARED_ARTICLE_FIELDS = [
    (f"{field}_{code}", label, field == "body")
    for field, label in (
        ("kicker", _("kicker")),
        ("title", _("headline")),
        ("summary", _("standfirst")),
        ("body", _("body")),
        ("source", _("source")),
        ("lead_image_caption", _("caption")),
        ("lead_image_alt", _("alternative text")),
    )
    for code in ("ar", "en")
] + [
    ("section_id", _("section"), False),
    ("tags", _("tags"), False),
    ("status", _("status"), False),
    ("published_at", _("publication time"), False),
    ("is_exclusive", _("exclusive"), False),
]

_WORDS = re.compile(r"\s+|\S+\s*")  # a word keeps its trailing space


def _marked(tokens, tag):
    return format_html("<{}>{}</{}>", tag, "".join(tokens), tag)


def diff_words(old: str, new: str) -> tuple[str, str]:
    """Return both texts escaped, with removed words in <del> and added ones in <ins>."""
    old_tokens = _WORDS.findall(old or "")
    new_tokens = _WORDS.findall(new or "")
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            left.append(escape("".join(old_tokens[i1:i2])))
            right.append(escape("".join(new_tokens[j1:j2])))
            continue
        if i2 > i1:
            left.append(_marked(old_tokens[i1:i2], "del"))
        if j2 > j1:
            right.append(_marked(new_tokens[j1:j2], "ins"))
    # Every piece was escaped above or built with format_html.
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308  # nosec B703 # see above


def _paragraph(html: str) -> str:
    return format_html("<p>{}</p>", html)


def diff_paragraphs(old: str, new: str) -> tuple[str, str]:
    """Return both texts as paragraphs, marked paragraph by paragraph.

    A paragraph added or removed is marked whole, and the paragraphs around it are left
    as they were; only a paragraph that changed is compared word by word.
    """
    old_paragraphs = (old or "").splitlines()
    new_paragraphs = (new or "").splitlines()
    left, right = [], []
    matcher = difflib.SequenceMatcher(a=old_paragraphs, b=new_paragraphs, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            left += [_paragraph(escape(p)) for p in old_paragraphs[i1:i2]]
            right += [_paragraph(escape(p)) for p in new_paragraphs[j1:j2]]
            continue
        pairs = min(i2 - i1, j2 - j1) if operation == "replace" else 0
        changed_pairs = zip(
            old_paragraphs[i1 : i1 + pairs], new_paragraphs[j1 : j1 + pairs], strict=True
        )
        for before, after in changed_pairs:
            marked_before, marked_after = diff_words(before, after)
            left.append(_paragraph(marked_before))
            right.append(_paragraph(marked_after))
        left += [_paragraph(_marked([p], "del")) for p in old_paragraphs[i1 + pairs : i2]]
        right += [_paragraph(_marked([p], "ins")) for p in new_paragraphs[j1 + pairs : j2]]
    return _joined_html(left), _joined_html(right)


def _joined_html(pieces) -> str:
    return format_html_join("", "{}", ((piece,) for piece in pieces))


def _display(field: str, value, rich: bool, names: dict) -> str:
    """Return a field's value as staff read it: names, labels and local times, not ids."""
    from articles.models import ArticleStatus

    if value is None:
        return ""
    if rich:
        return html_to_text(value)
    if field == "section_id":
        return names["section"].get(value, str(value))
    if field == "tags":
        return "، ".join(sorted(names["tags"].get(pk, str(pk)) for pk in value))
    if field == "status":
        return str(ArticleStatus(value).label) if value in ArticleStatus.values else value
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return localize(localtime(value))
    return str(value)


def compare_article_states(old: dict, new: dict) -> list[dict]:
    """Return one row per compared field: label, both sides marked, and whether it changed.

    ``old`` and ``new`` map field names to values, as django-reversion's ``field_dict``
    gives them (foreign keys as ids, many-to-many as lists of ids).
    """
    from articles.models import Section, Tag

    tag_ids = set(old.get("tags") or []) | set(new.get("tags") or [])
    english = translation.get_language() == "en"

    def named(rows):
        return {pk: (name_en if english and name_en else name_ar) for pk, name_ar, name_en in rows}

    names = {
        "section": named(
            Section.objects.filter(
                pk__in={old.get("section_id"), new.get("section_id")}
            ).values_list("pk", "name_ar", "name_en")
        ),
        "tags": named(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name_ar", "name_en")),
    }
    rows = []
    for field, label, rich in COMPARED_ARTICLE_FIELDS:
        before = _display(field, old.get(field), rich, names)
        after = _display(field, new.get(field), rich, names)
        if not before.strip() and not after.strip():
            continue  # a field left empty on both sides (an untranslated text) says nothing
        left, right = (diff_paragraphs if rich else diff_words)(before, after)
        language = field.rsplit("_", 1)[-1] if field[-3:] in {"_ar", "_en"} else ""
        rows.append(
            {
                "field": field,
                "label": label_in_language(label, language),
                "language": language,
                "old": left,
                "new": right,
                "changed": before != after,
            }
        )
    return rows
