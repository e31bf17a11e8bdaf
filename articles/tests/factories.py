"""Small factories: each returns a saved row with sensible newsroom defaults."""

import itertools
from datetime import timedelta

from django.utils import timezone

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

_numbers = itertools.count(1)


def make_section(**fields) -> Section:
    number = next(_numbers)
    fields.setdefault("name_ar", f"قسم {number}")
    fields.setdefault("name_en", f"Section {number}")
    fields.setdefault("slug", f"section-{number}")
    return Section.objects.create(**fields)


def make_tag(**fields) -> Tag:
    number = next(_numbers)
    fields.setdefault("name_ar", f"وسم {number}")
    fields.setdefault("name_en", f"Tag {number}")
    fields.setdefault("slug", f"tag-{number}")
    return Tag.objects.create(**fields)


def make_expert(**fields) -> Expert:
    number = next(_numbers)
    fields.setdefault("name_ar", f"خبير {number}")
    fields.setdefault("name_en", f"Expert {number}")
    fields.setdefault("slug", f"expert-{number}")
    return Expert.objects.create(**fields)


def make_author(**fields) -> AuthorProfile:
    number = next(_numbers)
    fields.setdefault("name_ar", f"كاتب {number}")
    fields.setdefault("name_en", f"Writer {number}")
    fields.setdefault("slug", f"writer-{number}")
    return AuthorProfile.objects.create(**fields)


def make_article(*, english: bool = True, **fields) -> Article:
    """Return a published article, in Arabic and (unless ``english=False``) English."""
    number = next(_numbers)
    fields.setdefault("title_ar", f"عنوان المقال رقم {number}")
    fields.setdefault("body_ar", f"<p>نص المقال رقم {number}.</p>")
    if english:
        fields.setdefault("title_en", f"Article number {number}")
        fields.setdefault("body_en", f"<p>Text of article number {number}.</p>")
    fields.setdefault("status", Article.Status.PUBLISHED)
    if fields["status"] == Article.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now() - timedelta(minutes=number))
    if "section" not in fields:
        fields["section"] = make_section()
    tags = fields.pop("tags", [])
    article = Article.objects.create(**fields)
    if tags:
        article.tags.set(tags)
    return article


def make_quote(*, article: Article, expert: Expert | None = None, **fields) -> Quote:
    fields.setdefault("text_ar", "قول مأثور")
    fields.setdefault("text_en", "A saying")
    return Quote.objects.create(article=article, expert=expert or make_expert(), **fields)


def make_correction(*, article: Article, **fields) -> Correction:
    fields.setdefault("text_ar", "صُحّح اسم البلدة.")
    fields.setdefault("text_en", "The town's name was corrected.")
    return Correction.objects.create(article=article, **fields)


def make_network(**fields) -> ShareNetwork:
    number = next(_numbers)
    fields.setdefault("name_ar", f"شبكة {number}")
    fields.setdefault("name_en", f"Network {number}")
    fields.setdefault("slug", f"network-{number}")
    fields.setdefault("url_template", "https://share.example/?u={url}&t={title}")
    return ShareNetwork.objects.create(**fields)
