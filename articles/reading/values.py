"""The values reader pages show: plain, frozen objects that answer as the models do.

A page lists some thirty things (related articles, their sections, tags, quotes and
their experts, share buttons). Read as model instances, each costs a model constructor
and, for every translated name it shows, a lookup of the active language; read as rows of
plain columns (every language's), each becomes a small frozen object made for the page's
language. Those objects take their behaviour from the models rather than copying it:

- a translated text (``card.title``, ``tag.name``) is chosen among the row's languages by
  ``ModelTexts``, which asks the model's own modeltranslation descriptor for its rule
  (its fallback languages, what counts as empty, its default), once per list;
- a link (``get_absolute_url()``) is made by the model's own path function
  (``Article.paths()``, …), prepared once for a whole list;
- ``slug_in()``, ``full_name``, ``share_text``, ``get_kind_display()``,
  ``get_piece_type_display()`` and ``get_full_name()`` are the models' own functions,
  bound to the value.

So a value answers exactly as its model would (``test_values.py`` compares them, in
every language), and a change to a model's rule changes the pages that read values
too. Templates read these under strict undefined in the tests: a name a value does not
offer fails a test instead of printing nothing.
"""

from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from datetime import datetime

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from modeltranslation.fields import NONE
from modeltranslation.utils import build_localized_fieldname, resolution_order

from articles.links import path_builder
from articles.memos import memoized
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

LANGUAGES = ("ar", "en")


def languages_of(*fields: str) -> list[str]:
    """Return each of ``fields`` in every language: ``["title_ar", "title_en", ...]``."""
    return [f"{field}_{code}" for field in fields for code in LANGUAGES]


def prefixed(prefix: str, names: list[str]) -> list[str]:
    """Return ``names`` as ``values()`` reads them through a relation: ``section__name_ar``."""
    return [f"{prefix}__{name}" for name in names]


class ModelTexts:
    """Choose a row's text in ``language`` for translated fields of ``model``, by the rule
    of the model's own modeltranslation descriptor: the first meaningful value in its
    resolution order, else its default. The rule is read once, for a whole list."""

    def __init__(self, model, fields: tuple[str, ...], language: str):
        self.rules = {}
        for name in fields:
            descriptor = model.__dict__[name]
            default = descriptor.field.get_default()
            undefined = (
                default
                if descriptor.fallback_undefined is NONE
                else (descriptor.fallback_undefined)
            )
            order = resolution_order(language, descriptor.fallback_languages)
            columns = [build_localized_fieldname(name, code) for code in order]
            self.rules[name] = (columns, descriptor.meaningful_value, undefined, default)

    def __call__(self, row: dict) -> dict:
        """Return ``{field: text}`` for the fields, from the row's per-language columns."""
        texts = {}
        for name, (columns, meaningful, undefined, default) in self.rules.items():
            for column in columns:
                value = row[column]
                if meaningful(value, undefined):
                    break
            else:
                value = default
            texts[name] = value
        return texts


@memoized(stale_when="never: the models' translated fields are registered at start", max_size=64)
def model_texts(model, fields: tuple[str, ...], language: str) -> ModelTexts:
    """Return the ``ModelTexts`` of ``fields`` of ``model`` in ``language``: the rules are
    the same for every list of a page, and every page."""
    return ModelTexts(model, fields, language)


def unprefixed(row: dict, prefix: str) -> dict:
    """Return the columns of ``row`` read through relation ``prefix``, without the prefix."""
    start = len(prefix) + 2
    return {name[start:]: value for name, value in row.items() if name.startswith(prefix + "__")}


class _Linked:
    """A value whose page path the model's path function made when the value was."""

    __slots__ = ()

    def __post_init__(self, paths: Callable) -> None:
        object.__setattr__(self, "url", paths(self))

    def get_absolute_url(self) -> str:
        return self.url


@dataclass(frozen=True, slots=True)
class SectionLink(_Linked):
    slug: str
    name: str
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = ["slug", *languages_of("name")]


_LEAD_IMAGE_FIELD = Article._meta.get_field("lead_image")


