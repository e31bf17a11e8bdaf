"""What every full reader page shows around its content: the masthead (logo or name,
the sections menu in the editors' order), the breaking-news strip and the footer.

It is on every page, so it is read once per language and kept in a memo
(``articles.memos``) until anything changes: a save of a section, an article, or the
masthead and footer row starts a new page-cache generation, which empties every memo of
every worker (``articles.caching.pagecache``). A breaking article's strip ends at its
own time with no save: the kept value holds each strip's end, and ``Masthead.breaking``
leaves out those past it at every request (cached pages end their generation at that
time too, ``pagecache._generation_end``).

Reached through the door, ``articles.reading.pages.masthead``.
"""

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from articles.links import path_to
from articles.memos import Memo
from articles.models import Article, Section, SiteSettings
from articles.reading.values import SectionLink, languages_of, model_texts
from articles.secure_contact import grouped_fingerprint, signal_link

# Queries a masthead costs when it is not kept: the settings row, the sections, the
# breaking articles. Once per language, worker and generation.
MASTHEAD_QUERIES = 3
# The strip shows the newest few; more would push the page's content off a phone screen.
BREAKING_SHOWN = 3

_kept = Memo(
    "masthead and footer, per language",
    stale_when="a section, an article or the masthead-and-footer row is saved: each starts "
    "a page-cache generation, which empties this memo in every worker",
    max_size=8,
)


@dataclass(frozen=True, slots=True)
class FooterLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class HomeLink:
    """A language's home page: the language switch of a page with no twin (a 404)."""

    code: str
    path: str
    current: bool


@dataclass(frozen=True, slots=True)
class BreakingItem:
    title: str
    url: str
    published_at: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class ChromeLinks:
    """The addresses every full page links to around its content, in one language."""

    home: str
    search: str
    lite_home: str
    reach_us: str
    feed_rss: str
    feed_atom: str


def chrome_links(language: str) -> ChromeLinks:
    """Return the addresses the masthead and footer link to in ``language`` (no query)."""
    with override(language):
        return ChromeLinks(
            home=path_to("articles:home"),
            search=path_to("articles:search"),
            lite_home=path_to("articles:lite_home"),
            reach_us=path_to("articles:reach_us"),
            feed_rss=path_to("articles:feed_rss"),
            feed_atom=path_to("articles:feed_atom"),
        )


@dataclass(frozen=True, slots=True)
class Masthead:
    """The masthead and footer in one language. Empty strings where nothing is set."""

    logo_url: str
    sections: tuple[SectionLink, ...]
    about_url: str
    corrections_url: str
    contact_url: str
    social: tuple[FooterLink, ...]
    breaking_items: tuple[BreakingItem, ...]
    home_links: tuple[HomeLink, ...] = ()
    ownership_url: str = ""
    sources_policy_url: str = ""
    links: ChromeLinks | None = None

    def policies(self, origin: str) -> dict[str, str]:
        """Return the publisher's policy pages as JSON-LD names them (``seo``), by
        absolute address: the about page states the outlet's principles."""
        paths = {
            "publishingPrinciples": self.about_url,
            "correctionsPolicy": self.corrections_url,
            "ownershipFundingInfo": self.ownership_url,
            "unnamedSourcesPolicy": self.sources_policy_url,
        }
        return {key: origin + path for key, path in paths.items() if path}

    @property
    def breaking(self) -> list[BreakingItem]:
        """Return the breaking articles live now: published, and before their end."""
        now = timezone.now()
        live = [item for item in self.breaking_items if item.published_at <= now < item.until]
        return live[:BREAKING_SHOWN]


def empty_masthead(language: str) -> Masthead:
    """Return a masthead with no row read: the 503 page's, when the database is down."""
    return Masthead("", (), "", "", "", (), (), links=chrome_links(language))


def masthead(language: str) -> Masthead:
    """Return the masthead and footer in ``language``: no query while it is kept."""
    return _kept.get_or_make(language, lambda: _read(language))


def site_settings() -> SiteSettings | None:
    return SiteSettings.objects.filter(pk=SiteSettings.SINGLE_PK).first()


