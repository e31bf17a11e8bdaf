"""Django's SQLite backend, keeping the query planner's statistics up to date.

Without statistics, SQLite takes any index on an equality for a selective one. The
related list's ``status = 'published' AND id IN (a few candidates)`` then walks the
(status, publication time) index across the whole archive, testing each id, instead of
looking the few candidates up by id: at 10,000 articles the article page cost half as
much again as at 1,000. SQLite keeps no statistics by itself; its documentation asks
applications to run ``PRAGMA optimize`` when a connection closes. That analyses only the
tables whose indexes the connection used and that have no statistics yet or have grown
since (a no-op costs microseconds), reading at most ``ANALYSIS_LIMIT`` rows of an index.

Its cursors also remember the last statements they turned from Django's placeholders
(``%s``) into SQLite's (``?``): Django runs a regular expression over the whole
statement on every execution, and the related list's statement (a UNION of one part
per tag) is nearly 5,000 characters long with 8 tags. The article page runs the same
few statements on every request; remembering them took 4% off its CPU time.
"""

import contextlib
import functools

from django.db.backends.sqlite3 import base

ANALYSIS_LIMIT = 1000
# ANALYZE writes its results: when a writer holds the database, this connection gives
# up at once rather than hold up the request that closes it; the next close tries again.
BUSY_TIMEOUT_MS = 50


CONVERTED_STATEMENTS = 512


@functools.lru_cache(maxsize=CONVERTED_STATEMENTS)
def _qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _close(self):
        if self.connection is not None and self.get_autocommit():
            with contextlib.suppress(base.Database.Error):
                self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        super()._close()