@dataclass(frozen=True, slots=True)
class CardImage:
    """A list's picture of an article: its stored lead image, with the size the upload
    recorded (no file is opened to learn it), for ``responsive_image``."""

    name: str
    width: int
    height: int

    @property
    def storage(self):
        """Return the storage the article's lead image is kept in."""
        return _LEAD_IMAGE_FIELD.storage


@dataclass(frozen=True, slots=True)
class ArticleCard(_Linked):
    """An article as lists show it: headline, kicker, standfirst, section, date,
    picture (``None`` when it has none) and kind of piece (labelled unless news)."""

    pk: int
    published_at: datetime
    piece_type: str
    title: str
    kicker: str
    summary: str
    slug_ar: str
    slug_en: str
    section: SectionLink
    picture: CardImage | None
    lead_image_alt: str
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = [
        "pk",
        "published_at",
        "piece_type",
        *languages_of("title", "kicker", "summary", "slug"),
        "lead_image",
        "lead_image_width",
        "lead_image_height",
        *languages_of("lead_image_alt"),
    ]
    slug_in = Article.slug_in
    get_piece_type_display = Article.get_piece_type_display


def card_columns() -> list[str]:
    """Return the columns to read for ``cards_of``: the article's, then its section's."""
    return [*ArticleCard.COLUMNS, *prefixed("section", SectionLink.COLUMNS)]


def bare_card_columns() -> list[str]:
    """Return the columns to read for ``cards_of`` with the sections at hand: the
    article's and its section's id. A list that reads no other table is read from the
    publication index whatever the planner's statistics say (joined to the sections,
    SQLite's planner may start from them and sort every article of every section)."""
    return [*ArticleCard.COLUMNS, "section_id"]


def cards_of(
    rows: list[dict], language: str, sections: dict[int, dict] | None = None
) -> list[ArticleCard]:
    """Return a card per row of ``card_columns()`` in ``language``, or of
    ``bare_card_columns()`` with ``sections``, each section's ``SectionLink.COLUMNS`` by
    id; cards of one section share its link."""
    texts, section_texts, article_paths, section_paths = _card_rules(
        language, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )
    links: dict = {}
    cards = []
    for row in rows:
        key = row["section__slug"] if sections is None else row["section_id"]
        section = links.get(key)
        if section is None:
            columns = unprefixed(row, "section") if sections is None else sections[key]
            section = links[key] = SectionLink(
                slug=columns["slug"], paths=section_paths, **section_texts(columns)
            )
        cards.append(
            ArticleCard(
                pk=row["pk"],
                published_at=row["published_at"],
                piece_type=row["piece_type"],
                slug_ar=row["slug_ar"],
                slug_en=row["slug_en"],
                section=section,
                picture=_card_picture(row),
                paths=article_paths,
                **texts(row),
            )
        )
    return cards


@memoized(stale_when="the URLconf changes (a new release restarts the workers)", max_size=16)
def _card_rules(language: str, script_prefix: str, urlconf: str):
    """Return what every card of ``language`` is made with: the texts' rules and the
    paths' builders (a list of cards is made on every page; these are the same)."""
    texts = model_texts(Article, ("title", "kicker", "summary", "lead_image_alt"), language)
    section_texts = model_texts(Section, ("name",), language)
    return texts, section_texts, Article.paths(language), Section.paths(language)


def _card_picture(row: dict) -> CardImage | None:
    """Return the card's picture; none without a stored image and its recorded size."""
    if not (row["lead_image"] and row["lead_image_width"] and row["lead_image_height"]):
        return None
    return CardImage(
        name=row["lead_image"],
        width=row["lead_image_width"],
        height=row["lead_image_height"],
    )


@dataclass(frozen=True, slots=True)
class TagLink(_Linked):
    pk: int
    slug: str
    kind: str
    name: str
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = ["pk", "slug", "kind", *languages_of("name")]
    get_kind_display = Tag.get_kind_display


