"""The SQLite backend keeps the query planner's statistics up to date."""

import sqlite3
import time
from contextlib import closing

import pytest
from django.db.utils import ConnectionHandler


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A SQLite file of its own (not the test database), through the project's backend."""
    path = tmp_path / "newsroom.sqlite3"
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "articles.reading.backends.sqlite3",
                "NAME": str(path),
                # As the site's settings have it.
                "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
            }
        }
    )
    connection = handler["default"]
    django_db_blocker.unblock()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE story (id INTEGER PRIMARY KEY, status TEXT, day TEXT)")
        cursor.execute("CREATE INDEX story_status_day ON story (status, day)")
        cursor.executemany(
            "INSERT INTO story (status, day) VALUES (%s, %s)",
            [("published", f"2026-{1 + n % 12:02}-{1 + n % 28:02}") for n in range(500)],
        )
    yield path, connection
    connection.close()
    django_db_blocker.restore()


def statistics(path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(path)) as reader:
        if not reader.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return []
        return reader.execute("SELECT tbl, idx FROM sqlite_stat1").fetchall()


def test_closing_a_connection_that_used_an_index_records_the_tables_statistics(database):
    path, connection = database
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM story WHERE status = %s AND day < %s", ["published", "2026-06"]
        )
    assert statistics(path) == []

    connection.close()

    assert ("story", "story_status_day") in statistics(path)


def test_closing_does_not_wait_for_a_writer_and_still_closes(database):
    path, connection = database
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM story WHERE status = %s AND day < %s", ["published", "2026-06"]
        )
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        connection.close()
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert connection.connection is None
    assert waited < 5  # not the connection's own timeout, 20 s
    assert statistics(path) == []
