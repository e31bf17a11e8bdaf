"""The newsroom's content: sections, tags, experts, articles, quotes, corrections, shares,
reads.

Fields listed in ``translation.py`` are translated by django-modeltranslation: Arabic is
the original and the fallback, English is optional.
"""

import hashlib
import time
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_unicode_slug
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from articles.arabic import make_slug, normalize_for_search, without_bidi_controls
from articles.links import path_builder, path_to
from articles.querysets import ArticleQuerySet, PreviewLinkQuerySet, QuoteQuerySet
from articles.sanitizing import html_to_text, sanitize_html
from articles.secure_contact import (
    key_fingerprint,
    normalize_fingerprint,
    validate_fingerprint,
    validate_hush_line,
    validate_onion_address,
    validate_public_key,
    validate_signal,
)
from articles.sharing import validate_share_template
from articles.svg import validate_svg_file

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def upload_path(folder: str, filename: str) -> str:
    """Return a generated storage name: the upload's own name never reaches the disk."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        suffix = ".jpg"
    now = timezone.now()
    return f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def lead_image_path(instance, filename):
    return upload_path("articles", filename)


def expert_photo_path(instance, filename):
    return upload_path("experts", filename)


def author_photo_path(instance, filename):
    return upload_path("authors", filename)


def drop_bidi_controls(instance) -> None:
    """Take the reordering controls (``arabic.BIDI_CONTROLS``) out of every text field of
    ``instance``: staff write headlines, names, captions and addresses that readers see,
    and none of them may read as something it is not. Run before every save
    (``pre_save``, connected for the content's models and staff accounts) and by
    ``prepare_for_save``, so that what is derived from the text is derived from it clean.
    """
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                setattr(instance, field.attname, without_bidi_controls(value))


def drop_bidi_controls_before_save(sender, instance, raw=False, **kwargs):
    """The ``pre_save`` receiver of :func:`drop_bidi_controls`; fixtures and restored
    backups (``raw``) are loaded as they were saved."""
    if not raw:
        drop_bidi_controls(instance)


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


class Section(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.paths()(self)

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the page path of a section (or of any value with its
        slug), in ``language`` (by default the active one): for many links made at once."""
        path = path_builder("articles:section", "slug", language=language)
        return lambda section: path(slug=section.slug)


class TagKind(models.TextChoices):
    TOPIC = "topic", _("topic")
    PLACE = "place", _("place")
    ORGANIZATION = "organization", _("organization")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    REVIEW = "review", _("in review")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class PieceType(models.TextChoices):
    """What kind of piece an article is: readers are told, so opinion never passes for news."""

    NEWS = "news", _("news")
    ANALYSIS = "analysis", _("analysis")
    OPINION = "opinion", _("opinion")
    INTERVIEW = "interview", _("interview")
    FACT_CHECK = "fact_check", _("fact-check")


class ClaimRating(models.TextChoices):
    """A fact-check's verdict, on one fixed scale (``seo.claim_review`` gives each its
    schema.org rating)."""

    TRUE = "true", _("true")
    MOSTLY_TRUE = "mostly_true", _("mostly true")
    MISLEADING = "misleading", _("misleading")
    MOSTLY_FALSE = "mostly_false", _("mostly false")
    FALSE = "false", _("false")
    UNPROVEN = "unproven", _("unproven")


class Tag(models.Model):
    Kind = TagKind

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.TOPIC)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TagKind.values), name="tag_kind_valid"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return self.paths()(self)

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the page path of a tag (or of any value with its
        slug), in ``language`` (by default the active one): for many links made at once."""
        path = path_builder("articles:tag", "slug", language=language)
        return lambda tag: path(slug=tag.slug)


class Expert(models.Model):
    """A person quoted in the news: not a user account."""

    name = models.CharField(_("name"), max_length=120)
    honorific = models.CharField(
        _("honorific"), max_length=60, blank=True, help_text=_("For example: Colonel, Dr.")
    )
    role = models.CharField(
        _("role"),
        max_length=120,
        blank=True,
        help_text=_("For example: strategic expert, journalist."),
    )
    affiliation = models.CharField(_("affiliation"), max_length=160, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    photo = models.ImageField(
        _("photo"),
        upload_to=expert_photo_path,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    is_demo = models.BooleanField(_("demo content"), default=False, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.prepare_for_save()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.paths()(self)

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the page path of a expert (or of any value with its
        slug), in ``language`` (by default the active one): for many links made at once."""
        path = path_builder("articles:expert", "slug", language=language)
        return lambda expert: path(slug=expert.slug)

    def prepare_for_save(self):
        """Derive what is stored from what was written; bulk inserts call this too."""
        drop_bidi_controls(self)
        for code in language_codes():
            setattr(self, f"bio_{code}", sanitize_html(getattr(self, f"bio_{code}", "")))
        if not self.slug:
            self.slug = make_slug(self.name_en or self.name_ar or "")

    @property
    def full_name(self):
        """Return the name with its honorific, as the news names the person."""
        return f"{self.honorific} {self.name}" if self.honorific else self.name


