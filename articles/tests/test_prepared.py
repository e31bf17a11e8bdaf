"""Prepared queries on PostgreSQL: the server keeps their plans, and losing them costs
nothing but the time to plan again."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.public import views
from articles.reading.sql import PreparedQuery, _prepare_statement
from articles.tests.factories import make_article, make_tag

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL"
)


def related_story():
    tag = make_tag()
    article = make_article(tags=[tag])
    for hours in range(1, 4):
        make_article(tags=[tag], published_at=timezone.now() - timedelta(hours=hours))
    return {"pk": article.pk, "tag_ids": [tag.pk], "now": timezone.now()}


def plain_related(values):
    """The related list as plain SQL, the reference the prepared statement must match."""
    with override_settings(NEWSROOM_PREPARED_STATEMENTS=False):
        query = PreparedQuery(Article, views.RELATED_ARTICLES.build)
        with CaptureQueriesContext(connection) as captured:
            rows = query(**values)
    assert captured[0]["sql"].startswith("SELECT")
    return rows


@pytest.fixture
def new_session():
    """This test's session starts with no prepared statement, as a new worker's does."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection._prepared_statements = None


@postgresql_only
@pytest.mark.django_db
def test_the_first_run_prepares_and_later_runs_send_only_the_values(new_session):
    values = related_story()

    with CaptureQueriesContext(connection) as captured:
        first = views.RELATED_ARTICLES(**values)
        second = views.RELATED_ARTICLES(**values)

    assert first == second == plain_related(values)
    assert len(first) == 3
    prepare, execute = (query["sql"] for query in captured)
    assert prepare.startswith("PREPARE ")
    assert execute.startswith("EXECUTE ")
    assert len(execute) < len(prepare) / 4
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_session_that_lost_its_statements_still_answers(new_session):
    """A pooler in transaction mode may send a query to a session that never saw its
    PREPARE: the reader gets the page, and the session goes on with plain SQL."""
    values = related_story()
    views.RELATED_ARTICLES(**values)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    with CaptureQueriesContext(connection) as captured:
        rows = views.RELATED_ARTICLES(**values)
        again = views.RELATED_ARTICLES(**values)

    assert rows == again == plain_related(values)
    assert captured[-1]["sql"].startswith("SELECT")


@postgresql_only
@pytest.mark.django_db
def test_inside_a_transaction_a_lost_statement_is_an_error_then_plain_sql(new_session):
    values = related_story()
    views.RELATED_ARTICLES(**values)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    # The transaction the error ended cannot run the query again: the error goes up,
    # as any database error in a transaction does.
    with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
        views.RELATED_ARTICLES(**values)

    with CaptureQueriesContext(connection) as captured:
        rows = views.RELATED_ARTICLES(**values)
    assert rows == plain_related(values)
    assert captured[0]["sql"].startswith("SELECT")


def test_placeholders_become_numbered_parameters_and_a_literal_percent_survives():
    name, prepare, execute = _prepare_statement(
        "SELECT id FROM story WHERE title LIKE '50%%' AND id = %s AND shown = %s", [7, True]
    )

    assert prepare == (
        f"PREPARE {name} (bigint, boolean) AS "  # noqa: S608 (the expected text)
        "SELECT id FROM story WHERE title LIKE '50%%' AND id = $1 AND shown = $2"
    )
    assert execute == f"EXECUTE {name} (%s, %s)"
    # The name is the statement's: the same SQL gets the same name in every worker, and
    # other parameter types another name.
    same = [_prepare_statement("SELECT 1 WHERE 2 = %s", [value])[0] for value in (2, 3, "2")]
    assert same[0] == same[1] != same[2]


def test_a_parameter_whose_type_cannot_be_named_leaves_the_query_plain():
    assert _prepare_statement("SELECT %s", [1.5]) is None
    assert _prepare_statement("SELECT %s", [None]) is None
