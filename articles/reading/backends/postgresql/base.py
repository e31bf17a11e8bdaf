"""Django's PostgreSQL backend, checking a kept connection's health without a round trip.

What it adds, and why, is told in ``articles.reading.sql`` (``PostgreSQLHealthCheck``).
"""

from django.db.backends.postgresql import base

from articles.reading.sql import PostgreSQLHealthCheck


class DatabaseWrapper(PostgreSQLHealthCheck, base.DatabaseWrapper):
    pass
