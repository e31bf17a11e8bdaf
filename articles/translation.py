"""The fields translated by django-modeltranslation (Arabic first, English optional)."""

from modeltranslation.translator import TranslationOptions, register

from articles.models import (
    Article,
    AuthorProfile,
    Correction,
    Expert,
    Quote,
    ReachUsPage,
    Section,
    ShareNetwork,
    SiteSettings,
    Tag,
)


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("ar",)


@register(Tag)
class TagTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("ar",)


@register(Expert)
class ExpertTranslation(TranslationOptions):
    fields = ("name", "honorific", "role", "affiliation", "bio")
    required_languages = {"ar": ("name",)}


@register(AuthorProfile)
class AuthorProfileTranslation(TranslationOptions):
    fields = ("name", "short_bio")
    required_languages = {"ar": ("name",)}


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = (
        "title",
        "slug",
        "kicker",
        "summary",
        "body",
        "source",
        "lead_image_caption",
        "lead_image_credit",
        "lead_image_alt",
        "claim",
        "claim_author",
    )
    required_languages = {"ar": ("title", "body", "source")}


@register(Quote)
class QuoteTranslation(TranslationOptions):
    fields = ("text", "context")
    required_languages = {"ar": ("text",)}


@register(Correction)
class CorrectionTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = {"ar": ("text",)}


@register(ShareNetwork)
class ShareNetworkTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("ar",)


@register(ReachUsPage)
class ReachUsPageTranslation(TranslationOptions):
    fields = ("body",)


@register(SiteSettings)
class SiteSettingsTranslation(TranslationOptions):
    fields = (
        "about",
        "corrections_policy",
        "ownership_funding",
        "unnamed_sources_policy",
        "contact_advice",
    )
