"""Queries compiled once: the same rows as the ORM, no state frozen at first use, plans kept
on PostgreSQL, and a loud failure when Django changes a name this engine relies on."""

import importlib
from datetime import timedelta

import django
import pytest
from django.db import connection
from django.db.models.expressions import RawSQL
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.memos import MEMOS, Memo, forget_all
from articles.models import Article, Section
from articles.reading import pages
from articles.reading.sql import DJANGO_INTERNALS, CompiledQuery, _compiled
from articles.reading.values import card_columns
from articles.tests.factories import make_article, make_section, make_tag

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL"
)


def related_story():
    tag = make_tag()
    article = make_article(tags=[tag])
    for hours in range(1, 4):
        make_article(tags=[tag], published_at=timezone.now() - timedelta(hours=hours))
    return {"pk": article.pk, "tag_ids": [tag.pk], "now": timezone.now(), "language": "ar"}


def related(values, limit=4):
    return pages.RELATED_ARTICLES(**values, limit=limit)


def orm_related(values, limit=4):
    """The related list as the ORM reads it, the reference compiled runs must match."""
    queryset = (
        Article.objects.published(values["now"])
        .related_to(values["pk"], values["tag_ids"], limit)
        .rewrite(False)
        .values(*card_columns())
    )
    return list(queryset)


@pytest.mark.django_db
def test_a_compiled_query_gives_the_rows_the_orm_gives_on_every_run():
    values = related_story()

    first, second = related(values), related(values)

    assert first == second == orm_related(values)
    assert len(first) == 3


@pytest.mark.django_db
def test_what_shapes_the_sql_is_read_on_every_call_not_frozen_at_the_first():
    """A LIMIT is part of the SQL: each value asked for gets a compilation of its own."""
    section = make_section()
    for _ in range(4):
        make_article(section=section)
    now = timezone.now()

    counts = [
        len(pages.HOME_LATEST_QUERY(now=now, language="ar", limit=limit)) for limit in (2, 3, 2)
    ]

    assert counts == [2, 3, 2]


@pytest.mark.django_db
def test_a_literal_percent_sign_and_each_runs_values_survive_on_every_database():
    query = CompiledQuery(
        "percent",
        Article,
        lambda pk: Article.objects.filter(pk=pk).annotate(share=RawSQL("'100%%'", [])),
        columns=lambda: ["pk", "share"],
    )
    one, two = make_article(), make_article()

    assert query(pk=one.pk) == [{"pk": one.pk, "share": "100%"}]
    assert query(pk=two.pk) == [{"pk": two.pk, "share": "100%"}]


@pytest.mark.django_db
def test_an_id_too_large_for_the_database_finds_no_row_as_with_the_orm():
    assert pages.PUBLISHED_ARTICLE(pk=2**70, now=timezone.now()) == []


def test_a_value_that_cannot_be_a_parameter_is_refused_when_compiling():
    query = CompiledQuery(
        "bad", Article, lambda views: Article.objects.filter(pk__gt=views), columns=lambda: ["pk"]
    )

    with pytest.raises(TypeError, match="bad"):
        query(views=2.5)


@pytest.mark.django_db
def test_a_string_parameter_is_compared_as_it_is():
    from articles.tests.factories import make_section

    query = CompiledQuery(
        "by slug", Section, lambda slug: Section.objects.filter(slug=slug), columns=lambda: ["pk"]
    )
    arabic = make_section(slug="أخبار-حلب")
    make_section(slug="a_b")

    assert query(slug="أخبار-حلب") == [{"pk": arabic.pk}]
    assert query(slug="a%b") == []  # no pattern: "%" and "_" mean themselves
    assert query(slug="a_b") != []


@pytest.mark.django_db
def test_compilations_are_forgotten_with_every_memo_when_content_changes():
    from articles.caching.pagecache import content_changed

    related(related_story())
    assert len(_compiled) > 0

    content_changed()

    assert len(_compiled) == 0


def test_every_memo_says_what_makes_it_stale_and_is_emptied_by_a_setting_change():
    extra = Memo("test: a memo", stale_when="the test says so")
    extra.set("key", "answer")
    try:
        with override_settings(NEWSROOM_DIGITS="arabic"):
            assert extra.get("key") is None
        assert all(memo.stale_when for memo in MEMOS)
        assert {"sql: compiled queries", "links: each page's path pattern"} <= {
            memo.name for memo in MEMOS
        }
    finally:
        MEMOS.remove(extra)
        forget_all()


def _resolve(dotted: str):
    """Import ``dotted``'s module and follow its attributes to the class it names."""
    parts = dotted.split(".")
    path = parts
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        path = parts[cut:]
        break
    for name in path:
        target = getattr(target, name)
    return target


@pytest.mark.django_db
def test_the_django_internals_the_engine_uses_are_all_still_there():
    """Fails by name when a Django release renames or removes what sql.py relies on.

    A new Django release must be read against sql.py's ``DJANGO_INTERNALS`` before this
    version check is moved on.
    """
    assert django.VERSION[:2] == (5, 2), "Check articles/reading/sql.py's DJANGO_INTERNALS"
    queryset = Article.objects.filter(pk=1).rewrite(False).values("pk", "title_ar")
    compiler = queryset.query.get_compiler(using="default")
    compiler.as_sql()
    instances = {
        "SQLCompiler": compiler,
        "Query": queryset.query,
        "BaseDatabaseWrapper": connection,
    }
    missing = []
    for dotted in DJANGO_INTERNALS:
        owner, _, attribute = dotted.rpartition(".")
        owner_name = owner.rsplit(".", 1)[-1]
        try:
            owner_class = _resolve(owner)
        except AttributeError:
            missing.append(dotted)
            continue
        # Attributes set on an instance (by __init__ or as_sql) are looked for on one.
        if not hasattr(instances.get(owner_name, owner_class), attribute):
            missing.append(dotted)
    assert missing == []


@postgresql_only
@pytest.mark.django_db
def test_on_postgresql_the_server_keeps_the_plan_and_runs_it_again():
    values = related_story()

    with CaptureQueriesContext(connection) as captured:
        first, second = related(values), related(values)

    assert first == second == orm_related(values)
    # Logged by its text, as Django logs its own queries (psycopg keeps none of it).
    assert [query["sql"][:7] for query in captured] == ["SELECT "] * 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
        cursor.execute("SHOW plan_cache_mode")
        mode = cursor.fetchone()[0]
    assert any("UNION ALL" in statement for statement in statements)
    assert mode == "force_generic_plan"


@postgresql_only
@pytest.mark.django_db
def test_on_postgresql_a_query_planned_for_its_values_is_never_prepared():
    from articles.reading import pages
    from articles.tests.factories import make_article, make_expert, make_quote

    expert = make_expert()
    make_quote(article=make_article(), expert=expert, text_ar="قول مرة واحدة")
    for _ in range(3):
        page = pages.expert_page(expert.slug, language="ar", origin="https://x.example")

    assert [quote.text for quote in page.quotes] == ["قول مرة واحدة"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert statements  # the expert's own row is read by a prepared statement
    assert not any("articles_quote" in statement for statement in statements)


@postgresql_only
@pytest.mark.django_db
def test_on_postgresql_a_session_whose_statements_were_dropped_still_answers():
    values = related_story()
    related(values)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    assert related(values) == orm_related(values)
