"""The values reader pages show: plain, frozen objects that answer as the models do.

A page lists some thirty things (related articles, their sections, tags, quotes and
their experts, share buttons). Read as model instances, each costs a model constructor;
read as rows of plain columns (every language's), each is a small frozen object. Those
objects take their behaviour from the models themselves rather than copying it:

- a translated name (``card.title``, ``tag.name``) is read through the model's own
  modeltranslation descriptor, so the fallback from English to Arabic is the model's;
- ``get_absolute_url()``, ``slug_in()``, ``full_name`` and ``share_text`` are the model's
  own functions, bound to the value.

So a value answers exactly as its model would, and a change to a model's rule changes
the pages that read values too. Each value has every language's columns of its texts
(``title_ar``, ``title_en``); ``test_values.py`` fails if a language is added and the
values do not carry it. Templates read these under strict undefined in the tests: a
name a value does not offer fails a test instead of printing nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from articles.models import Article, Correction, Expert, Quote, Section, ShareNetwork, Tag

LANGUAGES = ("ar", "en")


def languages_of(*fields: str) -> list[str]:
    """Return each of ``fields`` in every language: ``["title_ar", "title_en", ...]``."""
    return [f"{field}_{code}" for field in fields for code in LANGUAGES]


def prefixed(prefix: str, names: list[str]) -> list[str]:
    """Return ``names`` as ``values()`` reads them through a relation: ``section__name_ar``."""
    return [f"{prefix}__{name}" for name in names]


def unprefixed(row: dict, prefix: str) -> dict:
    """Return the columns of ``row`` read through relation ``prefix``, without the prefix."""
    start = len(prefix) + 2
    return {name[start:]: value for name, value in row.items() if name.startswith(prefix + "__")}


@dataclass(frozen=True, slots=True)
class SectionLink:
    slug: str
    name_ar: str
    name_en: str

    COLUMNS = ["slug", *languages_of("name")]
    name = Section.name
    get_absolute_url = Section.get_absolute_url


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """An article as lists show it: headline, kicker, standfirst, section and date."""

    pk: int
    published_at: datetime
    title_ar: str
    title_en: str
    kicker_ar: str
    kicker_en: str
    summary_ar: str
    summary_en: str
    slug_ar: str
    slug_en: str
    section: SectionLink

    COLUMNS = ["pk", "published_at", *languages_of("title", "kicker", "summary", "slug")]
    title = Article.title
    kicker = Article.kicker
    summary = Article.summary
    slug_in = Article.slug_in
    get_absolute_url = Article.get_absolute_url


def card_columns() -> list[str]:
    """Return the columns to read for ``cards_of``: the article's, then its section's."""
    return [*ArticleCard.COLUMNS, *prefixed("section", SectionLink.COLUMNS)]


def cards_of(rows: list[dict]) -> list[ArticleCard]:
    """Return a card per row of ``card_columns()``; cards of one section share its link."""
    sections: dict[str, SectionLink] = {}
    cards = []
    for row in rows:
        section = sections.get(row["section__slug"])
        if section is None:
            section = sections[row["section__slug"]] = SectionLink(**unprefixed(row, "section"))
        cards.append(
            ArticleCard(**{name: row[name] for name in ArticleCard.COLUMNS}, section=section)
        )
    return cards


@dataclass(frozen=True, slots=True)
class TagLink:
    pk: int
    slug: str
    kind: str
    name_ar: str
    name_en: str

    COLUMNS = ["pk", "slug", "kind", *languages_of("name")]
    name = Tag.name
    get_kind_display = Tag.get_kind_display
    get_absolute_url = Tag.get_absolute_url


def tags_of(rows: list[dict]) -> list[TagLink]:
    return [TagLink(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class ExpertLink:
    """Who said a quote: named with the honorific, as the news names the person."""

    slug: str
    name_ar: str
    name_en: str
    honorific_ar: str
    honorific_en: str
    role_ar: str
    role_en: str

    COLUMNS = ["slug", *languages_of("name", "honorific", "role")]
    name = Expert.name
    honorific = Expert.honorific
    role = Expert.role
    full_name = Expert.full_name
    get_absolute_url = Expert.get_absolute_url


@dataclass(frozen=True, slots=True)
class QuoteItem:
    """A quote with who said it, and the article it appeared in where a page shows it."""

    pk: int
    highlighted: bool
    text_ar: str
    text_en: str
    context_ar: str
    context_en: str
    expert: ExpertLink
    article: ArticleCard | None = None

    COLUMNS = ["pk", "highlighted", *languages_of("text", "context")]
    text = Quote.text
    context = Quote.context
    share_text = Quote.share_text
    get_absolute_url = Quote.get_absolute_url


def quote_columns(*, with_article: bool = False) -> list[str]:
    """Return the columns to read for ``quotes_of``, the article's card too if asked."""
    columns = [*QuoteItem.COLUMNS, *prefixed("expert", ExpertLink.COLUMNS)]
    if with_article:
        columns += prefixed("article", card_columns())
    return columns


def quotes_of(rows: list[dict]) -> list[QuoteItem]:
    """Return a quote per row of ``quote_columns()``; one expert's quotes share a link."""
    experts: dict[str, ExpertLink] = {}
    quotes = []
    for row in rows:
        expert = experts.get(row["expert__slug"])
        if expert is None:
            expert = experts[row["expert__slug"]] = ExpertLink(**unprefixed(row, "expert"))
        article = None
        if "article__pk" in row:
            (article,) = cards_of([unprefixed(row, "article")])
        quotes.append(
            QuoteItem(
                **{name: row[name] for name in QuoteItem.COLUMNS}, expert=expert, article=article
            )
        )
    return quotes


@dataclass(frozen=True, slots=True)
class ShareButton:
    """A share network as a page offers it: the view named ``share_view`` counts the click."""

    slug: str
    icon: str
    name_ar: str
    name_en: str

    COLUMNS = ["slug", "icon", *languages_of("name")]
    name = ShareNetwork.name


def share_buttons_of(rows: list[dict]) -> list[ShareButton]:
    return [ShareButton(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class CorrectionItem:
    published_at: datetime
    text_ar: str
    text_en: str

    COLUMNS = ["published_at", *languages_of("text")]
    text = Correction.text


def corrections_of(rows: list[dict]) -> list[CorrectionItem]:
    return [CorrectionItem(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class AuthorName:
    """A staff member credited in a byline."""

    username: str
    first_name: str
    last_name: str

    COLUMNS = ["username", "first_name", "last_name"]
    get_full_name = get_user_model().get_full_name

    @property
    def name(self) -> str:
        return self.get_full_name() or self.username


def authors_of(rows: list[dict]) -> list[AuthorName]:
    return [AuthorName(**row) for row in rows]


def missing_languages() -> set[str]:
    """Return the site's languages the values above carry no columns for (should be none)."""
    return set(settings.MODELTRANSLATION_LANGUAGES) - set(LANGUAGES)
