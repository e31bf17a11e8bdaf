"""Django's SQLite backend, keeping the query planner's statistics up to date.

What it adds, and why, is told in ``articles.reading.sql`` (``SQLiteStatistics``).
"""

from django.db.backends.sqlite3 import base

from articles.reading.sql import SQLiteStatistics


class DatabaseWrapper(SQLiteStatistics, base.DatabaseWrapper):
    pass
