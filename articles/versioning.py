"""Which models keep revisions (django-reversion), and how two revisions compare.

django-reversion was chosen over django-simple-history because it versions an article
together with its quotes and corrections in one revision, restores that whole state,
and recovers deleted rows, all from the admin; simple-history keeps one history table
per model and would need our own code to restore an article with its inlines.
"""

import difflib
import re
from datetime import datetime

import reversion
from django.db.models.signals import post_save, pre_save
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
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
    names = {
        "section": dict(
            Section.objects.filter(
                pk__in={old.get("section_id"), new.get("section_id")}
            ).values_list("pk", "name_ar")
        ),
        "tags": dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name_ar")),
    }
    rows = []
    for field, label, rich in COMPARED_ARTICLE_FIELDS:
        before = _display(field, old.get(field), rich, names)
        after = _display(field, new.get(field), rich, names)
        left, right = diff_words(before, after)
        language = field.rsplit("_", 1)[-1] if field[-3:] in {"_ar", "_en"} else ""
        rows.append(
            {
                "field": field,
                "label": label,
                "language": language,
                "old": left,
                "new": right,
                "changed": before != after,
            }
        )
    return rows
