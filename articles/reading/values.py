"""Article cards and tag links read as plain values, for what every article page lists.

An article card (jinja2/includes/article_card.html) shows a headline, kicker, summary,
section and date, and links to the article and its section. Read through model
instances, each of those values costs a model constructor and a translated-field
lookup of the active language; the article page's related list reads the card's
columns with ``values()`` instead, resolves the language once, and gives the template
objects with the same names: ``card.title``, ``card.get_absolute_url()``,
``card.section.name``. The article's tags, quotes and share buttons are read the same
way.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from modeltranslation.utils import resolution_order

from articles.links import path_builder


class _Linked:
    """Answers ``get_absolute_url()`` with its ``url``, as the models do with a path."""

    __slots__ = ()

    def get_absolute_url(self) -> str:
        return self.url  # type: ignore[attr-defined]


# The translated columns a card shows: the article's, then its section's name.
_ARTICLE_TEXTS = ("title", "kicker", "summary", "slug")


def card_columns() -> list[str]:
    """Return the names to pass to ``values()`` for ``cards_of``: every language's."""
    languages = [code for code, _name in settings.LANGUAGES]
    return [
        "pk",
        "published_at",
        "section__slug",
        *(f"{field}_{code}" for field in _ARTICLE_TEXTS for code in languages),
        *(f"section__name_{code}" for code in languages),
    ]


@dataclass(frozen=True, slots=True)
class SectionLink(_Linked):
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Card(_Linked):
    pk: int
    title: str
    kicker: str
    summary: str
    published_at: datetime
    url: str
    section: SectionLink


def _text(row: dict, column: str, order: tuple[str, ...]) -> str:
    """Return the first of the row's ``column_<language>`` values that has text, the
    languages taken in ``order`` (as modeltranslation's fallbacks take them)."""
    for code in order:
        value = row[f"{column}_{code}"]
        if value is not None and value != "":
            return value
    return ""


def cards_of(rows: list[dict], language: str) -> list[Card]:
    """Return a card per row of ``card_columns()``, in ``language`` with its fallbacks,
    as the model's translated fields would give them."""
    order = resolution_order(language)

    def text(row: dict, column: str) -> str:
        return _text(row, column, order)

    article_path = path_builder("articles:detail", "pk", "slug")
    short_path = path_builder("articles:detail_short", "pk")
    section_path = path_builder("articles:section", "slug")
    sections: dict[str, SectionLink] = {}
    cards = []
    for row in rows:
        slug = row[f"slug_{language}"] or row[f"slug_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"]
        url = article_path(pk=row["pk"], slug=slug) if slug else short_path(pk=row["pk"])
        section_slug = row["section__slug"]
        if section_slug not in sections:
            sections[section_slug] = SectionLink(
                name=text(row, "section__name"), url=section_path(slug=section_slug)
            )
        cards.append(
            Card(
                pk=row["pk"],
                title=text(row, "title"),
                kicker=text(row, "kicker"),
                summary=text(row, "summary"),
                published_at=row["published_at"],
                url=url,
                section=sections[section_slug],
            )
        )
    return cards


@dataclass(frozen=True, slots=True)
class TagLink(_Linked):
    pk: int
    name: str
    url: str


def tag_columns() -> list[str]:
    """Return the names to pass to ``values()`` for ``tags_of``."""
    return ["pk", "slug", *(f"name_{code}" for code, _name in settings.LANGUAGES)]


def tags_of(rows: list[dict], language: str) -> list[TagLink]:
    """Return a link per row of ``tag_columns()``, named in ``language`` or its fallbacks."""
    order = resolution_order(language)
    tag_path = path_builder("articles:tag", "slug")
    return [
        TagLink(pk=row["pk"], name=_text(row, "name", order), url=tag_path(slug=row["slug"]))
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ShareButton:
    """A share network's button on an article page, with the path that counts the share."""

    name: str
    slug: str
    icon: str
    path: str


def share_button_columns() -> list[str]:
    """Return the names to pass to ``values()`` for ``share_buttons_of``."""
    return ["slug", "icon", *(f"name_{code}" for code, _name in settings.LANGUAGES)]


def share_buttons_of(rows: list[dict], language: str, article_pk: int) -> list[ShareButton]:
    """Return a button per row of ``share_button_columns()``, for sharing the article."""
    order = resolution_order(language)
    share_path = path_builder("articles:share", "pk", "network")
    return [
        ShareButton(
            name=_text(row, "name", order),
            slug=row["slug"],
            icon=row["icon"],
            path=share_path(pk=article_pk, network=row["slug"]),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ExpertLink(_Linked):
    """Who said a quote: named with the honorific, as the news names the person."""

    full_name: str
    role: str
    url: str


@dataclass(frozen=True, slots=True)
class QuoteItem(_Linked):
    """A quote as the article page shows it, with the path of its own, shareable page."""

    pk: int
    text: str
    context: str
    highlighted: bool
    expert: ExpertLink
    url: str


def quote_columns() -> list[str]:
    """Return the names to pass to ``values()`` for ``quotes_of``."""
    languages = [code for code, _name in settings.LANGUAGES]
    return [
        "pk",
        "highlighted",
        "expert__slug",
        *(f"{field}_{code}" for field in ("text", "context") for code in languages),
        *(
            f"expert__{field}_{code}"
            for field in ("name", "honorific", "role")
            for code in languages
        ),
    ]


def quotes_of(rows: list[dict], language: str) -> list[QuoteItem]:
    """Return a quote per row of ``quote_columns()``, in ``language`` or its fallbacks."""
    order = resolution_order(language)
    quote_path = path_builder("articles:quote", "pk")
    expert_path = path_builder("articles:expert", "slug")
    experts: dict[str, ExpertLink] = {}
    quotes = []
    for row in rows:
        slug = row["expert__slug"]
        if slug not in experts:
            name = _text(row, "expert__name", order)
            honorific = _text(row, "expert__honorific", order)
            experts[slug] = ExpertLink(
                full_name=f"{honorific} {name}" if honorific else name,
                role=_text(row, "expert__role", order),
                url=expert_path(slug=slug),
            )
        quotes.append(
            QuoteItem(
                pk=row["pk"],
                text=_text(row, "text", order),
                context=_text(row, "context", order),
                highlighted=row["highlighted"],
                expert=experts[slug],
                url=quote_path(pk=row["pk"]),
            )
        )
    return quotes