def tags_of(rows: list[dict], language: str) -> list[TagLink]:
    texts = model_texts(Tag, ("name",), language)
    paths = Tag.paths(language)
    return [
        TagLink(pk=row["pk"], slug=row["slug"], kind=row["kind"], paths=paths, **texts(row))
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ExpertLink(_Linked):
    """Who said a quote: named with the honorific, as the news names the person."""

    slug: str
    name: str
    honorific: str
    role: str
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = ["slug", *languages_of("name", "honorific", "role")]
    full_name = Expert.full_name


@dataclass(frozen=True, slots=True)
class QuoteItem(_Linked):
    """A quote with who said it, and the article it appeared in where a page shows it."""

    pk: int
    highlighted: bool
    text: str
    context: str
    expert: ExpertLink
    article: ArticleCard | None
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = ["pk", "highlighted", *languages_of("text", "context")]
    share_text = Quote.share_text


def quote_columns(*, with_article: bool = False) -> list[str]:
    """Return the columns to read for ``quotes_of``, the article's card too if asked."""
    columns = [*QuoteItem.COLUMNS, *prefixed("expert", ExpertLink.COLUMNS)]
    if with_article:
        columns += prefixed("article", card_columns())
    return columns


def quotes_of(rows: list[dict], language: str) -> list[QuoteItem]:
    """Return a quote per row of ``quote_columns()`` in ``language``; one expert's quotes
    share a link."""
    texts = model_texts(Quote, ("text", "context"), language)
    expert_texts = model_texts(Expert, ("name", "honorific", "role"), language)
    quote_paths, expert_paths = Quote.paths(language), Expert.paths(language)
    experts: dict[str, ExpertLink] = {}
    quotes = []
    for row in rows:
        expert = experts.get(row["expert__slug"])
        if expert is None:
            columns = unprefixed(row, "expert")
            expert = experts[row["expert__slug"]] = ExpertLink(
                slug=columns["slug"], paths=expert_paths, **expert_texts(columns)
            )
        article = None
        if "article__pk" in row:
            (article,) = cards_of([unprefixed(row, "article")], language)
        quotes.append(
            QuoteItem(
                pk=row["pk"],
                highlighted=row["highlighted"],
                expert=expert,
                article=article,
                paths=quote_paths,
                **texts(row),
            )
        )
    return quotes


@dataclass(frozen=True, slots=True)
class ShareButton:
    """A share network as a page offers it, with the path that counts the share."""

    slug: str
    icon: str
    name: str
    path: str

    COLUMNS = ["slug", "icon", *languages_of("name")]


def share_buttons_of(rows: list[dict], language: str, *, view: str, pk: int) -> list[ShareButton]:
    """Return a button per row, sharing ``pk`` through ``view`` ("articles:share", or
    "articles:quote_share" for a quote)."""
    texts = model_texts(ShareNetwork, ("name",), language)
    share_path = path_builder(view, "pk", "network", language=language)
    return [
        ShareButton(
            slug=row["slug"],
            icon=row["icon"],
            path=share_path(pk=pk, network=row["slug"]),
            **texts(row),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class CorrectionItem:
    published_at: datetime
    text: str

    COLUMNS = ["published_at", *languages_of("text")]


def corrections_of(rows: list[dict], language: str) -> list[CorrectionItem]:
    texts = model_texts(Correction, ("text",), language)
    return [CorrectionItem(published_at=row["published_at"], **texts(row)) for row in rows]


@dataclass(frozen=True, slots=True)
class AuthorLink(_Linked):
    """An author profile named in a byline, with the path of its page. Read from the
    profile's public columns only: who writes under a pen name is never among them."""

    slug: str
    name: str
    paths: InitVar[Callable]
    url: str = field(init=False)

    COLUMNS = ["slug", *languages_of("name")]


def authors_of(rows: list[dict], language: str) -> list[AuthorLink]:
    texts = model_texts(AuthorProfile, ("name",), language)
    paths = AuthorProfile.paths(language)
    return [AuthorLink(slug=row["slug"], paths=paths, **texts(row)) for row in rows]


def missing_languages() -> set[str]:
    """Return the site's languages the values above carry no columns for (should be none)."""
    return set(settings.MODELTRANSLATION_LANGUAGES) - set(LANGUAGES)
