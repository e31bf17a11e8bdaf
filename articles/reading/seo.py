"""Structured data and social tags: what search engines and chat apps read. Pure functions.

The view gathers plain values from the article; these functions shape them into
schema.org JSON-LD and OpenGraph/Twitter tags, and ``jsonld_script`` writes JSON-LD
into a page so that no text staff wrote can close the script element.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.html import format_html
from django.utils.safestring import SafeString

OG_LOCALES = {"ar": "ar_AR", "en": "en_US"}

# schema.org's type for each kind of piece (``Article.PieceType``): NewsArticle's
# subtypes where one fits. An interview is a NewsArticle whose genre says so; a
# fact-check is reporting (its verdict is a ClaimReview of its own, ``claim_review``).
ARTICLE_TYPES = {
    "news": "NewsArticle",
    "analysis": "AnalysisNewsArticle",
    "opinion": "OpinionNewsArticle",
    "interview": "NewsArticle",
    "fact_check": "ReportageNewsArticle",
}
GENRES = {"interview": "interview", "fact_check": "fact-check"}
# The verdicts (``Article.ClaimRating``) on ClaimReview's scale, 5 for true; an unproven
# claim has no place on the scale, and is rated by its name alone.
RATING_VALUES = {
    "true": 5,
    "mostly_true": 4,
    "misleading": 3,
    "mostly_false": 2,
    "false": 1,
    "unproven": None,
}
# The publisher's policy pages, as NewsMediaOrganization's properties name them.
POLICY_PROPERTIES = (
    "publishingPrinciples",
    "correctionsPolicy",
    "ownershipFundingInfo",
    "unnamedSourcesPolicy",
)


@dataclass(frozen=True)
class Image:
    url: str
    width: int
    height: int
    type: str = "image/jpeg"
    alt: str = ""


@dataclass(frozen=True)
class Byline:
    """An author an article names: a public profile's name and the address of its page."""

    name: str
    url: str = ""


@dataclass(frozen=True)
class ArticleFacts:
    """What the page says about an article, in the page's language."""

    headline: str
    description: str
    url: str
    language: str
    published: datetime
    modified: datetime
    section: str
    site_name: str
    publisher_logo: Image
    authors: list[Byline] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    image: Image | None = None
    alternate_languages: list[str] = field(default_factory=list)
    piece_type: str = "news"
    # The publisher's policy pages by property (``POLICY_PROPERTIES``), absolute URLs;
    # those not written are left out.
    policies: dict[str, str] = field(default_factory=dict)


def _author(byline: Byline) -> dict:
    data = {"@type": "Person", "name": byline.name}
    if byline.url:
        data["url"] = byline.url
    return data


@dataclass(frozen=True)
class ClaimFacts:
    """What a fact-check says of the claim it checks, in the page's language."""

    claim: str
    author: str
    rating: str  # a key of RATING_VALUES
    rating_label: str  # the verdict's name, as readers read it
    author_url: str = ""
    made_on: date | None = None


def publisher(facts: ArticleFacts) -> dict:
    """Return the outlet as schema.org's NewsMediaOrganization, with its policy pages."""
    data = {
        "@type": "NewsMediaOrganization",
        "name": facts.site_name,
        "logo": {
            "@type": "ImageObject",
            "url": facts.publisher_logo.url,
            "width": facts.publisher_logo.width,
            "height": facts.publisher_logo.height,
        },
    }
    for key in POLICY_PROPERTIES:
        if facts.policies.get(key):
            data[key] = facts.policies[key]
    return data


def news_article(facts: ArticleFacts) -> dict:
    """Return schema.org NewsArticle data (or a subtype's, ``ARTICLE_TYPES``) for an
    article page."""
    data = {
        "@context": "https://schema.org",
        "@type": ARTICLE_TYPES.get(facts.piece_type, "NewsArticle"),
        "mainEntityOfPage": {"@type": "WebPage", "@id": facts.url},
        "url": facts.url,
        "headline": facts.headline[:110],
        "description": facts.description,
        "inLanguage": facts.language,
        "datePublished": facts.published.isoformat(),
        "dateModified": facts.modified.isoformat(),
        "articleSection": facts.section,
        "keywords": facts.keywords,
        "author": [_author(byline) for byline in facts.authors]
        or [{"@type": "Organization", "name": facts.site_name}],
        "publisher": publisher(facts),
    }
    if facts.piece_type in GENRES:
        data["genre"] = GENRES[facts.piece_type]
    if facts.image:
        data["image"] = {
            "@type": "ImageObject",
            "url": facts.image.url,
            "width": facts.image.width,
            "height": facts.image.height,
        }
    return data