class AuthorProfile(models.Model):
    """A name readers see in a byline: a person's own, or a pen name.

    Not a staff account. A profile may be linked to the account of the staff member who
    writes under it; for a pen name that link is a safety control: only administrators
    see it (``link_authorprofile``), and no reader page, feed, revision or backup
    carries it.
    """

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    # Not "bio": the admin gives fields of that name (the expert's) the rich-text editor.
    short_bio = models.TextField(
        _("short biography"),
        max_length=600,
        blank=True,
        help_text=_("Plain text, shown on the author's page."),
    )
    contact = models.CharField(
        _("public contact"),
        max_length=200,
        blank=True,
        help_text=_("Optional: an address or account readers may use. Shown as text."),
    )
    photo = models.ImageField(
        _("photo"),
        upload_to=author_photo_path,
        blank=True,
        help_text=_("For a pen name, never a picture of the person who writes under it."),
        width_field="photo_width",
        height_field="photo_height",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    is_pen_name = models.BooleanField(
        _("pen name"),
        default=False,
        help_text=_("Readers never learn who writes under a pen name."),
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profiles",
        help_text=_(
            "Who writes under this name. Only administrators see this link; it is left "
            "out of revisions and backups."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author profile")
        verbose_name_plural = _("author profiles")
        permissions = [("link_authorprofile", _("Can see and set who writes under a profile"))]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.prepare_for_save()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.paths()(self)

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the page path of an author profile (or of any value
        with its slug), in ``language`` (by default the active one): for many links made at once."""
        path = path_builder("articles:author", "slug", language=language)
        return lambda author: path(slug=author.slug)

    def prepare_for_save(self):
        """Derive what is stored from what was written."""
        drop_bidi_controls(self)
        if not self.slug:
            self.slug = make_slug(self.name_en or self.name_ar or "")


class TranslationState(models.TextChoices):
    MISSING = "missing", _("English missing")
    COMPLETE = "complete", _("English complete")
    OUTDATED = "outdated", _("English outdated")


# The fields whose text makes up an article in one language: a change to any of them in
# Arabic after the English was last edited makes the English translation outdated.
TRANSLATED_TEXT_FIELDS = (
    "title",
    "kicker",
    "summary",
    "body",
    "lead_image_caption",
    "lead_image_alt",
)


validate_link = RegexValidator(
    r"\A(https?://[^\s/?#]+[^\s]*|mailto:[^\s@]+@[^\s@]+)\Z",
    _("Give a full address starting with https://, http:// or mailto:."),
)
validate_web_link = RegexValidator(
    r"\Ahttps?://[^\s/?#]+[^\s]*\Z",
    _("Give a full address starting with https:// or http://."),
)


def is_slug(text: str) -> bool:
    try:
        validate_unicode_slug(text)
    except ValidationError:
        return False
    return True


class Article(models.Model):
    Status = ArticleStatus
    PieceType = PieceType
    ClaimRating = ClaimRating

    title = models.CharField(_("headline"), max_length=250)
    slug = models.CharField(
        _("slug"),
        max_length=120,
        blank=True,
        # Letters (Arabic too), digits, hyphens and underscores: a "/" would make the
        # article's URL unbuildable and break every page that lists it.
        validators=[validate_unicode_slug],
        help_text=_("Left empty, it is made from the headline. Arabic letters are allowed."),
    )
    kicker = models.CharField(
        _("kicker"), max_length=120, blank=True, help_text=_("A few words above the headline.")
    )
    summary = models.TextField(
        _("standfirst"),
        max_length=600,
        blank=True,
        help_text=_("One or two sentences under the headline."),
    )
    body = models.TextField(_("body"), blank=True)
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    # Staff accounts who wrote the article: who may edit it (``permissions.py``). Never
    # shown to readers: the byline names ``bylines``.
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("authors"), blank=True, related_name="articles"
    )
    bylines = models.ManyToManyField(
        AuthorProfile,
        verbose_name=_("byline"),
        blank=True,
        related_name="articles",
        help_text=_("The author profiles readers see, pen names included."),
    )
    is_exclusive = models.BooleanField(
        _("exclusive"), default=False, help_text=_('Shown in the byline as "Exclusive".')
    )
    piece_type = models.CharField(
        _("kind of piece"),
        max_length=20,
        choices=PieceType,
        default=PieceType.NEWS,
        help_text=_(
            "Shown to readers beside the section, so that opinion and analysis are never "
            "taken for news. A fact-check needs its claim and its verdict."
        ),
    )
    # A fact-check's claim: what was said, by whom, when, and the verdict.
    claim = models.TextField(
        _("claim checked"),
        max_length=600,
        blank=True,
        help_text=_("Fact-checks only: the claim, as it was made."),
    )
    claim_author = models.CharField(
        _("claim made by"),
        max_length=160,
        blank=True,
        help_text=_("Fact-checks only: the person or body who made the claim."),
    )
    claim_author_url = models.CharField(
        _("address of who made the claim"),
        max_length=300,
        blank=True,
        validators=[validate_web_link],
        help_text=_("Optional: a page about them, or where the claim was made."),
    )
    claim_date = models.DateField(
        _("date of the claim"),
        null=True,
        blank=True,
        help_text=_("Fact-checks only: when the claim was made."),
    )
    claim_rating = models.CharField(
        _("verdict"),
        max_length=20,
        choices=ClaimRating,
        blank=True,
        help_text=_("Fact-checks only: the verdict, shown at the top of the article."),
    )
    source = models.CharField(
        _("source"), max_length=80, default="SY24", help_text=_("The outlet or agency credited.")
    )
    lead_image = models.ImageField(
        _("lead image"),
        upload_to=lead_image_path,
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_caption = models.CharField(_("caption"), max_length=300, blank=True)
    lead_image_credit = models.CharField(_("image credit"), max_length=120, blank=True)
    lead_image_alt = models.CharField(
        _("alternative text"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    related = models.ManyToManyField(
        "self",
        verbose_name=_("related articles"),
        symmetrical=False,
        blank=True,
        help_text=_("Hand-picked; shown before the articles that share tags."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    breaking_until = models.DateTimeField(
        _("breaking news until"),
        null=True,
        blank=True,
        help_text=_(
            "Shown in the “Breaking” strip of every page until this time. Editors only; "
            "Damascus time."
        ),
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_("A time in the future schedules the article."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Changes on every save, and never comes back to an earlier value (even when an old
    # revision is restored): the form compares it to detect someone else's save.
    edit_version = models.PositiveBigIntegerField(_("edit version"), default=0, editable=False)
    import_key = models.CharField(
        _("import key"), max_length=80, unique=True, null=True, blank=True, editable=False
    )
    is_demo = models.BooleanField(_("demo content"), default=False, editable=False)
    # Derived on save: when each language's text last changed (for the translation
    # state), and each language's text folded for search.
    content_hash_ar = models.CharField(max_length=64, blank=True, editable=False)
    content_hash_en = models.CharField(max_length=64, blank=True, editable=False)
    content_changed_ar = models.DateTimeField(null=True, blank=True, editable=False)
    content_changed_en = models.DateTimeField(null=True, blank=True, editable=False)
    search_ar = models.TextField(blank=True, editable=False)
    search_en = models.TextField(blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish, schedule and unpublish articles"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ArticleStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(piece_type__in=PieceType.values), name="article_piece_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(claim_rating__in=["", *ClaimRating.values]),
                name="article_claim_rating_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_pub"),
            models.Index(fields=["section", "status", "-published_at"], name="article_section_pub"),
            # The breaking-news strip and the page cache's "when does it end": a few rows.
            models.Index(
                fields=["breaking_until"],
                condition=Q(breaking_until__isnull=False),
                name="article_breaking",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, tags=None, **kwargs):
        """Save, deriving what is stored; ``tags``, if given, are the article's tags as
        they are about to be set (their names go into the search text)."""
        self.prepare_for_save(tags=tags)
        self.edit_version = max(self.edit_version + 1, time.time_ns() // 1000)
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def get_absolute_url(self):
        """Return the canonical path in the active language."""
        return self.paths()(self)

    def validate_constraints(self, exclude=None):
        """Validate the constraints, but for the kind of piece and the verdict: their
        choices are checked already (``clean_fields``), and asking the database again
        would cost a form's save two queries; the database still refuses a bad value."""
        super().validate_constraints(exclude={*(exclude or ()), "piece_type", "claim_rating"})

    def fact_check_problems(self) -> dict[str, str]:
        """Return what a fact-check lacks, by field: its claim (in Arabic, the original)
        and its verdict. Empty for every other kind of piece."""
        if self.piece_type != PieceType.FACT_CHECK:
            return {}
        problems = {}
        if not (getattr(self, "claim_ar", "") or "").strip():
            problems["claim_ar"] = gettext("A fact-check needs the claim it checks.")
        if not self.claim_rating:
            problems["claim_rating"] = gettext("A fact-check needs its verdict.")
        return problems

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the canonical path, in ``language`` (by default the
        active one), of an article (or of any value with its id and slugs): for many
        links made at once.

        The slug is the language's own, or the Arabic one; with neither, the short path.
        """
        language = language or get_language()
        detail = path_builder("articles:detail", "pk", "slug", language=language)

        def path(article) -> str:
            slug = Article.slug_in(article, language)
            if slug:
                return detail(pk=article.pk, slug=slug)
            return path_builder("articles:detail_short", "pk", language=language)(pk=article.pk)

        return path

    @classmethod
    def from_db(cls, db, field_names, values):
        """Make an instance of a row read from the database, remembering its status.

        As Django's documentation shows ("Customizing model loading"): a save can then tell
        whether the article was published before it, without reading the row again.
        """
        article = super().from_db(db, field_names, values)
        article._loaded_status = article.__dict__.get("status")
        return article

    def prepare_for_save(self, *, tags=None):
        """Derive what is stored from what was written; bulk inserts call this too.

        Bodies are sanitized through the one allow-list, once each; a slug left empty is
        made from the headline in its own language; each language's text is folded for
        search with the names of ``tags`` (read from the database if not given).
        """
        drop_bidi_controls(self)
        now = timezone.now()
        tag_names = self._tag_names(tags)
        for code in language_codes():
            setattr(self, f"body_{code}", sanitize_html(getattr(self, f"body_{code}", "")))
            title = getattr(self, f"title_{code}", "") or ""
            slug = getattr(self, f"slug_{code}", "")
            if slug and not is_slug(slug):
                # Forms refuse such a slug; an import or a script gets it cleaned.
                setattr(self, f"slug_{code}", make_slug(slug))
            if title and not getattr(self, f"slug_{code}", ""):
                setattr(self, f"slug_{code}", make_slug(title))
            texts = [getattr(self, f"{field}_{code}", "") or "" for field in TRANSLATED_TEXT_FIELDS]
            digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()
            if digest != getattr(self, f"content_hash_{code}"):
                setattr(self, f"content_hash_{code}", digest)
                setattr(self, f"content_changed_{code}", now)
            setattr(self, f"search_{code}", self.search_text(code, tag_names))

    def _tag_names(self, tags=None) -> list[tuple[str, str]]:
        """Return the (Arabic, English) names of ``tags``, or of the saved tags; remember
        which tags the search text is folded with, for ``refresh_search_text``."""
        if tags is None:
            if self.pk is None:
                return []
            rows = list(self.tags.values_list("pk", "name_ar", "name_en"))
        else:
            rows = [(tag.pk, tag.name_ar, tag.name_en) for tag in tags]
        self._folded_tags = {pk for pk, _arabic, _english in rows}
        return [(arabic, english) for _pk, arabic, english in rows]

    def search_text(self, language: str, tag_names: list[tuple[str, str]] | None = None) -> str:
        """Return the article's text in ``language`` folded for search, tag names included."""
        texts = [getattr(self, f"{field}_{language}", "") or "" for field in TRANSLATED_TEXT_FIELDS]
        body = TRANSLATED_TEXT_FIELDS.index("body")
        texts[body] = html_to_text(texts[body])
        if tag_names is None:
            tag_names = self._tag_names()
        texts += [(english if language == "en" else "") or arabic for arabic, english in tag_names]
        return normalize_for_search(" ".join(texts))

    @property
    def picture(self):
        """Return the lead image as lists show it, or ``None`` without one."""
        return self.lead_image or None

    def slug_in(self, language: str) -> str:
        """Return the slug for ``language``, the Arabic one where no other was written."""
        return getattr(self, f"slug_{language}", "") or self.slug_ar or ""

    def is_available_in(self, language: str) -> bool:
        """Say whether the article exists in ``language`` (its title and body are written)."""
        if language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            return True
        return bool(getattr(self, f"title_{language}", "")) and bool(
            getattr(self, f"body_{language}", "")
        )

    @property
    def byline(self) -> str:
        """Return the credit line readers see: "خاص - SY24" for an exclusive."""
        if self.is_exclusive:
            return gettext("Exclusive - %(source)s") % {"source": self.source}
        return self.source

    @property
    def languages(self) -> list[str]:
        return [code for code in language_codes() if self.is_available_in(code)]

    @property
    def translation_state(self) -> str:
        """Say whether the English translation is missing, complete or outdated.

        Outdated: the Arabic text changed after the English was last edited.
        """
        if not self.is_available_in("en"):
            return TranslationState.MISSING
        if (
            self.content_changed_ar
            and self.content_changed_en
            and self.content_changed_ar > self.content_changed_en
        ):
            return TranslationState.OUTDATED
        return TranslationState.COMPLETE

    @property
    def was_published(self) -> bool:
        """Say whether the saved article is published (or scheduled), whatever this
        instance has been changed to since it was read."""
        if self.pk is None:
            return False
        if hasattr(self, "_loaded_status"):
            return self._loaded_status == self.Status.PUBLISHED
        return Article.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()

    @property
    def is_live(self) -> bool:
        """Say whether readers can see it now (published and its time has come)."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


class ArticleActivity(models.Model):
    """One entry in an article's log: who did what, and when."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted for review")
        RETURNED = "returned", _("returned to draft")
        PUBLISHED = "published", _("published")
        SCHEDULED = "scheduled", _("scheduled")
        UNPUBLISHED = "unpublished", _("unpublished")
        ARCHIVED = "archived", _("archived")
        RESTORED = "restored", _("revision restored")
        DELETED = "deleted", _("deleted")
        RECOVERED = "recovered", _("recovered")
        PREVIEW_SHARED = "preview_shared", _("preview link created")
        PREVIEW_REVOKED = "preview_revoked", _("preview link revoked")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="activity",
    )
    # Kept so the log still reads well after the article is deleted.
    article_title = models.CharField(_("headline"), max_length=250)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    at = models.DateTimeField(_("time"), default=timezone.now)
    details = models.CharField(_("details"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        get_latest_by = "at"
        verbose_name = _("activity")
        verbose_name_plural = _("activity log")
        indexes = [models.Index(fields=["article", "-at"], name="activity_article_at")]

    def __str__(self):
        return f"{self.get_action_display()}: {self.article_title}"


class PenNameCover(models.Model):
    """An article a pen name signs, or once signed, and the staff account behind it.

    Staff who may not know who writes under a pen name (all but administrators and the
    writer) see that account named as the pen name wherever the article's staff are
    shown (``articles.cover``). Kept after the byline is removed, so editing the byline
    unmasks no one; written when a linked pen name signs an article or a signing pen
    name is linked, never by hand, and removed only with the article or the account.
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The pen name staff read in the account's place (the one that signed).
    profile = models.ForeignKey(
        AuthorProfile,
        verbose_name=_("pen name"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["article", "pk"]
        verbose_name = _("pen-name cover")
        verbose_name_plural = _("pen-name covers")
        constraints = [
            models.UniqueConstraint(fields=["article", "account"], name="pen_name_cover_once")
        ]

    def __str__(self):
        # The pen name, never the account (a deletion's summary lists covers).
        return self.profile.name if self.profile_id else str(self.article_id)


class PreviewLink(models.Model):
    """A link that shows an unpublished article to a reviewer without an account.

    Made by someone who may share the article's preview (``permissions``), it opens
    the preview until it expires or is revoked, and never once the article is live or
    archived. Only the digest of its token is kept (``articles.preview``): the link
    itself is shown once, to the person who made it.
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="preview_links"
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self):
        return f"{self.article_id} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        """Say whether the link is neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > timezone.now()


class Quote(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="quotes"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="quotes"
    )
    text = models.TextField(_("quote"))
    context = models.CharField(
        _("context"),
        max_length=200,
        blank=True,
        help_text=_('Where it was said, for example: "in a statement to SY24".'),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    highlighted = models.BooleanField(
        _("highlighted"),
        default=False,
        help_text=_(
            "The editor's choice: shown once, as a pull quote in the article's text, "
            "and not again in the quotes box."
        ),
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self):
        return f"{self.expert}: {self.text[:60]}"

    def get_absolute_url(self):
        return self.paths()(self)

    @staticmethod
    def paths(language: str | None = None):
        """Return a function giving the page path of a quote (or of any value with its
        pk), in ``language`` (by default the active one): for many links made at once."""
        path = path_builder("articles:quote", "pk", language=language)
        return lambda quote: path(pk=quote.pk)

    @property
    def share_text(self) -> str:
        """Return the quote as it is shared: the words in quotation marks, then who said them."""
        opening, closing = ("«", "»") if get_language() == "ar" else ("“", "”")
        return f"{opening}{self.text}{closing} — {self.expert.full_name}"


class Correction(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField(_("correction"))
    published_at = models.DateTimeField(_("time"), default=timezone.now)
    announce = models.BooleanField(
        _("announce on Telegram"),
        default=False,
        help_text=_("Post the correction to the channel, as a reply to the article's post."),
    )

    class Meta:
        ordering = ["-published_at", "-pk"]
        get_latest_by = "published_at"
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return self.text[:80]


class ShareNetwork(models.Model):
    class Icon(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        WHATSAPP = "whatsapp", "WhatsApp"
        TELEGRAM = "telegram", "Telegram"
        X = "x", "X"
        EMAIL = "email", _("e-mail")
        LINK = "link", _("link")

    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    url_template = models.CharField(
        _("URL template"),
        max_length=500,
        validators=[validate_share_template],
        help_text=_(
            "The network's share address with {url} (the article's address), {title} (its "
            "headline) or {text} (both); each is percent-encoded."
        ),
    )
    icon = models.CharField(_("icon"), max_length=20, choices=Icon, default=Icon.LINK)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("share network")
        verbose_name_plural = _("share networks")

    def __str__(self):
        return self.name


class DailyShareCount(models.Model):
    """How many readers shared an article through a network on one day."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="share_counts"
    )
    network = models.ForeignKey(
        ShareNetwork, verbose_name=_("share network"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("clicks"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("share count")
        verbose_name_plural = _("share counts")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "network", "day"], name="share_count_one_row_per_day"
            ),
        ]
        # The week's counts are read from the index alone (the clicks are in it).
        indexes = [models.Index(fields=["day", "article", "count"], name="share_count_day_total")]

    def __str__(self):
        return f"{self.article_id} {self.network_id} {self.day}: {self.count}"


class DailyReadCount(models.Model):
    """How many times an article was read on one day: a number, and nothing about who.

    Counted by the article page's own request (``/r/<id>/``): no cookie, no address, no
    third party (``articles.writing.reads``).
    """

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="read_counts"
    )
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("reads"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("read count")
        verbose_name_plural = _("read counts")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="read_count_one_row_per_day"),
        ]
        # The week's most read are summed from this index alone (the reads are in it).
        indexes = [models.Index(fields=["day", "article", "count"], name="read_count_day_total")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.count}"


validate_telegram_url = RegexValidator(
    r"\Ahttps://t\.me/(\+[-A-Za-z0-9_]{8,64}|[A-Za-z0-9_]{5,32})/?\Z",
    _("Give the channel's public address: https://t.me/ followed by its name."),
)


class Delivery(models.Model):
    """One message to an outside channel (the outlet's Telegram channel) about an
    article: its post, an edit or removal of that post, a correction.

    The row is the delivery's record, kept whatever happens: the job that sends it
    (``articles.operations.jobs``) claims it, retries it with growing delays when the
    other side fails, and gives up after ``NEWSROOM_JOB_MAX_ATTEMPTS`` tries with the
    error kept; an editor may retry it from the admin. What is sent is composed when it
    is sent, from the article as it is then.
    """

    class Kind(models.TextChoices):
        POST = "post", _("post")
        EDIT = "edit", _("edit of the post")
        DELETE = "delete", _("removal of the post")
        CORRECTION = "correction", _("correction")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # Kept for the record when the article is deleted (its post is then removed).
    article_title = models.CharField(_("headline"), max_length=300, blank=True)
    correction = models.ForeignKey(
        Correction,
        verbose_name=_("correction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # The post an edit, a removal or a correction is about.
    target = models.ForeignKey(
        "self",
        verbose_name=_("post"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
    )
    language = models.CharField(_("language"), max_length=8)
    chat_id = models.CharField(_("channel"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    message_id = models.BigIntegerField(_("message number"), null=True, blank=True)
    link = models.URLField(_("link"), max_length=300, blank=True)
    # A post sent as a photo with a caption (edited with editMessageCaption), not as text.
    with_photo = models.BooleanField(default=False, editable=False)
    # A post once published and since taken down (or given up): a new publish posts anew.
    withdrawn = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("channel delivery")
        verbose_name_plural = _("channel deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article_title}"


class ReachUsPage(models.Model):
    """What the "how to reach us if we are blocked" page says: one row, edited in the
    admin. The mirrors and the onion address it lists come from the settings."""

    SINGLE_PK = 1

    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_("Shown above the list of addresses: how to reach the site when it is blocked."),
    )
    telegram_url = models.CharField(
        _("Telegram channel"),
        max_length=200,
        blank=True,
        validators=[validate_telegram_url],
        help_text=_("The channel's address, such as https://t.me/our_channel."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reach-us page")
        verbose_name_plural = _("reach-us page")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="reachuspage_single_row"),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs):
        self.pk = self.SINGLE_PK
        for code in language_codes():
            setattr(self, f"body_{code}", sanitize_html(getattr(self, f"body_{code}", "")))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return path_to("articles:reach_us")


def logo_path(instance, filename):
    return f"site/{uuid.uuid4().hex}.svg"


class SiteSettings(models.Model):
    """The masthead and the footer of every full reader page: the logo, the about and
    corrections-policy pages, the contact link and the social accounts. One row, edited
    in the admin; the sections menu is the sections themselves, in their positions."""

    SINGLE_PK = 1
    # The social accounts, in the order the footer lists them: field, name readers see.
    SOCIAL = (
        ("telegram_url", _("Telegram")),
        ("whatsapp_url", _("WhatsApp channel")),
        ("facebook_url", _("Facebook")),
        ("x_url", _("X")),
        ("youtube_url", _("YouTube")),
        ("instagram_url", _("Instagram")),
    )
    # The rich texts, sanitized on save through the one allow-list.
    RICH_TEXTS = (
        "about",
        "corrections_policy",
        "ownership_funding",
        "unnamed_sources_policy",
        "contact_advice",
    )

    logo = models.FileField(
        _("logo (SVG)"),
        upload_to=logo_path,
        blank=True,
        validators=[validate_svg_file],
        help_text=_(
            "An SVG file of at most 100 KB, with no script, event attribute or link to another "
            "file. Without one, the site's name is shown."
        ),
    )
    about = models.TextField(
        _("about us"), blank=True, help_text=_("The “About us” page. Empty: no such page.")
    )
    corrections_policy = models.TextField(
        _("corrections policy"),
        blank=True,
        help_text=_("The “Corrections policy” page. Empty: no such page."),
    )
    ownership_funding = models.TextField(
        _("ownership and funding"),
        blank=True,
        help_text=_(
            "The “Ownership and funding” page: who owns the outlet and who pays for it. "
            "Empty: no such page."
        ),
    )
    unnamed_sources_policy = models.TextField(
        _("unnamed sources policy"),
        blank=True,
        help_text=_(
            "The “Unnamed sources” page: when the outlet keeps a source's name to itself, "
            "and how it checks what they say. Empty: no such page."
        ),
    )
    # The contact page (/contact/): safe ways for sources to reach the newsroom. It
    # exists once one of them is set; no form, nothing a source sends is kept here.
    signal = models.CharField(
        _("Signal"),
        max_length=300,
        blank=True,
        validators=[validate_signal],
        help_text=_(
            "The newsroom's Signal number in international form (+963 …) or its "
            "https://signal.me/# link."
        ),
    )
    securedrop_url = models.CharField(
        _("SecureDrop address"),
        max_length=300,
        blank=True,
        validators=[validate_onion_address],
        help_text=_("The SecureDrop onion address, opened in Tor Browser."),
    )
    hush_line_url = models.CharField(
        _("Hush Line address"),
        max_length=300,
        blank=True,
        validators=[validate_hush_line],
        help_text=_("The newsroom's Hush Line tip line, such as https://tips.hushline.app/to/…"),
    )
    pgp_key = models.TextField(
        _("PGP public key"),
        blank=True,
        validators=[validate_public_key],
        help_text=_(
            "The public key block, from -----BEGIN PGP PUBLIC KEY BLOCK----- to its end. "
            "Never a private key."
        ),
    )
    pgp_fingerprint = models.CharField(
        _("PGP fingerprint"),
        max_length=100,
        blank=True,
        validators=[validate_fingerprint],
        help_text=_("Left empty, it is worked out from the key."),
    )
    contact_advice = models.TextField(
        _("advice to sources"),
        blank=True,
        help_text=_("Shown on the contact page: how to reach us without being exposed."),
    )
    contact_url = models.CharField(
        _("contact address"),
        max_length=300,
        blank=True,
        validators=[validate_link],
        help_text=_("A mailto: address or a contact page, such as mailto:editor@example.org."),
    )
    telegram_url = models.CharField(
        _("Telegram"), max_length=300, blank=True, validators=[validate_web_link]
    )
    whatsapp_url = models.CharField(
        _("WhatsApp channel"), max_length=300, blank=True, validators=[validate_web_link]
    )
    facebook_url = models.CharField(
        _("Facebook"), max_length=300, blank=True, validators=[validate_web_link]
    )
    x_url = models.CharField(_("X"), max_length=300, blank=True, validators=[validate_web_link])
    youtube_url = models.CharField(
        _("YouTube"), max_length=300, blank=True, validators=[validate_web_link]
    )
    instagram_url = models.CharField(
        _("Instagram"), max_length=300, blank=True, validators=[validate_web_link]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("masthead and footer")
        verbose_name_plural = _("masthead and footer")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="sitesettings_single_row"),
        ]

    def __str__(self):
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs):
        self.pk = self.SINGLE_PK
        for field in self.RICH_TEXTS:
            for code in language_codes():
                name = f"{field}_{code}"
                setattr(self, name, sanitize_html(getattr(self, name, "") or ""))
        self.pgp_key = (self.pgp_key or "").strip()
        self.pgp_fingerprint = normalize_fingerprint(self.pgp_fingerprint) or (
            key_fingerprint(self.pgp_key) if self.pgp_key else ""
        )
        super().save(*args, **kwargs)

    def clean(self):
        """Refuse a fingerprint that is not the key's."""
        super().clean()
        derived = key_fingerprint(self.pgp_key) if self.pgp_key else ""
        written = normalize_fingerprint(self.pgp_fingerprint)
        if derived and written and written != derived:
            raise ValidationError(
                {
                    "pgp_fingerprint": gettext(
                        "This fingerprint is not the key's: the key's is %(fingerprint)s."
                    )
                    % {"fingerprint": derived}
                }
            )

    @property
    def has_contact_page(self) -> bool:
        """Say whether the contact page has a safe way to offer."""
        return bool(self.signal or self.securedrop_url or self.hush_line_url or self.pgp_key)


@receiver(m2m_changed, sender=Article.tags.through)
def refresh_search_text(sender, instance, action, reverse, pk_set=None, **kwargs):
    """Fold an article's tag names into its search text when its tags change.

    Nothing to do when the article was just saved with these tags (an action passes them
    to ``save``): its search text already holds their names.
    """
    if action not in {"post_add", "post_remove", "post_clear"} or reverse:
        return
    folded = getattr(instance, "_folded_tags", None)
    if folded is not None and (
        (action == "post_add" and pk_set <= folded)
        or (action == "post_remove" and not pk_set & folded)
        or (action == "post_clear" and not folded)
    ):
        return
    names = instance._tag_names()
    Article.objects.filter(pk=instance.pk).update(
        **{f"search_{code}": instance.search_text(code, names) for code in language_codes()}
    )


def body_image_path(instance, filename):
    return upload_path("body", filename)


class BodyImage(models.Model):
    """A picture placed inside an article's text, uploaded from the rich-text editor.

    The body keeps a marker, ``<figure data-body-image="<id>">``; each save of the
    article replaces it with the picture's renditions, its alternative text and its
    caption, as this row says (``articles.media.body``), so reading costs nothing.
    """

    image = models.ImageField(
        _("picture"),
        upload_to=body_image_path,
        width_field="width",
        height_field="height",
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt = models.CharField(
        _("alternative text"),
        max_length=300,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("image credit"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("picture in the text")
        verbose_name_plural = _("pictures in the text")

    def __str__(self):
        return self.alt
