"""Fifty readers for a minute on gunicorn while editors publish, then a share storm.

bench/load.py does the work, out of process: its own database (SQLite in a temporary
folder, or a PostgreSQL database beside the test database when the suite runs on
PostgreSQL), gunicorn with the project's configuration, wrk over a mix of pages (each
article page followed by its read count, as the page's script sends it: every read sent
must be counted, once), an editor publishing and correcting through the write actions,
and 20 simultaneous clicks on one share link.
"""

import shutil

import pytest
from django.conf import settings
from django.db import connection

from bench.load import failures, load

pytestmark = pytest.mark.load


def load_database() -> str | None:
    """On PostgreSQL, a new database of the load test's own on the same server."""
    if connection.vendor != "postgresql":
        return None
    import psycopg

    server = settings.DATABASES["default"]
    name = f"{server['NAME']}_load"
    with psycopg.connect(
        host=server["HOST"] or None,
        port=server["PORT"] or None,
        user=server["USER"] or None,
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = server["USER"] or ""
    password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
    return f"postgres://{user}{password}@{server['HOST']}:{server['PORT'] or 5432}/{name}"


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_fifty_readers_for_a_minute_while_editors_publish(run_summary):
    # A minute: an editor publishes and corrects some twenty times meanwhile. (`python
    # bench/load.py --seconds 600` runs it longer, outside the suite.)
    result = load(load_database(), seconds=60, connections=50, demo=300)

    run_summary.append(
        f"Load test ({connection.vendor}): {result['requests']:,} requests in "
        f"{result['seconds']} s from {result['connections']} readers over "
        f"{result['pages in the mix']} pages, {result['requests per second']:.0f}/s; "
        f"p50 {result['p50 ms']} ms, p90 {result['p90 ms']} ms, p99 {result['p99 ms']} ms; "
        f"{result['non-2xx/3xx answers']} errors, {result['socket errors']} socket errors; "
        f"editor: {result['editor']}; new error log lines: "
        f"{len(result['new error log lines'])}; 20 share clicks counted "
        f"{result['shares counted']}; reads sent {result['reads sent']}, counted "
        f"{result['reads counted']}."
    )
    assert failures(result) == []
