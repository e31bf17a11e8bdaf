"""Search that understands Arabic spelling: the stored text and the query are folded alike.

Each article keeps its text folded for search (``search_ar``, ``search_en``: hamza
forms of alef to bare alef, ى to ي, ة to ه, no tatweel or diacritics, case folded), so
"الرقه" finds "الرقة". On PostgreSQL the folded text is searched with full-text search
over a GIN index and ranked by ``ts_rank``; elsewhere (SQLite) every word must appear
and the newest matches are ranked by where the words appear.
"""

import re

from django.conf import settings
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.arabic import normalize_for_search

MAX_TERMS = 8
# Only this many of the newest matches are ranked: a word in half the archive costs no
# more than a rare one (PostgreSQL reads the newest matches from the publication index
# or the full-text index, whichever is cheaper; SQLite ranks them in Python).
CANDIDATES = 100
# Enough context around the first match for a reader to judge the result.
EXCERPT_WORDS = 36


def query_terms(query: str) -> list[str]:
    """Return the folded words of a query, duplicates and punctuation dropped."""
    words = re.findall(r"\w+", normalize_for_search(query or ""))
    return list(dict.fromkeys(word for word in words if len(word) > 1 or word.isdigit()))[
        :MAX_TERMS
    ]


def uses_full_text_search() -> bool:
    return connection.vendor == "postgresql"


def search_articles(queryset, terms: list[str], language: str):
    """Return the articles of ``queryset`` matching every term, best first.

    On PostgreSQL a queryset ordered by rank, then recency; elsewhere a list.
    """
    field = f"search_{language}"
    if not terms:
        return queryset.none()
    if uses_full_text_search():
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
        from django.db.models.expressions import RawSQL

        # The stored vector column of migration 0006, unknown to the model (SQLite has
        # no such type); ``language`` is one of the site's own language codes.
        if language not in dict(settings.LANGUAGES):
            raise ValueError(f"Unknown language {language!r}")
        # Unqualified, so that inside the subquery it names the subquery's own row.
        column = f"search_vector_{language}"
        vector = RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611
        query = SearchQuery(" ".join(terms), config="simple", search_type="plain")
        newest = (
            queryset.alias(search_vector=vector)
            .filter(search_vector=query)
            .order_by("-published_at", "-pk")
            .values("pk")[:CANDIDATES]
        )
        return (
            queryset.filter(pk__in=newest)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-published_at", "-pk")
        )
    for term in terms:
        queryset = queryset.filter(**{f"{field}__contains": term})
    candidates = list(queryset.order_by("-published_at", "-pk")[:CANDIDATES])
    return sorted(candidates, key=lambda article: -score(article, terms, language))


def score(article, terms: list[str], language: str) -> int:
    """Rank a match: words in the headline count most, then the standfirst, then the text."""
    title = normalize_for_search(getattr(article, f"title_{language}") or "")
    summary = normalize_for_search(getattr(article, f"summary_{language}") or "")
    text = getattr(article, f"search_{language}") or ""
    return sum(
        4 * title.count(term) + 2 * summary.count(term) + min(text.count(term), 5) for term in terms
    )


def highlight(text: str, terms: list[str]) -> str:
    """Return ``text`` escaped, each word that matches a term (however spelled) in <mark>."""
    if not text:
        return ""
    pieces = []
    for token in re.split(r"(\w+)", text):
        if token and token[0].isalnum() and _matches(token, terms):
            pieces.append(f"<mark>{escape(token)}</mark>")
        else:
            pieces.append(escape(token))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece is escaped above)  # nosec B703


def excerpt(text: str, terms: list[str], words: int = EXCERPT_WORDS) -> str:
    """Return the part of ``text`` around the first matching word, highlighted."""
    tokens = text.split()
    first = next(
        (index for index, token in enumerate(tokens) if _matches(token, terms)),
        0,
    )
    start = max(0, first - words // 3)
    chosen = " ".join(tokens[start : start + words])
    prefix = "… " if start else ""
    suffix = " …" if start + words < len(tokens) else ""
    return mark_safe(escape(prefix) + highlight(chosen, terms) + escape(suffix))  # noqa: S308  # nosec B703 # escaped, or highlight()'s output


def _matches(word: str, terms: list[str]) -> bool:
    folded = normalize_for_search(word)
    return any(term in folded for term in terms)
