"""The PostgreSQL backend checks a kept connection's health without a round trip, and
still replaces a session the server ended before a reader's query runs on it."""

import select
import time

import pytest
from django.db import close_old_connections, connection
from django.db.backends.postgresql import base as django_postgresql

from articles.models import Article

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def kept_connection(monkeypatch):
    """The connection as a worker keeps it between requests (DJANGO_DB_CONN_MAX_AGE)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.close()
    connection.ensure_connection()
    yield connection
    connection.close()


@pytest.fixture
def round_trip_checks(monkeypatch):
    """Count the health checks that ask the server (Django's SELECT 1)."""
    asked = []
    ask = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        asked.append(self.alias)
        return ask(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return asked


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def end_session_from_the_server(pid: int) -> None:
    """Terminate the session as a restart or an administrator would, and wait until
    the news of it reaches this side's socket."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    poller = select.poll()
    poller.register(connection.connection.fileno(), select.POLLIN)
    deadline = time.monotonic() + 10
    while not poller.poll(50):
        assert time.monotonic() < deadline, "the server never told the client"


def test_a_session_the_server_ended_is_replaced_before_the_next_request_queries(
    kept_connection, round_trip_checks
):
    old = backend_pid()
    end_session_from_the_server(old)

    close_old_connections()  # a new request starts
    count = Article.objects.count()

    assert count == 0
    assert backend_pid() != old
    assert round_trip_checks == ["default"]  # asked the server, found the session gone


def test_a_healthy_kept_session_is_reused_without_asking_the_server(
    kept_connection, round_trip_checks
):
    old = backend_pid()

    for _ in range(3):
        close_old_connections()  # a new request starts
        Article.objects.count()

    assert backend_pid() == old
    assert round_trip_checks == []


def test_a_session_left_inside_a_transaction_is_checked_by_asking_the_server(
    kept_connection, round_trip_checks
):
    connection.set_autocommit(False)
    try:
        Article.objects.count()
        assert connection.is_usable()
    finally:
        connection.rollback()
        connection.set_autocommit(True)

    assert round_trip_checks == ["default"]
