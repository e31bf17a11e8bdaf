"""Django's SQLite backend, keeping the query planner's statistics up to date.

Without statistics, SQLite takes any index on an equality for a selective one. The
related list's ``status = 'published' AND id IN (a few candidates)`` then walks the
(status, publication time) index across the whole archive, testing each id, instead of
looking the few candidates up by id: at 10,000 articles the article page cost half as
much again as at 1,000. SQLite keeps no statistics by itself; its documentation asks
applications to run ``PRAGMA optimize`` when a connection closes. That analyses only the
tables whose indexes the connection used and that have no statistics yet or have grown
since (a no-op costs microseconds), reading at most ``ANALYSIS_LIMIT`` rows of an index.
"""

import contextlib

from django.db.backends.sqlite3 import base

ANALYSIS_LIMIT = 1000
# ANALYZE writes its results: when a writer holds the database, this connection gives
# up at once rather than hold up the request that closes it; the next close tries again.
BUSY_TIMEOUT_MS = 50


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and self.get_autocommit():
            with contextlib.suppress(base.Database.Error):
                self.connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self.connection.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        super()._close()