def claim_review(facts: ArticleFacts, claim: ClaimFacts) -> dict:
    """Return schema.org ClaimReview data for a fact-check: the claim, who made it and
    when, and the verdict on a scale of 1 (false) to 5 (true)."""
    reviewed = {"@type": "Claim"}
    if claim.author:
        reviewed["author"] = {"@type": "Person", "name": claim.author}
        if claim.author_url:
            reviewed["author"]["url"] = claim.author_url
    if claim.made_on:
        reviewed["datePublished"] = claim.made_on.isoformat()
    rating = {
        "@type": "Rating",
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": claim.rating_label,
    }
    if RATING_VALUES.get(claim.rating) is not None:
        rating["ratingValue"] = RATING_VALUES[claim.rating]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": facts.url,
        "inLanguage": facts.language,
        "datePublished": facts.published.isoformat(),
        "author": publisher(facts),
        "claimReviewed": claim.claim,
        "itemReviewed": reviewed,
        "reviewRating": rating,
    }


def person(
    *,
    name: str,
    url: str,
    job_title: str = "",
    honorific: str = "",
    image: str = "",
    description: str = "",
    affiliation: str = "",
) -> dict:
    """Return schema.org Person data for an expert's or an author's page."""
    data = {"@context": "https://schema.org", "@type": "Person", "name": name, "url": url}
    for key, value in (
        ("jobTitle", job_title),
        ("honorificPrefix", honorific),
        ("image", image),
        ("description", description),
    ):
        if value:
            data[key] = value
    if affiliation:
        data["affiliation"] = {"@type": "Organization", "name": affiliation}
    return data


def quotation(
    *, text: str, speaker: str, speaker_url: str, article_url: str, url: str, language: str
) -> dict:
    """Return schema.org Quotation data for a quote's page."""
    return {
        "@context": "https://schema.org",
        "@type": "Quotation",
        "text": text,
        "url": url,
        "inLanguage": language,
        "spokenByCharacter": {"@type": "Person", "name": speaker, "url": speaker_url},
        "isPartOf": {"@type": "NewsArticle", "url": article_url},
    }


def open_graph(facts: ArticleFacts) -> list[tuple[str, str]]:
    """Return the OpenGraph and Twitter tags of an article page as (property, content) pairs."""
    tags = [
        ("og:type", "article"),
        ("og:site_name", facts.site_name),
        ("og:title", facts.headline),
        ("og:description", facts.description),
        ("og:url", facts.url),
        ("og:locale", OG_LOCALES.get(facts.language, facts.language)),
    ]
    tags += [
        ("og:locale:alternate", OG_LOCALES.get(code, code))
        for code in facts.alternate_languages
        if code != facts.language
    ]
    if facts.image:
        tags += [
            ("og:image", facts.image.url),
            ("og:image:type", facts.image.type),
            ("og:image:width", str(facts.image.width)),
            ("og:image:height", str(facts.image.height)),
            ("og:image:alt", facts.image.alt or facts.headline),
        ]
    tags += [
        ("article:published_time", facts.published.isoformat()),
        ("article:modified_time", facts.modified.isoformat()),
        ("article:section", facts.section),
    ]
    # The author by name, as Telegram's Instant View reads it (and most link previews).
    names = [byline.name for byline in facts.authors] or [facts.site_name]
    tags += [("article:author", name) for name in names]
    tags += [("article:tag", keyword) for keyword in facts.keywords]
    tags += [
        ("twitter:card", "summary_large_image" if facts.image else "summary"),
        ("twitter:title", facts.headline),
        ("twitter:description", facts.description),
    ]
    if facts.image:
        tags += [
            ("twitter:image", facts.image.url),
            ("twitter:image:alt", facts.image.alt or facts.headline),
        ]
    return tags


def jsonld_script(data: dict) -> SafeString:
    """Return a JSON-LD script element; <, > and & are escaped so nothing can break out."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        # Characters that could end the element or start markup, escaped in strings (as
        # three replaces: str.translate looks each character of the text up in a dict).
        SafeString(  # nosec B703 # <, > and & escaped
            text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
        ),
    )