def _read(language: str) -> Masthead:
    row = site_settings()
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE

    def text(name: str) -> str:
        if row is None:
            return ""
        return getattr(row, f"{name}_{language}", "") or getattr(row, f"{name}_{default}", "")

    with override(language):
        section_paths = Section.paths()
        article_paths = Article.paths()
        about = path_to("articles:about") if text("about") else ""
        corrections = path_to("articles:corrections") if text("corrections_policy") else ""
        ownership = path_to("articles:ownership") if text("ownership_funding") else ""
        sources = path_to("articles:sources_policy") if text("unnamed_sources_policy") else ""
        contact = row.contact_url if row is not None else ""
        if row is not None and row.has_contact_page:
            contact = path_to("articles:contact")
        social = tuple(
            FooterLink(name=str(label), url=getattr(row, field))
            for field, label in SiteSettings.SOCIAL
            if row is not None and getattr(row, field)
        )
    section_texts = model_texts(Section, ("name",), language)
    sections = tuple(
        SectionLink(slug=columns["slug"], paths=section_paths, **section_texts(columns))
        for columns in Section.objects.values(*SectionLink.COLUMNS)
    )
    return Masthead(
        logo_url=row.logo.url if row is not None and row.logo else "",
        sections=sections,
        about_url=about,
        corrections_url=corrections,
        contact_url=contact,
        social=social,
        breaking_items=_breaking(language, article_paths),
        home_links=_home_links(language),
        ownership_url=ownership,
        sources_policy_url=sources,
        links=chrome_links(language),
    )


def _home_links(language: str) -> tuple[HomeLink, ...]:
    links = []
    for code, _name in settings.LANGUAGES:
        with override(code):
            links.append(
                HomeLink(code=code, path=path_to("articles:home"), current=code == language)
            )
    return tuple(links)


def _breaking(language: str, paths) -> tuple[BreakingItem, ...]:
    """Return the published articles of ``language`` whose strip has not ended, newest
    first; those scheduled for later are kept too, and shown from their time."""
    rows = (
        Article.objects.filter(status=Article.Status.PUBLISHED, breaking_until__gt=timezone.now())
        .available_in(language)
        .order_by("-published_at", "-pk")
        .values("pk", "published_at", "breaking_until", *languages_of("title", "slug"))[
            : BREAKING_SHOWN * 2
        ]
    )
    return tuple(
        BreakingItem(
            title=row[f"title_{language}"] or row["title_ar"],
            url=paths(SimpleNamespace(**row)),
            published_at=row["published_at"],
            until=row["breaking_until"],
        )
        for row in rows
    )


# --- The about, policy and contact pages ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteTextPage:
    """A page of the editors' text from the masthead-and-footer row."""

    heading: str
    body: str  # sanitized on save (the template marks it safe)


SITE_TEXTS = {
    "about": "about",
    "corrections": "corrections_policy",
    "ownership": "ownership_funding",
    "sources": "unnamed_sources_policy",
}


def _text_of(row, field: str, language: str) -> str:
    """Return the row's ``field`` in ``language``, or in Arabic where it is empty."""
    if row is None:
        return ""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    return getattr(row, f"{field}_{language}", "") or getattr(row, f"{field}_{default}", "") or ""


def site_text_page(kind: str, *, language: str) -> SiteTextPage:
    """Return the about, corrections-policy, ownership-and-funding or unnamed-sources
    page (``kind``: a key of ``SITE_TEXTS``) in ``language`` (its text falls back to
    Arabic); raise ``Http404`` when editors left it empty."""
    body = _text_of(site_settings(), SITE_TEXTS[kind], language)
    if not body:
        raise Http404(_("There is no such page."))
    headings = {
        "about": _("About us"),
        "corrections": _("Corrections policy"),
        "ownership": _("Ownership and funding"),
        "sources": _("Unnamed sources policy"),
    }
    return SiteTextPage(heading=headings[kind], body=body)


@dataclass(frozen=True, slots=True)
class ContactPage:
    """How sources reach the newsroom safely, as editors set it: empty strings for the
    channels not set. Nothing here is a form: a source's message never reaches us."""

    advice: str  # sanitized on save (the template marks it safe)
    signal: str
    signal_url: str
    securedrop_url: str
    hush_line_url: str
    pgp_key: str
    pgp_fingerprint: str  # in blocks of four
    email_url: str  # a mailto: or web address, for what is not sensitive
    onion_url: str  # the site's own onion address, when it has one


def contact_page(*, language: str) -> ContactPage:
    """Return the contact page in ``language``; raise ``Http404`` while no safe channel
    (Signal, SecureDrop, Hush Line or a PGP key) is set."""
    row = site_settings()
    if row is None or not row.has_contact_page:
        raise Http404(_("There is no such page."))
    return ContactPage(
        advice=_text_of(row, "contact_advice", language),
        signal=row.signal,
        signal_url=signal_link(row.signal) if row.signal else "",
        securedrop_url=row.securedrop_url,
        hush_line_url=row.hush_line_url,
        pgp_key=row.pgp_key,
        pgp_fingerprint=grouped_fingerprint(row.pgp_fingerprint),
        email_url=row.contact_url,
        onion_url=settings.NEWSROOM_ONION_URL,
    )
